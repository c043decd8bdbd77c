# The least a deployment sets: where it runs and the image. With no SIEM configured the function writes each
# record to its log (Logging > <name_prefix>-invoke), so this deploys, and shows events, before any SIEM
# exists. Copy this folder, set `source` to where the module lives, and `terraform init && terraform apply`.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    oci = {
      source  = "oracle/oci"
      version = "~> 6.37"
    }
  }
}

provider "oci" {
  region = "eu-frankfurt-1" # Cloud Guard's reporting region
}

provider "oci" {
  alias  = "home"
  region = "eu-frankfurt-1" # the tenancy's home region: IAM is written there only
}

module "forwarder" {
  source    = "../.."
  providers = { oci = oci, oci.home = oci.home }

  tenancy_ocid     = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy"
  region           = "eu-frankfurt-1"
  compartment_ocid = "ocid1.compartment.oc1..aaaaaaaaexamplesecops"
  subnet_ocids     = ["ocid1.subnet.oc1.eu-frankfurt-1.aaaaaaaaexampleprivate"]
  function_image   = "fra.ocir.io/exampletenancy/oci-forwarder/oci-security-forwarder:0.1.0" # make image
}

output "function_ocid" {
  value = module.forwarder.function_ocid
}
