terraform {
  required_version = ">= 1.5.0"
  required_providers {
    oci = {
      source  = "oracle/oci"
      version = "~> 6.35"
    }
  }
}

# Credentials come from the usual provider sources (~/.oci/config, environment, or Cloud Shell).
provider "oci" {
  region = var.region
}
