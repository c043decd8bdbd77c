# The other side of a cross-tenancy read: a policy in the root compartment of a tenancy that the
# forwarder's collector and reporter read with their own resource principals. Its statements are the
# root module's output cross_tenancy_admit_statements[<tenancy name>] (Define the forwarder's tenancy and
# dynamic groups, then Admit them to read). Apply it with a provider signed in to that tenancy, in its
# home region (IAM is written there).
resource "oci_identity_policy" "admit" {
  compartment_id = var.tenancy_ocid
  name           = var.name
  description    = "Admits the OCI security event forwarder of tenancy ${var.forwarder_tenancy_ocid} to read this tenancy's audit, logs and Cloud Guard problems."
  statements     = var.statements
  freeform_tags  = var.freeform_tags
}
