# One function of the forwarder (the forwarder itself, the collector, the reporter) with what each has alone:
# its dynamic group (this function only), its least-privilege policy, and the schedules that invoke it.

resource "oci_functions_function" "this" {
  application_id     = var.application_ocid
  display_name       = var.name
  image              = var.image
  memory_in_mbs      = var.memory_mb
  timeout_in_seconds = var.timeout_seconds
  config             = var.config
  freeform_tags      = var.tags

  lifecycle {
    precondition {
      condition     = var.config_bytes <= 4096
      error_message = "The ${var.name} config would take ${var.config_bytes} bytes; OCI Functions allows 4096 for application and function config together. ${var.config_hint}"
    }
  }
}

resource "oci_resource_scheduler_schedule" "this" {
  for_each           = var.schedules
  compartment_id     = var.compartment_ocid
  display_name       = each.key == "" ? var.schedule_prefix : "${var.schedule_prefix}-${each.key}"
  description        = each.value.description
  action             = "START_RESOURCE"
  recurrence_type    = "CRON"
  recurrence_details = each.value.cron
  resources {
    id = oci_functions_function.this.id
    parameters {
      parameter_type = "BODY"
      value          = [each.value.body]
    }
  }
  freeform_tags = var.tags
}

resource "oci_identity_dynamic_group" "this" {
  provider       = oci.home
  compartment_id = var.tenancy_ocid
  name           = "${var.name}-dg"
  description    = "The OCI security event forwarder: ${var.role}."
  matching_rule  = "ALL {resource.type = 'fnfunc', resource.id = '${oci_functions_function.this.id}'}"
  freeform_tags  = var.tags
}

resource "oci_identity_policy" "this" {
  provider       = oci.home
  compartment_id = var.tenancy_ocid
  name           = var.policy_name
  description    = "Least privilege for the OCI security event forwarder: ${var.role}."
  statements = concat(
    [for statement in var.statements : replace(statement, "<dg>", oci_identity_dynamic_group.this.name)],
    flatten([for schedule in oci_resource_scheduler_schedule.this : [
      for grant in var.schedule_grants : replace(grant, "<schedule>", schedule.id)
    ]]),
  )
  freeform_tags = var.tags
}
