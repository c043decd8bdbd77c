# ---------------------------------------------------------------------------------------------------
# The collector: the same image as a second function, invoked by Resource Scheduler with a task body
# ({"task": "collect", "sources": [...]}), reading the OCI APIs in every region and compartment, with
# checkpoints in its own bucket. Created when collect_sources is not empty.
# ---------------------------------------------------------------------------------------------------
locals {
  collect = length(var.collect_sources) > 0

  # The keys the collector's config adds to the function's (forwarder/settings/keys.py, scope "collector").
  collector_config_added = {
    COLLECT_SOURCES             = join(",", var.collect_sources)
    COLLECT_AUDIT_METHOD        = var.collect_audit_method
    COLLECT_LOOKBACK_MINUTES    = tostring(var.collect_lookback_minutes)
    COLLECT_LAG_MINUTES         = tostring(var.collect_lag_minutes)
    COLLECT_QUERIES             = length(var.collect_queries) > 0 ? jsonencode(var.collect_queries) : ""
    COLLECT_REGIONS             = join(",", var.collect_regions)
    COLLECT_TENANCY_OCID        = var.tenancy_ocid
    COLLECT_COMPARTMENT_OCID    = var.collect_compartment_ocid
    COLLECT_TENANCIES           = local.tenancies_json
    COLLECT_STREAMS             = join(",", var.collect_streams)
    COLLECT_STREAM_GROUP        = contains(var.collect_sources, "stream") ? var.collect_stream_group : ""
    CHECKPOINT_BUCKET           = var.checkpoint_bucket_name
    CHECKPOINT_NAMESPACE        = data.oci_objectstorage_namespace.this.namespace
    COLLECT_WORKERS             = ""
    OCI_IDENTITY_ENDPOINT       = ""
    OCI_AUDIT_ENDPOINT          = ""
    OCI_CLOUDGUARD_ENDPOINT     = ""
    OCI_LOGGING_SEARCH_ENDPOINT = ""
  }
  collector_config_all = merge(local.function_config_all, local.collector_config_added)
  collector_config     = { for key, value in local.collector_config_all : key => value if value != "" }
  # The function's config size (main.tf, created secrets counted at their longest) plus what the collector adds.
  collector_config_size = local.function_config_size + sum([
    for key, value in local.collector_config_added : length(key) + length(value) if value != ""
  ])

  # One schedule per source; sources on the same cron share none: each run reads one source.
  schedules = { for s in var.collect_sources : s => var.collect_schedules[s] if local.collect }
}

module "collector" {
  count     = local.collect ? 1 : 0
  source    = "./modules/function"
  providers = { oci = oci, oci.home = oci.home }

  name             = "${var.name_prefix}-collector"
  policy_name      = "${var.name_prefix}-collector-policy"
  role             = "the collector function"
  tenancy_ocid     = var.tenancy_ocid
  compartment_ocid = var.compartment_ocid
  application_ocid = oci_functions_application.forwarder.id
  image            = var.function_image
  memory_mb        = var.function_memory_mb
  timeout_seconds  = 300 # a run stops taking new shards before its deadline; the next run goes on
  config           = local.collector_config
  config_bytes     = local.collector_config_size
  config_hint      = "Shorten collect_queries or give CA certificates as paths."
  statements       = local.collector_statements
  # One schedule per source; each may invoke the collector, and nothing else.
  schedules = {
    for source, cron in local.schedules : source => {
      cron        = cron
      body        = jsonencode({ task = "collect", sources = [source] })
      description = "Runs the OCI security event forwarder's collector for ${source}."
    }
  }
  schedule_prefix = "${var.name_prefix}-collect"
  schedule_grants = local.schedule_grants
  tags            = local.tags
}

moved {
  from = oci_functions_function.collector[0]
  to   = module.collector[0].oci_functions_function.this
}

moved {
  from = oci_identity_dynamic_group.collector[0]
  to   = module.collector[0].oci_identity_dynamic_group.this
}

moved {
  from = oci_identity_policy.collector[0]
  to   = module.collector[0].oci_identity_policy.this
}

moved {
  from = oci_resource_scheduler_schedule.collect
  to   = module.collector[0].oci_resource_scheduler_schedule.this
}

resource "oci_objectstorage_bucket" "checkpoints" {
  # checkov:skip=CKV_OCI_9: checkpoints hold times and event ids only; Oracle-managed keys encrypt them.
  count                 = local.collect ? 1 : 0
  compartment_id        = var.compartment_ocid
  namespace             = data.oci_objectstorage_namespace.this.namespace
  name                  = var.checkpoint_bucket_name
  access_type           = "NoPublicAccess"
  versioning            = "Enabled"
  object_events_enabled = true
  freeform_tags         = local.tags
}



locals {
  collector_dg = "${var.name_prefix}-collector-dg" # modules/function: <name>-dg
  # distinct: enrichment's inspect statements are also the collector's own.
  collector_statements = !local.collect ? [] : distinct(concat(
    [
      # ListRegionSubscriptions (TENANCY_INSPECT) and ListCompartments.
      "Allow dynamic-group ${local.collector_dg} to inspect tenancies in tenancy",
      "Allow dynamic-group ${local.collector_dg} to inspect compartments in tenancy",
      "Allow dynamic-group ${local.collector_dg} to manage objects in compartment id ${var.compartment_ocid} where target.bucket.name = '${var.checkpoint_bucket_name}'",
    ],
    [for grant in local.pipeline_grants : replace(grant, "<dg>", local.collector_dg)],
    contains(var.collect_sources, "audit") ? ["Allow dynamic-group ${local.collector_dg} to read audit-events in tenancy"] : [],
    contains(var.collect_sources, "logsearch") || (contains(var.collect_sources, "audit") && var.collect_audit_method == "search") ? [
      "Allow dynamic-group ${local.collector_dg} to read log-content in tenancy",
    ] : [],
    contains(var.collect_sources, "cloudguard") ? ["Allow dynamic-group ${local.collector_dg} to read cloud-guard-family in tenancy"] : [],
    # GetStream, CreateGroupCursor, GetMessages, ConsumerCommit, ConsumerHeartbeat on the streams named only.
    contains(var.collect_sources, "stream") ? [
      for stream in var.collect_streams : "Allow dynamic-group ${local.collector_dg} to use stream-pull in tenancy where target.stream.id = '${stream}'"
    ] : [],
    # Other tenancies (tenancies.tf): Define and Endorse for those it reaches across, API keys' secrets.
    local.collector_endorse,
    [for grant in local.key_secret_grants : replace(grant, "<dg>", local.collector_dg)],
  ))
}

