# ---------------------------------------------------------------------------------------------------
# The reporter: the same image as a third function, invoked daily by Resource Scheduler with the body
# {"task": "report"}, writing the day's change report (HTML, CSV, JSON) to its own bucket and telling a
# Notifications topic. Created when report_enabled is true. It gets no SIEM or ticket configuration or
# secret: it reads the audit log and writes reports, nothing else.
# ---------------------------------------------------------------------------------------------------
locals {
  report        = var.report_enabled
  create_topic  = local.report && var.report_topic_ocid == ""
  report_topic  = local.create_topic ? oci_ons_notification_topic.reports[0].id : var.report_topic_ocid
  topic_holder  = var.report_topic_ocid == "" ? var.compartment_ocid : (var.report_topic_compartment_ocid != "" ? var.report_topic_compartment_ocid : var.compartment_ocid)
  report_locked = var.report_retention_days > 0

  # The reporter's whole config (forwarder/settings/keys.py, scope "report", and what it reads of "collector").
  reporter_config_all = {
    REPORT_BUCKET            = var.report_bucket_name
    REPORT_NAMESPACE         = data.oci_objectstorage_namespace.this.namespace
    REPORT_TIMEZONE          = var.report_timezone
    REPORT_TOPIC_OCID        = local.report ? local.report_topic : ""
    REPORT_LINK_HOURS        = var.report_link_hours == 0 ? "" : tostring(var.report_link_hours)
    REPORT_HTML_ROWS         = ""
    COLLECT_TENANCY_OCID     = var.tenancy_ocid
    COLLECT_COMPARTMENT_OCID = var.collect_compartment_ocid
    COLLECT_REGIONS          = join(",", var.collect_regions)
    COLLECT_TENANCIES        = local.tenancies_json
    METRICS_NAMESPACE        = var.metrics_enabled ? var.metrics_namespace : ""
    METRICS_COMPARTMENT_OCID = var.metrics_enabled ? var.compartment_ocid : ""
  }
  reporter_config = { for key, value in local.reporter_config_all : key => value if value != "" }
  # The application's config is empty: the reporter's own is the whole 4 KB.
  reporter_config_size = sum([for key, value in local.reporter_config : length(key) + length(value)])
}

module "reporter" {
  count     = local.report ? 1 : 0
  source    = "./modules/function"
  providers = { oci = oci, oci.home = oci.home }

  name             = "${var.name_prefix}-reporter"
  policy_name      = "${var.name_prefix}-reporter-policy"
  role             = "the reporter function"
  tenancy_ocid     = var.tenancy_ocid
  compartment_ocid = var.compartment_ocid
  application_ocid = oci_functions_application.forwarder.id
  image            = var.function_image
  memory_mb        = var.function_memory_mb
  timeout_seconds  = 300 # a day that cannot be read by then is reported incomplete; run it again from the CLI
  config           = local.reporter_config
  config_bytes     = local.reporter_config_size
  config_hint      = "List fewer collect_tenancies."
  statements       = local.reporter_statements
  # The daily schedule (and the weekly and monthly ones, when set) may invoke the reporter, and nothing else.
  schedules = merge(
    {
      "" = {
        cron        = var.report_schedule
        body        = jsonencode({ task = "report" })
        description = "Runs the OCI security event forwarder's daily change report."
      }
    },
    var.report_week_schedule == "" ? {} : {
      week = {
        cron        = var.report_week_schedule
        body        = jsonencode({ task = "report", period = "week" })
        description = "Runs the OCI security event forwarder's weekly change report (the ISO week just ended)."
      }
    },
    var.report_month_schedule == "" ? {} : {
      month = {
        cron        = var.report_month_schedule
        body        = jsonencode({ task = "report", period = "month" })
        description = "Runs the OCI security event forwarder's monthly change report (the month just ended)."
      }
    },
  )
  schedule_prefix = "${var.name_prefix}-report"
  schedule_grants = local.schedule_grants
  tags            = local.tags
}

moved {
  from = oci_functions_function.reporter[0]
  to   = module.reporter[0].oci_functions_function.this
}

moved {
  from = oci_identity_dynamic_group.reporter[0]
  to   = module.reporter[0].oci_identity_dynamic_group.this
}

moved {
  from = oci_identity_policy.reporter[0]
  to   = module.reporter[0].oci_identity_policy.this
}

moved {
  from = oci_resource_scheduler_schedule.report[0]
  to   = module.reporter[0].oci_resource_scheduler_schedule.this[""]
}

resource "oci_objectstorage_bucket" "reports" {
  # checkov:skip=CKV_OCI_9: reports are summaries of the audit log; Oracle-managed keys encrypt them.
  count          = local.report ? 1 : 0
  compartment_id = var.compartment_ocid
  namespace      = data.oci_objectstorage_namespace.this.namespace
  name           = var.report_bucket_name
  access_type    = "NoPublicAccess"
  # Versions keep what a re-run replaced. A retention rule (report_retention_days) makes reports immutable
  # instead: Object Storage refuses retention rules on a versioned bucket, and a locked day cannot be re-run.
  versioning            = local.report_locked ? "Disabled" : "Enabled"
  object_events_enabled = true
  freeform_tags         = local.tags

  dynamic "retention_rules" {
    for_each = local.report_locked ? [var.report_retention_days] : []
    content {
      display_name = "keep-reports-${retention_rules.value}-days"
      duration {
        time_amount = tostring(retention_rules.value)
        time_unit   = "DAYS"
      }
    }
  }
}

resource "oci_ons_notification_topic" "reports" {
  count          = local.create_topic ? 1 : 0
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-reports"
  description    = "Daily change reports of the OCI security event forwarder."
  freeform_tags  = local.tags
}

resource "oci_ons_subscription" "reports" {
  for_each       = local.create_topic ? toset(var.report_emails) : toset([])
  compartment_id = var.compartment_ocid
  topic_id       = oci_ons_notification_topic.reports[0].id
  protocol       = "EMAIL"
  endpoint       = each.value
  freeform_tags  = local.tags
}



locals {
  reporter_dg = "${var.name_prefix}-reporter-dg" # modules/function: <name>-dg
  reporter_statements = !local.report ? [] : concat(
    [
      # ListRegionSubscriptions; Logging Search over the _Audit logs of every compartment.
      "Allow dynamic-group ${local.reporter_dg} to inspect tenancies in tenancy",
      "Allow dynamic-group ${local.reporter_dg} to read audit-events in tenancy",
      "Allow dynamic-group ${local.reporter_dg} to read log-content in tenancy",
      "Allow dynamic-group ${local.reporter_dg} to manage objects in compartment id ${var.compartment_ocid} where target.bucket.name = '${var.report_bucket_name}'",
      # GetTopic (its endpoint) and PublishMessage; not subscribe.
      "Allow dynamic-group ${local.reporter_dg} to use ons-topics in compartment id ${local.topic_holder} where any {request.permission = 'ONS_TOPIC_READ', request.permission = 'ONS_TOPIC_PUBLISH'}",
    ],
    # Its own counts (alarms.tf): report completeness, API calls.
    local.metrics ? [replace(local.metrics_grant, "<dg>", local.reporter_dg)] : [],
    # Other tenancies (tenancies.tf): Define and Endorse for those it reaches across, API keys' secrets.
    local.reporter_endorse,
    [for grant in local.key_secret_grants : replace(grant, "<dg>", local.reporter_dg)],
    # Read links (pre-authenticated requests) on the report bucket only.
    var.report_link_hours > 0 ? [
      "Allow dynamic-group ${local.reporter_dg} to manage buckets in compartment id ${var.compartment_ocid} where all {target.bucket.name = '${var.report_bucket_name}', request.permission = 'PAR_MANAGE'}",
    ] : [],
  )
}

