terraform {
  required_version = ">= 1.5.0"
  required_providers {
    oci = {
      source  = "oracle/oci"
      version = "~> 6.37"
    }
  }
}

# Credentials come from the usual provider sources (~/.oci/config, environment, or Cloud Shell).
# Regional resources: the application, function, rules, connector, bucket, logs and secrets.
provider "oci" {
  region = var.region
}

# IAM resources (the dynamic group and the policy) can only be written in the tenancy's home region
# (oracle/terraform-provider-oci#1596).
provider "oci" {
  alias  = "home"
  region = local.home_region
}
