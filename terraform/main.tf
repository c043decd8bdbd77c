data "oci_objectstorage_namespace" "this" {
  compartment_id = var.tenancy_ocid
}

locals {
  problem_event_types = [
    "com.oraclecloud.cloudguard.problemdetected",
    "com.oraclecloud.cloudguard.problemdismissed",
    "com.oraclecloud.cloudguard.problemremediated",
    "com.oraclecloud.cloudguard.problemthresholdreached",
  ]
  # Cloud Guard sends riskLevel in varying case ("HIGH", "High"): match each spelling.
  risk_level_spellings = distinct(flatten([
    for r in var.cloudguard_risk_levels : [upper(r), title(lower(r)), lower(r)]
  ]))
  cloudguard_condition = length(var.cloudguard_risk_levels) == 0 ? {
    eventType = local.problem_event_types
    } : {
    eventType = local.problem_event_types
    data      = { additionalDetails = { riskLevel = local.risk_level_spellings } }
  }
  audit_condition = { eventType = var.audit_event_types }

  siem_http_token_secret_ocid = var.siem_http_token != "" ? oci_vault_secret.siem_http_token[0].id : var.siem_http_token_secret_ocid
  ticket_secret_ocid          = var.ticket_credentials_json != "" ? oci_vault_secret.ticket_credentials[0].id : var.ticket_secret_ocid
  secret_ocids                = compact([local.siem_http_token_secret_ocid, local.ticket_secret_ocid, var.siem_syslog_client_key_secret_ocid])

  # Every key the function reads from its config (forwarder/config.py KEYS, scope "function").
  # Empty values are left out, so the code's defaults apply.
  function_config_all = {
    SIEM_SYSLOG_URL                    = var.siem_syslog_url
    SIEM_SYSLOG_FORMAT                 = var.siem_syslog_format
    SIEM_SYSLOG_PAYLOAD                = var.siem_syslog_payload
    SIEM_SYSLOG_FACILITY               = var.siem_syslog_facility
    SIEM_SYSLOG_HOSTNAME               = var.siem_syslog_hostname
    SIEM_SYSLOG_APP_NAME               = var.siem_syslog_app_name
    SIEM_SYSLOG_CA_CERT                = var.siem_syslog_ca_cert
    SIEM_SYSLOG_CLIENT_CERT            = var.siem_syslog_client_cert
    SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID = var.siem_syslog_client_key_secret_ocid
    SIEM_SYSLOG_UDP_MAX_BYTES          = var.siem_syslog_udp_max_bytes == 0 ? "" : tostring(var.siem_syslog_udp_max_bytes)
    SIEM_HTTP_URL                      = var.siem_http_url
    SIEM_HTTP_FORMAT                   = var.siem_http_format
    SIEM_HTTP_TOKEN_SECRET_OCID        = local.siem_http_token_secret_ocid
    SIEM_HTTP_CA_CERT                  = var.siem_http_ca_cert
    SIEM_HTTP_BATCH_SIZE               = tostring(var.siem_http_batch_size)
    SIEM_SPLUNK_INDEX                  = var.siem_splunk_index
    SIEM_SPLUNK_SOURCETYPE             = var.siem_splunk_sourcetype
    SIEM_TLS_INSECURE_SKIP_VERIFY      = var.siem_tls_insecure_skip_verify ? "true" : ""
    SIEM_TIMEOUT_SECONDS               = tostring(var.siem_timeout_seconds)
    TICKET_SYSTEM                      = var.ticket_system == "none" ? "" : var.ticket_system
    TICKET_URL                         = var.ticket_url
    TICKET_MIN_RISK                    = upper(var.ticket_min_risk)
    TICKET_SECRET_OCID                 = var.ticket_system == "none" ? "" : local.ticket_secret_ocid
    TICKET_JIRA_PROJECT                = var.ticket_jira_project
    TICKET_JIRA_ISSUE_TYPE             = var.ticket_jira_issue_type
    TICKET_SERVICENOW_CLOSE_CODE       = var.ticket_servicenow_close_code
    DEAD_LETTER_BUCKET                 = oci_objectstorage_bucket.dead_letter.name
    DEAD_LETTER_NAMESPACE              = data.oci_objectstorage_namespace.this.namespace
    OCI_OBJECTSTORAGE_ENDPOINT         = ""
    OCI_SECRETS_ENDPOINT               = ""
  }
  function_config = { for key, value in local.function_config_all : key => value if value != "" }

  tags = merge({ "app" = "oci-security-forwarder" }, var.freeform_tags)
}

# ---------------------------------------------------------------------------------------------------
# Application and function
# ---------------------------------------------------------------------------------------------------
resource "oci_functions_application" "forwarder" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-app"
  subnet_ids     = var.subnet_ocids
  shape          = "GENERIC_X86"
  freeform_tags  = local.tags
}

resource "oci_functions_function" "forwarder" {
  application_id     = oci_functions_application.forwarder.id
  display_name       = "${var.name_prefix}-fn"
  image              = var.function_image
  memory_in_mbs      = var.function_memory_mb
  timeout_in_seconds = var.function_timeout_seconds
  config             = local.function_config
  freeform_tags      = local.tags
}

resource "oci_logging_log_group" "forwarder" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-logs"
  freeform_tags  = local.tags
}

resource "oci_logging_log" "invoke" {
  display_name       = "${var.name_prefix}-invoke"
  log_group_id       = oci_logging_log_group.forwarder.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days
  configuration {
    compartment_id = var.compartment_ocid
    source {
      category    = "invoke"
      resource    = oci_functions_application.forwarder.id
      service     = "functions"
      source_type = "OCISERVICE"
    }
  }
  freeform_tags = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Event sources
# ---------------------------------------------------------------------------------------------------
resource "oci_events_rule" "cloudguard_problems" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-cloudguard-problems"
  description    = "Cloud Guard problem events (detected, dismissed, remediated, threshold reached) to the forwarder."
  is_enabled     = true
  condition      = jsonencode(local.cloudguard_condition)
  actions {
    actions {
      action_type = "FAAS"
      is_enabled  = true
      function_id = oci_functions_function.forwarder.id
      description = "OCI security event forwarder"
    }
  }
  freeform_tags = local.tags
}

resource "oci_events_rule" "audit_events" {
  count          = length(var.audit_event_types) > 0 ? 1 : 0
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-audit-events"
  description    = "Security-relevant audit-derived service events to the forwarder."
  is_enabled     = true
  condition      = jsonencode(local.audit_condition)
  actions {
    actions {
      action_type = "FAAS"
      is_enabled  = true
      function_id = oci_functions_function.forwarder.id
      description = "OCI security event forwarder"
    }
  }
  freeform_tags = local.tags
}

resource "oci_sch_service_connector" "audit" {
  count          = var.enable_audit_connector ? 1 : 0
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-audit-connector"
  description    = "The _Audit log of every compartment to the forwarder."
  source {
    kind = "logging"
    log_sources {
      compartment_id = var.tenancy_ocid
      log_group_id   = "_Audit_Include_Subcompartment"
    }
  }
  target {
    kind              = "functions"
    function_id       = oci_functions_function.forwarder.id
    batch_size_in_kbs = 5000
    batch_time_in_sec = 60
  }
  freeform_tags = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Identity: only what the function uses
# ---------------------------------------------------------------------------------------------------
resource "oci_identity_dynamic_group" "forwarder" {
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-fn-dg"
  description    = "The OCI security event forwarder function."
  matching_rule  = "ALL {resource.type = 'fnfunc', resource.id = '${oci_functions_function.forwarder.id}'}"
  freeform_tags  = local.tags
}

locals {
  dg = oci_identity_dynamic_group.forwarder.name
  policy_statements = concat(
    [
      "Allow service cloudEvents to use fn-function in compartment id ${var.compartment_ocid}",
      "Allow service cloudEvents to use fn-invocation in compartment id ${var.compartment_ocid}",
      "Allow dynamic-group ${local.dg} to manage objects in compartment id ${var.compartment_ocid} where all {target.bucket.name = '${var.dead_letter_bucket_name}', request.permission = 'OBJECT_CREATE'}",
      "Allow dynamic-group ${local.dg} to read objectstorage-namespaces in tenancy",
    ],
    [for ocid in local.secret_ocids : "Allow dynamic-group ${local.dg} to read secret-bundles in tenancy where target.secret.id = '${ocid}'"],
    var.enable_audit_connector ? [
      "Allow any-user to use fn-function in compartment id ${var.compartment_ocid} where all {request.principal.type = 'serviceconnector', request.principal.compartment.id = '${var.compartment_ocid}'}",
      "Allow any-user to use fn-invocation in compartment id ${var.compartment_ocid} where all {request.principal.type = 'serviceconnector', request.principal.compartment.id = '${var.compartment_ocid}'}",
    ] : [],
  )
}

resource "oci_identity_policy" "forwarder" {
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-policy"
  description    = "Least privilege for the OCI security event forwarder."
  statements     = local.policy_statements
  freeform_tags  = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Dead-letter bucket
# ---------------------------------------------------------------------------------------------------
resource "oci_objectstorage_bucket" "dead_letter" {
  # checkov:skip=CKV_OCI_9: a customer-managed key is optional (dead_letter_kms_key_ocid); Oracle-managed keys encrypt it otherwise.
  compartment_id        = var.compartment_ocid
  namespace             = data.oci_objectstorage_namespace.this.namespace
  name                  = var.dead_letter_bucket_name
  access_type           = "NoPublicAccess"
  versioning            = "Enabled"
  object_events_enabled = true
  kms_key_id            = var.dead_letter_kms_key_ocid == "" ? null : var.dead_letter_kms_key_ocid
  freeform_tags         = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Secrets given as values (optional)
# ---------------------------------------------------------------------------------------------------
resource "oci_vault_secret" "siem_http_token" {
  count          = var.siem_http_token != "" ? 1 : 0
  compartment_id = var.compartment_ocid
  vault_id       = var.vault_ocid
  key_id         = var.vault_key_ocid
  secret_name    = "${var.name_prefix}-siem-http-token"
  description    = "SIEM HTTP token of the OCI security event forwarder."
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.siem_http_token)
  }
  freeform_tags = local.tags
}

resource "oci_vault_secret" "ticket_credentials" {
  count          = var.ticket_credentials_json != "" ? 1 : 0
  compartment_id = var.compartment_ocid
  vault_id       = var.vault_ocid
  key_id         = var.vault_key_ocid
  secret_name    = "${var.name_prefix}-ticket-credentials"
  description    = "Ticket system credentials (JSON) of the OCI security event forwarder."
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.ticket_credentials_json)
  }
  freeform_tags = local.tags
}
