# A module: it declares its provider and leaves the configuration to its caller, so it can be used with
# for_each, count and depends_on. Two configurations of oracle/oci: the default one for the regional
# resources (application, functions, rules, connector, buckets, logs, secrets, alarms), and oci.home for
# IAM (dynamic groups, policies), which can only be written in the tenancy's home region
# (oracle/terraform-provider-oci#1596). examples/ shows a caller; stack/providers.tf is the one Resource
# Manager's stack uses.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    oci = {
      source                = "oracle/oci"
      version               = "~> 6.37"
      configuration_aliases = [oci.home]
    }
  }
}
