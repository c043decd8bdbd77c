# The Object Storage namespace of the tenancy the provider authenticates to (GetNamespace without a
# compartment: no policy needed; with compartment_id it would need manage objectstorage-namespaces).
data "oci_objectstorage_namespace" "this" {}

locals {
  # Event types, each with where its name is found: event-types.json (terraform/README.md, "Event types").
  event_types         = jsondecode(file("${path.module}/event-types.json"))
  problem_event_types = keys(local.event_types.cloudguard)
  audit_event_types   = var.audit_event_types == null ? keys(local.event_types.audit) : var.audit_event_types

  # Cloud Guard sends riskLevel in varying case ("HIGH", "High"): match each spelling.
  risk_level_spellings = distinct(flatten([
    for r in var.cloudguard_risk_levels : [upper(r), title(lower(r)), lower(r)]
  ]))
  # Both branches are JSON text (one type): the objects differ in attributes.
  cloudguard_condition = length(var.cloudguard_risk_levels) == 0 ? jsonencode({
    eventType = local.problem_event_types
    }) : jsonencode({
    eventType = local.problem_event_types
    data      = { additionalDetails = { riskLevel = local.risk_level_spellings } }
  })
  audit_condition   = jsonencode({ eventType = local.audit_event_types })
  rules_compartment = var.rules_compartment_ocid != "" ? var.rules_compartment_ocid : var.tenancy_ocid

  # Whether a secret is created is not secret: nonsensitive() keeps counts, OCIDs and outputs usable.
  create_http_token_secret    = nonsensitive(var.siem_http_token != "")
  create_ticket_secret        = nonsensitive(var.ticket_credentials_json != "")
  siem_http_token_secret_ocid = local.create_http_token_secret ? oci_vault_secret.siem_http_token[0].id : var.siem_http_token_secret_ocid
  ticket_secret_ocid          = local.create_ticket_secret ? oci_vault_secret.ticket_credentials[0].id : var.ticket_secret_ocid
  secret_ocids                = compact([local.siem_http_token_secret_ocid, local.ticket_secret_ocid, var.siem_syslog_client_key_secret_ocid, var.detection_state_password_secret_ocid])
  # Buckets named by DETECTION_RULES (oci://<bucket>@<namespace>/<prefix>): the functions read rules from them.
  detection_rule_buckets = distinct([for m in regexall("oci://([^@/,]+)@", var.detection_rules) : m[0]])

  # Every key the function reads from its config (forwarder/settings/keys.py, scope "function").
  # Empty values are left out, so the code's defaults apply.
  function_config_all = {
    SIEM_SYSLOG_URL                      = var.siem_syslog_url
    SIEM_SYSLOG_FORMAT                   = var.siem_syslog_format
    SIEM_SYSLOG_PAYLOAD                  = var.siem_syslog_payload
    SIEM_SYSLOG_FACILITY                 = var.siem_syslog_facility
    SIEM_SYSLOG_HOSTNAME                 = var.siem_syslog_hostname
    SIEM_SYSLOG_APP_NAME                 = var.siem_syslog_app_name
    SIEM_SYSLOG_CA_CERT                  = var.siem_syslog_ca_cert
    SIEM_SYSLOG_CLIENT_CERT              = var.siem_syslog_client_cert
    SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID   = var.siem_syslog_client_key_secret_ocid
    SIEM_SYSLOG_UDP_MAX_BYTES            = var.siem_syslog_udp_max_bytes == 0 ? "" : tostring(var.siem_syslog_udp_max_bytes)
    SIEM_HTTP_URL                        = var.siem_http_url
    SIEM_HTTP_FORMAT                     = var.siem_http_format
    SIEM_HTTP_TOKEN_SECRET_OCID          = local.siem_http_token_secret_ocid
    SIEM_HTTP_CA_CERT                    = var.siem_http_ca_cert
    SIEM_HTTP_BATCH_SIZE                 = tostring(var.siem_http_batch_size)
    SIEM_SPLUNK_INDEX                    = var.siem_splunk_index
    SIEM_SPLUNK_SOURCETYPE               = var.siem_splunk_sourcetype
    SIEM_TLS_INSECURE_SKIP_VERIFY        = var.siem_tls_insecure_skip_verify ? "true" : ""
    SIEM_TIMEOUT_SECONDS                 = tostring(var.siem_timeout_seconds)
    TICKET_SYSTEM                        = var.ticket_system == "none" ? "" : var.ticket_system
    TICKET_URL                           = var.ticket_url
    TICKET_MIN_RISK                      = upper(var.ticket_min_risk)
    TICKET_SECRET_OCID                   = var.ticket_system == "none" ? "" : local.ticket_secret_ocid
    TICKET_JIRA_PROJECT                  = var.ticket_jira_project
    TICKET_JIRA_ISSUE_TYPE               = var.ticket_jira_issue_type
    TICKET_SERVICENOW_CLOSE_CODE         = var.ticket_servicenow_close_code
    TICKET_SERVICE_CLOUD_CONTACT_ID      = var.ticket_service_cloud_contact_id == 0 ? "" : tostring(var.ticket_service_cloud_contact_id)
    TICKET_SERVICE_CLOUD_KEY_FIELD       = var.ticket_system == "oracle-service-cloud" ? var.ticket_service_cloud_key_field : ""
    DEAD_LETTER_BUCKET                   = var.dead_letter_bucket_name
    DEAD_LETTER_NAMESPACE                = data.oci_objectstorage_namespace.this.namespace
    DETECTION_RULES                      = var.detection_rules
    DETECTION_DISABLE                    = var.detection_disable
    DETECTION_PLACEHOLDERS               = var.detection_placeholders
    DETECTION_STATE_URL                  = var.detection_state_url
    DETECTION_STATE_CA_CERT              = var.detection_state_ca_cert
    DETECTION_STATE_PASSWORD_SECRET_OCID = var.detection_state_password_secret_ocid
    METRICS_NAMESPACE                    = var.metrics_enabled ? var.metrics_namespace : ""
    METRICS_COMPARTMENT_OCID             = var.metrics_enabled ? var.compartment_ocid : ""
    OCI_OBJECTSTORAGE_ENDPOINT           = ""
    OCI_SECRETS_ENDPOINT                 = ""
    OCI_MONITORING_ENDPOINT              = ""
    OCI_EVENTS_ENDPOINT                  = ""
    OCI_CONNECTOR_HUB_ENDPOINT           = ""
    OCI_FUNCTIONS_ENDPOINT               = ""
    SIEM_SYSLOG_ORIGINAL                 = var.siem_syslog_original ? "" : "false"
    SIEM_SYSLOG_FIELDS                   = var.siem_syslog_fields
    SIEM_SYSLOG_FILTER                   = var.siem_syslog_filter
    SIEM_HTTP_ORIGINAL                   = var.siem_http_original ? "" : "false"
    SIEM_HTTP_FIELDS                     = var.siem_http_fields
    SIEM_HTTP_FILTER                     = var.siem_http_filter
    ENRICH_NAMES                         = var.enrich_names ? "" : "false"
    ENRICH_CACHE_SECONDS                 = tostring(var.enrich_cache_seconds)
  }
  function_config = { for key, value in local.function_config_all : key => value if value != "" }

  # Application and function config may hold 4 KB in all (OCI Functions limits). Secrets created here have
  # OCIDs unknown until apply: they count at the longest OCID length, so the limit is checked at plan.
  created_secret_keys = compact([
    local.create_http_token_secret ? "SIEM_HTTP_TOKEN_SECRET_OCID" : "",
    local.create_ticket_secret && var.ticket_system != "none" ? "TICKET_SECRET_OCID" : "",
  ])
  function_config_size = sum([
    for key, value in local.function_config_all : length(key) + (contains(local.created_secret_keys, key) ? 128 : length(value))
    if value != "" || contains(local.created_secret_keys, key)
  ])

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

# The function, its dynamic group and its policy (modules/function, as the collector and the reporter).
module "forwarder" {
  source    = "./modules/function"
  providers = { oci = oci, oci.home = oci.home }

  name             = "${var.name_prefix}-fn"
  policy_name      = "${var.name_prefix}-policy"
  role             = "the forwarder function"
  tenancy_ocid     = var.tenancy_ocid
  compartment_ocid = var.compartment_ocid
  application_ocid = oci_functions_application.forwarder.id
  image            = var.function_image
  memory_mb        = var.function_memory_mb
  timeout_seconds  = var.function_timeout_seconds
  config           = local.function_config
  config_bytes     = local.function_config_size
  config_hint      = "Give CA certificates as files in the image (a path) rather than PEM text, or shorten the longest values."
  statements       = local.policy_statements
  tags             = local.tags
}

moved {
  from = oci_functions_function.forwarder
  to   = module.forwarder.oci_functions_function.this
}

moved {
  from = oci_identity_dynamic_group.forwarder
  to   = module.forwarder.oci_identity_dynamic_group.this
}

moved {
  from = oci_identity_policy.forwarder
  to   = module.forwarder.oci_identity_policy.this
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
  compartment_id = local.rules_compartment
  display_name   = "${var.name_prefix}-cloudguard-problems"
  description    = "Cloud Guard problem events (detected, dismissed, remediated, threshold reached) to the forwarder."
  is_enabled     = true
  condition      = local.cloudguard_condition
  actions {
    actions {
      action_type = "FAAS"
      is_enabled  = true
      function_id = module.forwarder.function_id
      description = "OCI security event forwarder"
    }
  }
  freeform_tags = local.tags
}

resource "oci_events_rule" "audit_events" {
  count          = length(local.audit_event_types) > 0 ? 1 : 0
  compartment_id = local.rules_compartment
  display_name   = "${var.name_prefix}-audit-events"
  description    = "Security-relevant audit-derived service events to the forwarder."
  is_enabled     = true
  condition      = local.audit_condition
  actions {
    actions {
      action_type = "FAAS"
      is_enabled  = true
      function_id = module.forwarder.function_id
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
    function_id       = module.forwarder.function_id
    batch_size_in_kbs = 5000
    batch_time_in_sec = 60
  }
  freeform_tags = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Identity: only what the function uses, written in the home region
# ---------------------------------------------------------------------------------------------------
locals {
  # What the data path needs, in either function (the forwarder and the collector run the same pipeline):
  # write dead letters, read its Vault secrets and the buckets of DETECTION_RULES. "<dg>" is replaced by
  # the function's dynamic group (modules/function).
  pipeline_grants = concat(
    ["Allow dynamic-group <dg> to manage objects in compartment id ${var.compartment_ocid} where all {target.bucket.name = '${var.dead_letter_bucket_name}', request.permission = 'OBJECT_CREATE'}"],
    local.metrics ? [local.metrics_grant] : [],
    [for ocid in local.secret_ocids : "Allow dynamic-group <dg> to read secret-bundles in tenancy where target.secret.id = '${ocid}'"],
    [for bucket in local.detection_rule_buckets : "Allow dynamic-group <dg> to read objects in tenancy where target.bucket.name = '${bucket}'"],
    # Enrichment: GetTenancy, GetCompartment, GetUser, ListUserGroupMemberships, GetGroup, Cloud Guard GetTarget.
    var.enrich_names ? [
      "Allow dynamic-group <dg> to inspect tenancies in tenancy",
      "Allow dynamic-group <dg> to inspect compartments in tenancy",
      "Allow dynamic-group <dg> to inspect users in tenancy",
      "Allow dynamic-group <dg> to inspect groups in tenancy",
      "Allow dynamic-group <dg> to read cloud-guard-targets in tenancy",
    ] : [],
  )
  # What a Resource Scheduler schedule needs to invoke one function, and nothing else ("<schedule>" is
  # replaced by the schedule's OCID): the collector's and the reporter's policies.
  schedule_grants = [
    "Allow any-user to use fn-function in compartment id ${var.compartment_ocid} where all {request.principal.type = 'resourceschedule', request.principal.id = '<schedule>'}",
    "Allow any-user to use fn-invocation in compartment id ${var.compartment_ocid} where all {request.principal.type = 'resourceschedule', request.principal.id = '<schedule>'}",
  ]
  policy_statements = concat(
    [
      "Allow service cloudEvents to use fn-function in compartment id ${var.compartment_ocid}",
      "Allow service cloudEvents to use fn-invocation in compartment id ${var.compartment_ocid}",
    ],
    local.pipeline_grants,
    var.enable_audit_connector ? [
      "Allow any-user to use fn-function in compartment id ${var.compartment_ocid} where all {request.principal.type = 'serviceconnector', request.principal.compartment.id = '${var.compartment_ocid}'}",
      "Allow any-user to use fn-invocation in compartment id ${var.compartment_ocid} where all {request.principal.type = 'serviceconnector', request.principal.compartment.id = '${var.compartment_ocid}'}",
    ] : [],
    # The replay task (read, then delete what was delivered), and people who replay from their own principal.
    var.dead_letter_replay_by_function ? [
      "Allow dynamic-group <dg> to manage objects in compartment id ${var.compartment_ocid} where target.bucket.name = '${var.dead_letter_bucket_name}'",
    ] : [],
    var.dead_letter_operators_group != "" ? [
      "Allow group ${var.dead_letter_operators_group} to manage objects in compartment id ${var.compartment_ocid} where target.bucket.name = '${var.dead_letter_bucket_name}'",
    ] : [],
    # Read-only, for the doctor task's checks of the deployment around the function (rules live in the root).
    var.doctor_reads_deployment ? [
      "Allow dynamic-group <dg> to read fn-function in compartment id ${var.compartment_ocid}",
      "Allow dynamic-group <dg> to read cloudevents-rules in tenancy",
      "Allow dynamic-group <dg> to read serviceconnectors in compartment id ${var.compartment_ocid}",
    ] : [],
    # A customer-managed key on the bucket: Object Storage in this region must be able to use it.
    var.dead_letter_kms_key_ocid != "" ? [
      "Allow service objectstorage-${var.region} to use keys in tenancy where target.key.id = '${var.dead_letter_kms_key_ocid}'",
    ] : [],
  )
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

  # The key is used as soon as the bucket exists: the policy letting Object Storage use it comes first.
  depends_on = [module.forwarder]
}

# ---------------------------------------------------------------------------------------------------
# Secrets given as values (optional)
# ---------------------------------------------------------------------------------------------------
resource "oci_vault_secret" "siem_http_token" {
  count          = local.create_http_token_secret ? 1 : 0
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

  lifecycle {
    precondition {
      condition     = var.vault_ocid != "" && var.vault_key_ocid != ""
      error_message = "siem_http_token is set, so a Vault secret is created for it: set vault_ocid and vault_key_ocid (or give an existing secret in siem_http_token_secret_ocid instead)."
    }
  }
}

resource "oci_vault_secret" "ticket_credentials" {
  count          = local.create_ticket_secret ? 1 : 0
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

  lifecycle {
    precondition {
      condition     = var.vault_ocid != "" && var.vault_key_ocid != ""
      error_message = "ticket_credentials_json is set, so a Vault secret is created for it: set vault_ocid and vault_key_ocid (or give an existing secret in ticket_secret_ocid instead)."
    }
  }
}
