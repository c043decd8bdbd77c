# ---------------------------------------------------------------------------------------------------
# Self-metrics and alarms. Every function posts its counts to OCI Monitoring (METRICS_NAMESPACE, the names
# in forwarder/metrics/__init__.py); with alarm_emails or alarm_topic_ocid, alarms on them and on OCI
# Functions' own metrics (oci_faas) notify a topic. What each alarm means and what to do: its body.
# ---------------------------------------------------------------------------------------------------
locals {
  metrics            = var.metrics_enabled
  alarms             = local.metrics && (length(var.alarm_emails) > 0 || var.alarm_topic_ocid != "")
  create_alarm_topic = local.alarms && var.alarm_topic_ocid == ""
  alarm_topic        = local.create_alarm_topic ? oci_ons_notification_topic.alarms[0].id : var.alarm_topic_ocid
  metrics_grant      = "Allow dynamic-group <dg> to use metrics in compartment id ${var.compartment_ocid} where target.metrics.namespace = '${var.metrics_namespace}'"

  # name => [namespace, query, severity, body]; the custom metrics' names are checked by a test.
  alarm_definitions = merge(
    {
      dead-letters = [var.metrics_namespace, "events_dead_lettered[5m].sum() > 0", "CRITICAL",
      "Events could not be delivered and were kept in the dead-letter bucket ${var.dead_letter_bucket_name}. Run `python -m forwarder doctor` to find the broken link, fix it, then `python -m forwarder replay-dead-letter --dry-run` and `replay-dead-letter`."]
      failures = [var.metrics_namespace, "events_failed[5m].sum() > 0", "CRITICAL",
      "Events were neither delivered nor kept: the invocation answered 502 and Connector Hub retries it (24 h at most). Read the function's log for the reason and run `python -m forwarder doctor`."]
      tickets-failed = [var.metrics_namespace, "tickets_failed[5m].sum() > 0", "WARNING",
      "A ticket could not be opened, updated or resolved. The summary in the function's log names the ticket system's answer; `doctor` checks its credentials."]
      function-errors = ["oci_faas", "FunctionResponseCount[5m]{applicationId = \"${oci_functions_application.forwarder.id}\", responseType = \"Error\"}.sum() > 0", "CRITICAL",
      "A function of the forwarder answered an error (a 502: something not delivered or kept, a bad configuration, a task that failed). Read its log."]
      function-throttles = ["oci_faas", "FunctionResponseCount[5m]{applicationId = \"${oci_functions_application.forwarder.id}\", responseType = \"Throttled\"}.sum() > 0", "WARNING",
      "Invocations were throttled (429): the tenancy's Functions concurrency limit was reached. Connector Hub and Events retry; ask for a higher limit if it lasts."]
    },
    local.collect ? {
      collection-lag = [var.metrics_namespace, "collection_lag_seconds[15m].max() > ${var.alarm_collection_lag_minutes * 60}", "WARNING",
      "A source and region of the collector is more than ${var.alarm_collection_lag_minutes} minutes behind: its shards fail or are deferred. The collector's summary names them; `doctor` checks its policies."]
    } : {},
    local.report ? {
      report-incomplete = [var.metrics_namespace, "report_complete[1h].min() < 1", "WARNING",
      "A change report could not read everything (its page says which regions), or a week or month still has days to read (the answer's days.pending; the next scheduled run goes on). Run it again: `python -m forwarder report --date <day>` (or --week, --month)."]
    } : {},
  )
}

resource "oci_ons_notification_topic" "alarms" {
  count          = local.create_alarm_topic ? 1 : 0
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-alarms"
  description    = "Alarms of the OCI security event forwarder."
  freeform_tags  = local.tags
}

resource "oci_ons_subscription" "alarms" {
  for_each       = local.create_alarm_topic ? toset(var.alarm_emails) : toset([])
  compartment_id = var.compartment_ocid
  topic_id       = oci_ons_notification_topic.alarms[0].id
  protocol       = "EMAIL"
  endpoint       = each.value
  freeform_tags  = local.tags
}

resource "oci_monitoring_alarm" "this" {
  for_each              = local.alarms ? local.alarm_definitions : {}
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-${each.key}"
  namespace             = each.value[0]
  query                 = each.value[1]
  severity              = each.value[2]
  body                  = each.value[3]
  destinations          = [local.alarm_topic]
  is_enabled            = true
  message_format        = "ONS_OPTIMIZED"
  pending_duration      = "PT1M"
  freeform_tags         = local.tags
}
