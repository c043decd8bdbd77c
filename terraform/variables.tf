# ---------------------------------------------------------------------------------------------------
# Where
# ---------------------------------------------------------------------------------------------------
variable "tenancy_ocid" {
  description = "OCID of the tenancy (the dynamic group, policy and Connector Hub source live at tenancy level)."
  type        = string
  validation {
    condition     = can(regex("^ocid1\\.tenancy\\.", var.tenancy_ocid))
    error_message = "tenancy_ocid must be a tenancy OCID (ocid1.tenancy...)."
  }
}

variable "region" {
  description = "Region to deploy into. Cloud Guard problem events are emitted in the Cloud Guard reporting region."
  type        = string
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be a region identifier such as eu-frankfurt-1."
  }
}

variable "compartment_ocid" {
  description = "Compartment for the application, function, rules, bucket, logs and secrets."
  type        = string
  validation {
    condition     = can(regex("^ocid1\\.(compartment|tenancy)\\.", var.compartment_ocid))
    error_message = "compartment_ocid must be a compartment (or tenancy) OCID."
  }
}

variable "subnet_ocids" {
  description = "Subnets of the Functions application (private subnets with a NAT or service gateway to reach the SIEM and OCI services)."
  type        = list(string)
  validation {
    condition     = length(var.subnet_ocids) > 0 && alltrue([for s in var.subnet_ocids : can(regex("^ocid1\\.subnet\\.", s))])
    error_message = "subnet_ocids must hold at least one subnet OCID."
  }
}

variable "name_prefix" {
  description = "Prefix of every display name (application, function, rules, bucket, dynamic group, policy)."
  type        = string
  default     = "oci-forwarder"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,30}$", var.name_prefix))
    error_message = "name_prefix: letters, digits and hyphens, starting with a letter, at most 31 characters."
  }
}

# ---------------------------------------------------------------------------------------------------
# The function
# ---------------------------------------------------------------------------------------------------
variable "function_image" {
  description = "The function image in your realm's Container Registry (OCIR), with a tag or digest, e.g. fra.ocir.io/<namespace>/oci-forwarder/oci-security-forwarder:0.1.0 (make image); other realms have their own registry host."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9-]+(\\.[a-z0-9-]+)+/.+[:@].+$", var.function_image))
    error_message = "function_image must be a registry image reference with a tag or digest (<registry host>/<namespace>/<repo>:<tag>, e.g. fra.ocir.io/...)."
  }
}

variable "function_memory_mb" {
  description = "Function memory in MB."
  type        = number
  default     = 256
  validation {
    condition     = contains([128, 256, 512, 1024, 2048, 3072], var.function_memory_mb)
    error_message = "function_memory_mb must be one of 128, 256, 512, 1024, 2048, 3072."
  }
}

variable "function_timeout_seconds" {
  description = "Function timeout in seconds (the function works until 1 s before Fn-Deadline; with a dead-letter bucket, sinks stop 3 s before that)."
  type        = number
  default     = 120
  validation {
    condition     = var.function_timeout_seconds >= 10 && var.function_timeout_seconds <= 300
    error_message = "function_timeout_seconds must be between 10 and 300."
  }
}

# ---------------------------------------------------------------------------------------------------
# SIEM: syslog
# ---------------------------------------------------------------------------------------------------
variable "siem_syslog_url" {
  description = "Syslog receiver: udp://host:port, tcp://host:port, tls://host:port, relp://host:port or relp+tls://host:port. Empty: no syslog."
  type        = string
  default     = ""
  validation {
    condition     = var.siem_syslog_url == "" || can(regex("^(udp|tcp|tls|relp|relp\\+tls)://[^/:]+:[0-9]+$", var.siem_syslog_url))
    error_message = "siem_syslog_url must look like udp://host:port, tcp://host:port, tls://host:port, relp://host:port or relp+tls://host:port."
  }
}

variable "siem_syslog_format" {
  description = "Syslog header: rfc5424 or rfc3164."
  type        = string
  default     = "rfc5424"
  validation {
    condition     = contains(["rfc5424", "rfc3164"], var.siem_syslog_format)
    error_message = "siem_syslog_format must be rfc5424 or rfc3164."
  }
}

variable "siem_syslog_payload" {
  description = "Syslog message format: json, cef, leef or ocsf."
  type        = string
  default     = "json"
  validation {
    condition     = contains(["json", "cef", "leef", "ocsf"], var.siem_syslog_payload)
    error_message = "siem_syslog_payload must be json, cef, leef or ocsf."
  }
}

variable "siem_syslog_facility" {
  description = "Syslog facility name (auth, authpriv, audit, local0..local7) or number 0-23."
  type        = string
  default     = "local0"
}

variable "siem_syslog_hostname" {
  description = "HOSTNAME field of the syslog header."
  type        = string
  default     = "oci"
}

variable "siem_syslog_app_name" {
  description = "APP-NAME (RFC 5424) or TAG (RFC 3164)."
  type        = string
  default     = "oci-forwarder"
}

variable "siem_syslog_ca_cert" {
  description = "PEM text of the CA that signed the TLS syslog receiver's certificate (empty: the image's trust store)."
  type        = string
  default     = ""
}

variable "siem_syslog_client_cert" {
  description = "PEM text of a client certificate for mutual TLS (with siem_syslog_client_key_secret_ocid)."
  type        = string
  default     = ""
}

variable "siem_syslog_client_key_secret_ocid" {
  description = "Vault secret holding the PEM private key of the client certificate."
  type        = string
  default     = ""
}

variable "siem_syslog_udp_max_bytes" {
  description = "Largest UDP datagram in bytes (0: the code's default, 8192 for rfc5424 and 1024 for rfc3164)."
  type        = number
  default     = 0
  validation {
    condition     = var.siem_syslog_udp_max_bytes == 0 || (var.siem_syslog_udp_max_bytes >= 480 && var.siem_syslog_udp_max_bytes <= 65507)
    error_message = "siem_syslog_udp_max_bytes must be 0 or between 480 and 65507."
  }
}

variable "siem_syslog_original" {
  description = "Whether the syslog sink's JSON records carry original, the event as received (OCSF: raw_data)."
  type        = bool
  default     = true
}

variable "siem_syslog_fields" {
  description = "Record fields the syslog sink's JSON records keep (a,b.c) or drop (-a,-b.c). Empty: every field."
  type        = string
  default     = ""
}

variable "siem_syslog_filter" {
  description = "Which records the syslog sink gets: a Sigma detection (selections and a condition, YAML). Empty: every record."
  type        = string
  default     = ""
}

# ---------------------------------------------------------------------------------------------------
# SIEM: HTTP
# ---------------------------------------------------------------------------------------------------
variable "siem_http_url" {
  description = "HTTP receiver: a JSON webhook URL or the Splunk HEC endpoint (https://host:8088/services/collector/event). Empty: no HTTP."
  type        = string
  default     = ""
  validation {
    condition     = var.siem_http_url == "" || can(regex("^https?://", var.siem_http_url))
    error_message = "siem_http_url must be an http:// or https:// URL."
  }
}

variable "siem_http_format" {
  description = "json (a JSON array per request), splunk-hec or ocsf (a JSON array of OCSF events per request)."
  type        = string
  default     = "json"
  validation {
    condition     = contains(["json", "splunk-hec", "ocsf"], var.siem_http_format)
    error_message = "siem_http_format must be json, splunk-hec or ocsf."
  }
}

variable "siem_http_token" {
  description = "HTTP token (Splunk HEC token or webhook bearer token). When set, a Vault secret is created for it (needs vault_ocid and vault_key_ocid)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "siem_http_token_secret_ocid" {
  description = "An existing Vault secret holding the HTTP token (instead of siem_http_token)."
  type        = string
  default     = ""
}

variable "siem_http_ca_cert" {
  description = "PEM text of the CA of the HTTPS receiver (empty: the image's trust store)."
  type        = string
  default     = ""
}

variable "siem_http_batch_size" {
  description = "Most records in one HTTP request."
  type        = number
  default     = 100
  validation {
    condition     = var.siem_http_batch_size >= 1 && var.siem_http_batch_size <= 10000
    error_message = "siem_http_batch_size must be between 1 and 10000."
  }
}

variable "siem_http_original" {
  description = "Whether the HTTP sink's JSON records carry original, the event as received (OCSF: raw_data)."
  type        = bool
  default     = true
}

variable "siem_http_fields" {
  description = "Record fields the HTTP sink's JSON records keep (a,b.c) or drop (-a,-b.c). Empty: every field."
  type        = string
  default     = ""
}

variable "siem_http_filter" {
  description = "Which records the HTTP sink gets: a Sigma detection (selections and a condition, YAML). Empty: every record."
  type        = string
  default     = ""
}

variable "enrich_names" {
  description = "Names for the OCIDs of each record from the OCI APIs (compartment path, tenancy, user and groups, Cloud Guard target); adds the inspect policy statements it needs."
  type        = bool
  default     = true
}

variable "enrich_cache_seconds" {
  description = "How long a name is kept, in seconds (per container, and in Redis when detection_state_url is set)."
  type        = number
  default     = 3600
}

variable "siem_splunk_index" {
  description = "Splunk index for HEC events (empty: the token's default index)."
  type        = string
  default     = ""
}

variable "siem_splunk_sourcetype" {
  description = "Splunk sourcetype for HEC events."
  type        = string
  default     = "oci:security"
}

variable "siem_tls_insecure_skip_verify" {
  description = "Turn off certificate verification of the SIEM receivers. Lab use only: logs a warning at every cold start."
  type        = bool
  default     = false
}

variable "siem_timeout_seconds" {
  description = "Connect and I/O timeout of each sink operation, in seconds."
  type        = number
  default     = 10
  validation {
    condition     = var.siem_timeout_seconds > 0 && var.siem_timeout_seconds <= 300
    error_message = "siem_timeout_seconds must be greater than 0 and at most 300."
  }
}

# ---------------------------------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------------------------------
variable "ticket_system" {
  description = "Ticket system for Cloud Guard problems: none, servicenow, jira, pagerduty or oracle-service-cloud."
  type        = string
  default     = "none"
  validation {
    condition     = contains(["none", "servicenow", "jira", "pagerduty", "oracle-service-cloud"], var.ticket_system)
    error_message = "ticket_system must be none, servicenow, jira, pagerduty or oracle-service-cloud."
  }
}

variable "ticket_url" {
  description = "ServiceNow instance, Jira Cloud site or Oracle B2C Service site URL (PagerDuty: empty for the Events API)."
  type        = string
  default     = ""
}

variable "ticket_min_risk" {
  description = "Lowest Cloud Guard risk level that opens a ticket."
  type        = string
  default     = "CRITICAL"
  validation {
    condition     = contains(["CRITICAL", "HIGH", "MEDIUM", "LOW", "MINOR"], upper(var.ticket_min_risk))
    error_message = "ticket_min_risk must be CRITICAL, HIGH, MEDIUM, LOW or MINOR."
  }
}

variable "ticket_credentials_json" {
  description = "Ticket credentials as JSON ({\"username\",\"password\"}, {\"email\",\"api_token\"} or {\"routing_key\"}). When set, a Vault secret is created (needs vault_ocid and vault_key_ocid)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "ticket_secret_ocid" {
  description = "An existing Vault secret with the ticket credentials JSON (instead of ticket_credentials_json)."
  type        = string
  default     = ""
}

variable "ticket_jira_project" {
  description = "Jira project key (Jira only)."
  type        = string
  default     = ""
}

variable "ticket_jira_issue_type" {
  description = "Jira issue type name (Jira only)."
  type        = string
  default     = "Task"
}

variable "ticket_servicenow_close_code" {
  description = "ServiceNow close code used when a problem is remediated or dismissed."
  type        = string
  default     = "Solution provided"
}

variable "ticket_service_cloud_contact_id" {
  description = "Oracle B2C Service: the contact id every incident names as its primary contact (0: not set)."
  type        = number
  default     = 0
}

variable "ticket_service_cloud_key_field" {
  description = "Oracle B2C Service: the incidents' custom text field holding the problem key."
  type        = string
  default     = "oci_problem_key"
}

# ---------------------------------------------------------------------------------------------------
# Vault (only to create secrets from siem_http_token / ticket_credentials_json)
# ---------------------------------------------------------------------------------------------------
variable "vault_ocid" {
  description = "Vault in which to create the secrets given as values (siem_http_token, ticket_credentials_json). Required when either is set."
  type        = string
  default     = ""
  validation {
    condition     = var.vault_ocid == "" || can(regex("^ocid1\\.vault\\.", var.vault_ocid))
    error_message = "vault_ocid must be empty or a vault OCID (ocid1.vault...)."
  }
}

variable "vault_key_ocid" {
  description = "Master encryption key (in vault_ocid) for the created secrets. Required when siem_http_token or ticket_credentials_json is set."
  type        = string
  default     = ""
  validation {
    condition     = var.vault_key_ocid == "" || can(regex("^ocid1\\.key\\.", var.vault_key_ocid))
    error_message = "vault_key_ocid must be empty or a key OCID (ocid1.key...)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Dead-letter bucket
# ---------------------------------------------------------------------------------------------------
variable "dead_letter_bucket_name" {
  description = "Name of the private dead-letter bucket created for undeliverable events."
  type        = string
  default     = "oci-forwarder-dead-letter"
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,256}$", var.dead_letter_bucket_name))
    error_message = "dead_letter_bucket_name: letters, digits, '_', '-' and '.' only."
  }
}

variable "dead_letter_kms_key_ocid" {
  description = "Optional customer-managed Vault key for the dead-letter bucket (empty: Oracle-managed keys). The policy then lets Object Storage in this region use that key."
  type        = string
  default     = ""
  validation {
    condition     = var.dead_letter_kms_key_ocid == "" || can(regex("^ocid1\\.key\\.", var.dead_letter_kms_key_ocid))
    error_message = "dead_letter_kms_key_ocid must be empty or a key OCID (ocid1.key...)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Event sources
# ---------------------------------------------------------------------------------------------------
variable "cloudguard_risk_levels" {
  description = "Risk levels of Cloud Guard problems to forward (any case; matched in upper, title and lower case). Empty: all."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for r in var.cloudguard_risk_levels : contains(["CRITICAL", "HIGH", "MEDIUM", "LOW", "MINOR"], upper(r))])
    error_message = "cloudguard_risk_levels may hold CRITICAL, HIGH, MEDIUM, LOW and MINOR."
  }
}

variable "rules_compartment_ocid" {
  description = "Compartment of the Events rules. A rule sees the events of its compartment and those below it; users, groups, API keys and policies live in the root. Empty: the tenancy (root) compartment."
  type        = string
  default     = ""
  validation {
    condition     = var.rules_compartment_ocid == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.", var.rules_compartment_ocid))
    error_message = "rules_compartment_ocid must be empty or a compartment (or tenancy) OCID."
  }
}

variable "audit_event_types" {
  description = "Audit-derived service event types to forward (Events Service eventType values). Null: every type in event-types.json (each with its source). Empty: no audit rule."
  type        = list(string)
  default     = null
}

variable "enable_audit_connector" {
  description = "Also create a Service Connector Hub from the _Audit log of all compartments to the function (every audit record, batched)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the function's invoke logs, in days (30-day multiples, at most 180)."
  type        = number
  default     = 30
  validation {
    condition     = contains([30, 60, 90, 120, 150, 180], var.log_retention_days)
    error_message = "log_retention_days must be 30, 60, 90, 120, 150 or 180."
  }
}

variable "freeform_tags" {
  description = "Freeform tags added to every resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------
# Collector: a second function reading the OCI APIs on a schedule (docs/collection.md)
# ---------------------------------------------------------------------------------------------------
variable "collect_sources" {
  description = "Sources the collector function reads on a schedule: audit, cloudguard, logsearch, stream. Empty: no collector."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for s in var.collect_sources : contains(["audit", "cloudguard", "logsearch", "stream"], s)])
    error_message = "collect_sources may hold audit, cloudguard, logsearch and stream."
  }
}

variable "collect_audit_method" {
  description = "How audit is read: search (Logging Search over _Audit_Include_Subcompartment, one query per region) or list-events (Audit ListEvents per compartment)."
  type        = string
  default     = "search"
  validation {
    condition     = contains(["search", "list-events"], var.collect_audit_method)
    error_message = "collect_audit_method must be search or list-events."
  }
}

variable "collect_queries" {
  description = "Named Logging Search queries of the logsearch source: name -> query ({tenancy} is replaced by the tenancy OCID)."
  type        = map(string)
  default     = {}
}

variable "collect_regions" {
  description = "Regions to read. Empty: every subscribed region."
  type        = list(string)
  default     = []
}

variable "collect_compartment_ocid" {
  description = "Collect and report only this compartment and its subtree (COLLECT_COMPARTMENT_OCID). Empty: the whole tenancy."
  type        = string
  default     = ""
  validation {
    condition     = var.collect_compartment_ocid == "" || can(regex("^ocid1\\.compartment\\.", var.collect_compartment_ocid))
    error_message = "collect_compartment_ocid must be empty or a compartment OCID."
  }
}

variable "collect_tenancies" {
  description = "Several tenancies read by the collector and the reporter (COLLECT_TENANCIES): name, and tenancy_ocid (empty: this tenancy), compartment_ocid, regions, region; user_ocid, fingerprint and key_secret_ocid (a Vault secret holding the PEM key) for a tenancy reached by an API key. Empty: this tenancy alone."
  type = list(object({
    name             = string
    tenancy_ocid     = optional(string)
    compartment_ocid = optional(string)
    regions          = optional(list(string))
    region           = optional(string)
    user_ocid        = optional(string)
    fingerprint      = optional(string)
    key_secret_ocid  = optional(string)
  }))
  default = []
  validation {
    condition     = alltrue([for t in var.collect_tenancies : can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", t.name))])
    error_message = "collect_tenancies: each name holds letters, digits, '_' and '-', at most 32."
  }
  validation {
    condition     = length(distinct([for t in var.collect_tenancies : t.name])) == length(var.collect_tenancies)
    error_message = "collect_tenancies: each tenancy is named once."
  }
  validation {
    condition     = alltrue([for t in var.collect_tenancies : t.tenancy_ocid == null || can(regex("^ocid1\\.tenancy\\.", t.tenancy_ocid))])
    error_message = "collect_tenancies: tenancy_ocid must be a tenancy OCID."
  }
  validation {
    condition     = alltrue([for t in var.collect_tenancies : (t.user_ocid == null) == (t.key_secret_ocid == null) && (t.fingerprint == null) == (t.key_secret_ocid == null) && (t.key_secret_ocid == null || (t.region != null && t.tenancy_ocid != null))])
    error_message = "collect_tenancies: an API key needs user_ocid, fingerprint, key_secret_ocid, region and tenancy_ocid together."
  }
}

variable "collect_streams" {
  description = "OCI streams the stream source reads with a consumer group (COLLECT_STREAMS), each in the region its OCID names."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for s in var.collect_streams : can(regex("^ocid1\\.stream\\.", s))])
    error_message = "collect_streams must hold stream OCIDs."
  }
}

variable "collect_stream_group" {
  description = "The consumer group of the stream source (COLLECT_STREAM_GROUP): collectors of one group share the partitions."
  type        = string
  default     = "oci-forwarder"
}

variable "collect_lookback_minutes" {
  description = "First run of a shard: how far back to start, in minutes."
  type        = number
  default     = 60
}

variable "collect_lag_minutes" {
  description = "Each window starts this many minutes before the last checkpoint (late audit events)."
  type        = number
  default     = 15
}

variable "collect_schedules" {
  description = "Cron expressions (UTC) of the collector's Resource Scheduler schedules, by source."
  type        = map(string)
  default     = { audit = "*/5 * * * *", logsearch = "*/5 * * * *", cloudguard = "*/30 * * * *", stream = "* * * * *" }
}

variable "checkpoint_bucket_name" {
  description = "Object Storage bucket of the collector's checkpoints."
  type        = string
  default     = "oci-forwarder-checkpoints"
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,256}$", var.checkpoint_bucket_name))
    error_message = "checkpoint_bucket_name may hold letters, digits, '_', '.' and '-'."
  }
}

# ---------------------------------------------------------------------------------------------------
# Detections (docs/detections.md)
# ---------------------------------------------------------------------------------------------------
variable "detection_rules" {
  description = "DETECTION_RULES: your Sigma rules beside the built-in pack: paths in the image and oci://<bucket>@<namespace>/<prefix> locations, comma-separated. The functions get read access to those buckets."
  type        = string
  default     = ""
}

variable "detection_disable" {
  description = "DETECTION_DISABLE: built-in rule ids or names to turn off, comma-separated, or \"all\"."
  type        = string
  default     = ""
}

variable "detection_placeholders" {
  description = "DETECTION_PLACEHOLDERS: values of the Sigma placeholders rules test, a JSON object of name -> list, e.g. {\"administrators_group_ids\": [\"<Administrators group OCID>\"]} so the Administrators rule knows the group by OCID."
  type        = string
  default     = ""
  validation {
    condition     = var.detection_placeholders == "" || can(keys(jsondecode(var.detection_placeholders)))
    error_message = "detection_placeholders must be a JSON object of placeholder name -> list of values."
  }
}

variable "detection_state_url" {
  description = "DETECTION_STATE_URL: the OCI Cache (Redis) endpoint holding correlation windows for every container, rediss://host:port. The functions' subnet must reach it. Empty: windows per container (approximate)."
  type        = string
  default     = ""
  validation {
    condition     = var.detection_state_url == "" || can(regex("^rediss?://[^:@/]+(:[0-9]+)?(/[0-9]*)?$", var.detection_state_url))
    error_message = "detection_state_url must be rediss://host:port (or redis:// on a private test network), with no password in it: use detection_state_password_secret_ocid."
  }
}

variable "detection_state_ca_cert" {
  description = "DETECTION_STATE_CA_CERT: CA bundle verifying the rediss:// server, as a path in the image or PEM text. Empty: the system trust store."
  type        = string
  default     = ""
}

variable "detection_state_password_secret_ocid" {
  description = "DETECTION_STATE_PASSWORD_SECRET_OCID: Vault secret holding the Redis AUTH password (the functions get read access to it)."
  type        = string
  default     = ""
  validation {
    condition     = var.detection_state_password_secret_ocid == "" || startswith(var.detection_state_password_secret_ocid, "ocid1.vaultsecret.")
    error_message = "detection_state_password_secret_ocid must be a Vault secret OCID (ocid1.vaultsecret....)."
  }
}

variable "report_enabled" {
  description = "Deploy the reporter: a function writing the daily change report (every create, update and delete of the day before) to a bucket and telling a topic, scheduled daily."
  type        = bool
  default     = true
}

variable "report_bucket_name" {
  description = "Object Storage bucket of the daily change reports (reports/YYYY/MM/DD/changes.html|csv|json)."
  type        = string
  default     = "oci-forwarder-reports"
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,256}$", var.report_bucket_name))
    error_message = "report_bucket_name may hold letters, digits, '_', '.' and '-'."
  }
}

variable "report_timezone" {
  description = "IANA time zone of the report day (midnight to midnight) and of the times it shows."
  type        = string
  default     = "UTC"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$", var.report_timezone))
    error_message = "report_timezone must be an IANA time zone name such as UTC or Europe/Paris."
  }
}

variable "report_schedule" {
  description = "When the report runs, a cron expression in UTC (Resource Scheduler). Pick a time at least 15 minutes after midnight in report_timezone: audit events can arrive that late."
  type        = string
  default     = "30 1 * * *"
}

variable "report_week_schedule" {
  description = "When the weekly change report runs ({\"task\": \"report\", \"period\": \"week\"}: the ISO week just ended), a cron expression in UTC; empty: no weekly report. A week's days already reported daily are reused; repeat the hour (e.g. \"0 3-6 * * 1\") so a long first run is finished by the next invocation: once complete, later runs leave it."
  type        = string
  default     = ""
}

variable "report_month_schedule" {
  description = "When the monthly change report runs ({\"task\": \"report\", \"period\": \"month\"}: the month just ended), a cron expression in UTC; empty: no monthly report. Repeat the hour (e.g. \"0 3-8 1 * *\") as for the weekly one."
  type        = string
  default     = ""
}

variable "report_topic_ocid" {
  description = "An existing Notifications topic told when a report is ready. Empty: a topic is created, with an EMAIL subscription per report_emails."
  type        = string
  default     = ""
}

variable "report_topic_compartment_ocid" {
  description = "Compartment of report_topic_ocid, where the reporter may publish (default: compartment_ocid)."
  type        = string
  default     = ""
}

variable "report_emails" {
  description = "Email addresses subscribed to the created report topic (each confirms by email)."
  type        = list(string)
  default     = []
}

variable "report_link_hours" {
  description = "Hours a pre-authenticated read link to each day's report lives; the message then carries the links (anyone holding one can read the report). 0: no link, object names only."
  type        = number
  default     = 0
  validation {
    condition     = var.report_link_hours >= 0 && var.report_link_hours <= 8760 && floor(var.report_link_hours) == var.report_link_hours
    error_message = "report_link_hours must be a whole number of hours from 0 to 8760."
  }
}

variable "report_retention_days" {
  description = "Days a retention rule keeps each report immutable (neither replaced nor deleted). 0: no rule; versioning keeps what a re-run replaces instead. With a rule, a day cannot be re-run until its report is older than this."
  type        = number
  default     = 0
  validation {
    condition     = var.report_retention_days >= 0 && floor(var.report_retention_days) == var.report_retention_days
    error_message = "report_retention_days must be a whole number of days, 0 for none."
  }
}

# ---------------------------------------------------------------------------------------------------
# Self-metrics, alarms, dead letters (alarms.tf)
# ---------------------------------------------------------------------------------------------------
variable "metrics_enabled" {
  description = "Every function posts its counts to OCI Monitoring (METRICS_NAMESPACE) and may `use metrics` in that namespace only."
  type        = bool
  default     = true
}

variable "metrics_namespace" {
  description = "The custom Monitoring namespace of the metrics: a-z, 0-9 and _, starting with a letter, not oci_ or oracle_."
  type        = string
  default     = "security_forwarder"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "oci_") && !startswith(var.metrics_namespace, "oracle_")
    error_message = "metrics_namespace: expected a-z, 0-9 and _, starting with a letter, not oci_ or oracle_."
  }
}

variable "alarm_emails" {
  description = "Email addresses told when an alarm fires (a topic is created, each address confirms its subscription). Empty, with no alarm_topic_ocid: no alarms."
  type        = list(string)
  default     = []
}

variable "alarm_topic_ocid" {
  description = "An existing Notifications topic the alarms notify (PagerDuty, Slack, a function...). Empty: a topic is created for alarm_emails."
  type        = string
  default     = ""
}

variable "alarm_collection_lag_minutes" {
  description = "The collection-lag alarm fires when a source and region is this many minutes behind."
  type        = number
  default     = 60
}

variable "dead_letter_operators_group" {
  description = "An IAM group whose members may read and delete dead letters (replay-dead-letter from their own principal), e.g. \"SecOps\" or \"'Default'/'SecOps'\". Empty: none."
  type        = string
  default     = ""
}

variable "dead_letter_replay_by_function" {
  description = "The forwarder function may read and delete its dead letters too, for the task {\"task\": \"replay-dead-letter\"} (otherwise it may only create them)."
  type        = bool
  default     = false
}

variable "doctor_reads_deployment" {
  description = "The forwarder function may read itself, the Events rules and the Connector Hub connectors (read-only), so its doctor task checks them too. Off: doctor --function from the CLI checks them."
  type        = bool
  default     = false
}
