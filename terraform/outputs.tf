output "function_ocid" {
  description = "OCID of the forwarder function (for `oci fn function invoke`)."
  value       = module.forwarder.function_id
}

output "application_ocid" {
  description = "OCID of the Functions application."
  value       = oci_functions_application.forwarder.id
}

output "cloudguard_rule_ocid" {
  description = "OCID of the Events rule for Cloud Guard problems."
  value       = oci_events_rule.cloudguard_problems.id
}

output "audit_rule_ocid" {
  description = "OCID of the Events rule for audit-derived events (null when audit_event_types is empty)."
  value       = length(oci_events_rule.audit_events) > 0 ? oci_events_rule.audit_events[0].id : null
}

output "audit_connector_ocid" {
  description = "OCID of the _Audit Service Connector (null unless enable_audit_connector)."
  value       = length(oci_sch_service_connector.audit) > 0 ? oci_sch_service_connector.audit[0].id : null
}

output "dead_letter_bucket" {
  description = "Namespace and name of the dead-letter bucket."
  value       = "${data.oci_objectstorage_namespace.this.namespace}/${oci_objectstorage_bucket.dead_letter.name}"
}

output "dynamic_group_name" {
  description = "Dynamic group matching the function."
  value       = module.forwarder.dynamic_group_name
}

output "invoke_log_ocid" {
  description = "OCID of the function's invoke log (Logging > Log groups)."
  value       = oci_logging_log.invoke.id
}

output "function_config_keys" {
  description = "The configuration keys set on the function."
  value       = sort(keys(local.function_config))
}

output "function_config_bytes" {
  description = "Size of the function's config (keys and values; OCI Functions allows 4096 for application and function config together)."
  value       = local.function_config_size
}

output "audit_rule_event_types" {
  description = "The event types the audit rule forwards."
  value       = local.audit_event_types
}

output "collector_function_ocid" {
  description = "OCID of the collector function (empty when collect_sources is empty)."
  value       = local.collect ? module.collector[0].function_id : ""
}

output "checkpoint_bucket" {
  description = "Name of the collector's checkpoint bucket (empty when collect_sources is empty)."
  value       = local.collect ? oci_objectstorage_bucket.checkpoints[0].name : ""
}

output "reporter_function_ocid" {
  description = "OCID of the reporter function (empty when report_enabled is false)."
  value       = local.report ? module.reporter[0].function_id : ""
}

output "report_bucket" {
  description = "Name of the bucket holding the daily change reports (empty when report_enabled is false)."
  value       = local.report ? oci_objectstorage_bucket.reports[0].name : ""
}

output "report_topic_ocid" {
  description = "The topic told when a report is ready (empty when report_enabled is false)."
  value       = local.report ? local.report_topic : ""
}

output "cross_tenancy_admit_statements" {
  description = "By tenancy name (collect_tenancies reached by the functions' own principals): the Define and Admit statements that tenancy's administrator applies in its root compartment (modules/cross-tenancy-admit)."
  value       = local.admit_statements
}

output "alarm_topic_ocid" {
  description = "The topic the alarms notify (empty when there are no alarms: no alarm_emails and no alarm_topic_ocid)."
  value       = local.alarms ? local.alarm_topic : ""
}
