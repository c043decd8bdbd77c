output "policy_ocid" {
  description = "OCID of the admitting policy."
  value       = oci_identity_policy.admit.id
}
