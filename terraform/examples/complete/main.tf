# Every part of the forwarder: syslog and Splunk HEC, ServiceNow tickets, the _Audit connector, the collector,
# the daily report, metrics and alarms, dead-letter operators. Copy this folder, set `source` to where the
# module lives (a git URL with ?ref=<tag>), replace the example OCIDs, and `terraform init && terraform apply`.
# Secrets: give Vault secret OCIDs, or pass values through TF_VAR_... to sensitive variables of your own.
# Every input is in ../../README.md.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    oci = {
      source  = "oracle/oci"
      version = "~> 6.37"
    }
  }
}

# Credentials come from the usual provider sources (~/.oci/config, the environment, or Cloud Shell).
provider "oci" {
  region = "eu-frankfurt-1" # Cloud Guard's reporting region: its problem events are emitted there only
}

provider "oci" {
  alias  = "home"
  region = "us-ashburn-1" # the tenancy's home region: IAM (dynamic groups, policies) is written there only
}

module "forwarder" {
  source    = "../.."
  providers = { oci = oci, oci.home = oci.home }

  tenancy_ocid     = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy"
  region           = "eu-frankfurt-1"
  compartment_ocid = "ocid1.compartment.oc1..aaaaaaaaexamplesecops"
  subnet_ocids     = ["ocid1.subnet.oc1.eu-frankfurt-1.aaaaaaaaexampleprivate"]
  function_image   = "fra.ocir.io/exampletenancy/oci-forwarder/oci-security-forwarder:0.1.0" # make image

  # The SIEM: syslog over TLS with CEF, and Splunk HEC with its token in Vault.
  siem_syslog_url             = "tls://siem.example.com:6514"
  siem_syslog_payload         = "cef"
  siem_syslog_ca_cert         = "/function/files/siem-ca.pem" # files/ in the image
  siem_http_url               = "https://splunk.example.com:8088/services/collector/event"
  siem_http_format            = "splunk-hec"
  siem_http_token_secret_ocid = "ocid1.vaultsecret.oc1.eu-frankfurt-1.aaaaaaaaexamplehec"
  siem_splunk_index           = "oci_security"

  # A ServiceNow incident for every CRITICAL problem, credentials in Vault.
  ticket_system      = "servicenow"
  ticket_url         = "https://example.service-now.com"
  ticket_min_risk    = "CRITICAL"
  ticket_secret_ocid = "ocid1.vaultsecret.oc1.eu-frankfurt-1.aaaaaaaaexamplesn"

  # Every audit event through Connector Hub, beside the rules.
  enable_audit_connector = true

  # The collector: what the rules cannot see, every 5 and 30 minutes.
  collect_sources = ["audit", "cloudguard"]

  # The daily change report, in the team's time zone.
  report_timezone = "Europe/Paris"
  report_emails   = ["secops@example.com"]

  # Alarms by email; the SecOps group may drain dead letters.
  alarm_emails                = ["oncall@example.com"]
  dead_letter_operators_group = "SecOps"
}

# What the README's steps read with `terraform output`.
output "function_ocid" {
  value = module.forwarder.function_ocid
}

output "collector_function_ocid" {
  value = module.forwarder.collector_function_ocid
}

output "dead_letter_bucket" {
  value = module.forwarder.dead_letter_bucket
}

output "cross_tenancy_admit_statements" {
  value = module.forwarder.cross_tenancy_admit_statements
}

output "alarm_topic_ocid" {
  value = module.forwarder.alarm_topic_ocid
}
