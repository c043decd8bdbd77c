variable "tenancy_ocid" {
  description = "OCID of the tenancy that admits the forwarder (the policy goes in its root compartment)."
  type        = string
  validation {
    condition     = can(regex("^ocid1\\.tenancy\\.", var.tenancy_ocid))
    error_message = "tenancy_ocid must be a tenancy OCID."
  }
}

variable "forwarder_tenancy_ocid" {
  description = "OCID of the tenancy the forwarder's functions run in (named in the policy's description)."
  type        = string
}

variable "statements" {
  description = "The Define and Admit statements: the root module's output cross_tenancy_admit_statements[<name>]."
  type        = list(string)
  validation {
    condition     = length(var.statements) > 0 && alltrue([for s in var.statements : can(regex("^(Define|Admit) ", s))])
    error_message = "statements must be Define and Admit statements (cross_tenancy_admit_statements)."
  }
}

variable "name" {
  description = "Name of the policy."
  type        = string
  default     = "oci-forwarder-admit"
}

variable "freeform_tags" {
  description = "Free-form tags of the policy."
  type        = map(string)
  default     = {}
}
