output "function_id" {
  description = "OCID of the function."
  value       = oci_functions_function.this.id
}

output "dynamic_group_name" {
  description = "Name of the function's dynamic group."
  value       = oci_identity_dynamic_group.this.name
}

output "dynamic_group_id" {
  description = "OCID of the function's dynamic group."
  value       = oci_identity_dynamic_group.this.id
}

output "policy_id" {
  description = "OCID of the function's policy."
  value       = oci_identity_policy.this.id
}
