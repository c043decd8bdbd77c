# The providers of the module when it runs as a root: Resource Manager's stack (`make stack` puts this file at
# the zip's root, where Resource Manager gives `region` and `tenancy_ocid`). A module caller configures its own
# providers instead (examples/complete).

variable "home_region" {
  description = "The tenancy's home region, where IAM resources (dynamic group, policy) are written. Empty: the same as region."
  type        = string
  default     = ""
  validation {
    condition     = var.home_region == "" || can(regex("^[a-z]+-[a-z]+-[0-9]+$", var.home_region))
    error_message = "home_region must be empty or a region identifier such as us-ashburn-1."
  }
}

# Regional resources: the application, functions, rules, connector, buckets, logs, secrets and alarms.
provider "oci" {
  region = var.region
}

# IAM: dynamic groups and policies, in the home region only.
provider "oci" {
  alias  = "home"
  region = var.home_region != "" ? var.home_region : var.region
}
