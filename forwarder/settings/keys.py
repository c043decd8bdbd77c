"""The one table of configuration keys: each key's parser, default, example and meaning.

Function config keys arrive as environment variables. This table is the only place a key is
declared: `forwarder.settings.load_settings` parses it into typed settings, `--help` lists it, and
the README's configuration table is generated from it (`python -m forwarder.settings`; a test keeps
them equal). A key under one of `PREFIXES` that is not in the table is an error.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.formats import PAYLOADS
from forwarder.formats.syslog import FACILITIES
from forwarder.normalize.record import RISK_LEVELS
from forwarder.settings import values as v

#: Names under these prefixes are ours: one that is not in KEYS is a misspelling, not someone else's.
PREFIXES = ("SIEM_", "TICKET_", "DEAD_LETTER_", "COLLECT_", "CHECKPOINT_", "DETECTION_", "REPORT_")


class Key(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to create at import (cold start)
    """One configuration key.

    Attributes:
        name: the environment variable.
        parse: raw text -> typed value; raises `values.Invalid` saying what it expected.
        default: the typed value when the key is unset (None: unset means "not configured").
        example: a value that parses, shown in the README.
        doc: one or two sentences for the README and `--help`.
        shown: the README's default cell, when `default` alone does not say it.
        scope: "function" (set in the function's config, e.g. by the Terraform module), "collector" (set
            in the collector function's config, beside the "function" keys; read by the CLI too), "report"
            (the reporter function's config, with the tenancy, regions and endpoints it reads), "local"
            (plaintext stand-ins for Vault secrets or files, for local runs) or "platform" (set by OCI).
        secret: the value is a credential: errors never echo it.
    """

    name: str
    parse: v.Parser
    default: Any
    example: str
    doc: str
    shown: str | None = None
    scope: str = "function"
    secret: bool = False

    @property
    def default_text(self) -> str:
        if self.shown is not None:
            return self.shown
        return "(none)" if self.default is None else str(self.default).lower()


_SECRET = v.ocid("vaultsecret")
_FACILITY = v.one_of_names(FACILITIES, 0, 23, "a facility name (auth, authpriv, audit, local0..local7, ...)")
_PEM = v.text  # a path or PEM text; read and checked when the pipeline is built (forwarder.wiring)

KEYS: tuple[Key, ...] = (
    Key("SIEM_SYSLOG_URL", v.endpoint("udp", "tcp", "tls", "relp", "relp+tls"), None, "tls://siem.example.com:6514",
        "Syslog receiver: `udp://host:port`, `tcp://host:port` (octet counting, RFC 6587), "
        "`tls://host:port` (RFC 5425, certificate verified), or `relp://host:port` / `relp+tls://host:port` "
        "(RELP: every message answered by the receiver, e.g. rsyslog imrelp)."),
    Key("SIEM_SYSLOG_FORMAT", v.choice("rfc5424", "rfc3164"), "rfc5424", "rfc3164",
        "Syslog header: `rfc5424` or `rfc3164`."),
    Key("SIEM_SYSLOG_PAYLOAD", v.choice(*PAYLOADS), "json", "cef",
        "Syslog MSG format: `json`, `cef` or `leef` (LEEF 2.0)."),
    Key("SIEM_SYSLOG_FACILITY", _FACILITY, FACILITIES["local0"], "auth",
        "Syslog facility, by name (`auth`, `authpriv`, `audit`, `local0`..`local7`, ...) or number 0-23.",
        shown="local0"),
    Key("SIEM_SYSLOG_HOSTNAME", v.text, "oci", "oci-prod-tenancy", "HOSTNAME field of the syslog header."),
    Key("SIEM_SYSLOG_APP_NAME", v.text, "oci-forwarder", "oci-cloudguard", "APP-NAME (RFC 5424) or TAG (RFC 3164)."),
    Key("SIEM_SYSLOG_CA_CERT", _PEM, None, "/function/ca.pem",
        "CA bundle to verify the TLS receiver: a file path or the PEM text itself.", shown="(system trust store)"),
    Key("SIEM_SYSLOG_CLIENT_CERT", _PEM, None, "/function/client.pem",
        "Client certificate for mutual TLS: a file path or PEM text. Needs a client key."),
    Key("SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID", _SECRET, None, "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the PEM private key of the client certificate."),
    Key("SIEM_SYSLOG_CLIENT_KEY", _PEM, None, "/function/client.key",
        "Client private key as a file path or PEM text, for local use (a warning is logged for inline PEM).",
        scope="local", secret=True),
    Key("SIEM_SYSLOG_UDP_MAX_BYTES", v.integer(480, 65507), None, "2048",
        "Largest UDP datagram, header included; longer messages are cut and marked `...[truncated]`.",
        shown="8192 (rfc5424), 1024 (rfc3164)"),
    Key("SIEM_HTTP_URL", v.url("http", "https"), None, "https://splunk.example.com:8088/services/collector/event",
        "HTTP receiver: a JSON webhook URL, or the Splunk HEC event endpoint."),
    Key("SIEM_HTTP_FORMAT", v.choice("json", "splunk-hec"), "json", "splunk-hec",
        "`json` (a JSON array of records per request) or `splunk-hec` (HEC event envelopes)."),
    Key("SIEM_HTTP_TOKEN_SECRET_OCID", _SECRET, None, "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the HTTP token (read with the resource principal, cached per container)."),
    Key("SIEM_HTTP_TOKEN", v.text, None, "00000000-0000-0000-0000-000000000000",
        "Plaintext HTTP token, for local use (a warning is logged). Sent as `Splunk <token>` for HEC, "
        "`Bearer <token>` for the webhook.", scope="local", secret=True),
    Key("SIEM_HTTP_CA_CERT", _PEM, None, "/function/ca.pem",
        "CA bundle to verify the HTTPS receiver: a file path or the PEM text itself.", shown="(system trust store)"),
    Key("SIEM_HTTP_BATCH_SIZE", v.integer(1, 10000), 100, "500", "Most records in one HTTP request (1-10000)."),
    Key("SIEM_SPLUNK_INDEX", v.text, None, "oci_security", "Splunk index for HEC events.", shown="(token default)"),
    Key("SIEM_SPLUNK_SOURCETYPE", v.text, "oci:security", "oci:cloudguard", "Splunk sourcetype for HEC events."),
    Key("SIEM_TLS_INSECURE_SKIP_VERIFY", v.boolean, False, "true",
        "Turns off certificate verification of the syslog TLS and HTTPS receivers. For lab use only: a warning "
        "is logged at every cold start. Prefer SIEM_SYSLOG_CA_CERT / SIEM_HTTP_CA_CERT."),
    Key("SIEM_TIMEOUT_SECONDS", v.number(0.1, 300), 10.0, "5",
        "Connect and I/O timeout of each sink operation, in seconds (bounded by the invocation deadline).",
        shown="10"),
    Key("TICKET_SYSTEM", v.choice("servicenow", "jira", "pagerduty", "none"), "none", "servicenow",
        "Ticket system for Cloud Guard problems: `servicenow`, `jira`, `pagerduty` or `none`."),
    Key("TICKET_URL", v.url("http", "https"), None, "https://example.service-now.com",
        "ServiceNow instance or Jira Cloud site URL (required for those); the PagerDuty Events API URL.",
        shown="PagerDuty: https://events.pagerduty.com/v2/enqueue"),
    Key("TICKET_MIN_RISK", v.choice(*RISK_LEVELS, fold=str.upper), "CRITICAL", "HIGH",
        "Lowest risk level that opens a ticket: CRITICAL, HIGH, MEDIUM, LOW or MINOR (any case).", shown="CRITICAL"),
    Key("TICKET_SECRET_OCID", _SECRET, None, "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the ticket credentials as JSON: ServiceNow `{\"username\", \"password\"}`, "
        "Jira `{\"email\", \"api_token\"}`, PagerDuty `{\"routing_key\"}`."),
    Key("TICKET_USERNAME", v.text, None, "svc-oci-forwarder",
        "ServiceNow user or Jira account email, for local use (with TICKET_PASSWORD; a warning is logged).",
        scope="local"),
    Key("TICKET_PASSWORD", v.text, None, "(a password or Jira API token)",
        "ServiceNow password or Jira API token, for local use (a warning is logged).", scope="local", secret=True),
    Key("TICKET_ROUTING_KEY", v.text, None, "R0123456789ABCDEF0123456789ABCDEF",
        "PagerDuty integration (routing) key, for local use (a warning is logged).", scope="local", secret=True),
    Key("TICKET_JIRA_PROJECT", v.text, None, "SEC", "Jira project key (required for Jira)."),
    Key("TICKET_JIRA_ISSUE_TYPE", v.text, "Task", "Bug", "Jira issue type name.", shown="Task"),
    Key("TICKET_SERVICENOW_CLOSE_CODE", v.text, "Solution provided", "Resolved by caller",
        "ServiceNow close code used when a problem is remediated or dismissed.", shown="Solution provided"),
    Key("DEAD_LETTER_BUCKET", v.text, None, "oci-forwarder-dead-letter",
        "Object Storage bucket where events that cannot be delivered are kept (NDJSON, one object per invocation "
        "and sink).", shown="(none: undeliverable events fail the invocation)"),
    Key("DEAD_LETTER_NAMESPACE", v.text, None, "axaxnpcrorw5",
        "Object Storage namespace of the dead-letter bucket.", shown="(looked up)"),
    Key("DETECTION_RULES", v.rule_sources, (), "/function/rules,oci://sigma-rules@axaxnpcrorw5/oci/",
        "Your own Sigma rules, run beside the built-in pack: files or folders of `.yml` in the image, and "
        "`oci://<bucket>@<namespace>/<prefix>` (read with the resource principal at cold start), comma-separated.",
        shown="(built-in pack only)"),
    Key("DETECTION_DISABLE", v.rule_ids, frozenset(), "oci_discovery_burst,oci_short_user_agent",
        "Built-in rules to turn off, by id or name (`python -m forwarder rules list`), comma-separated; `all` turns "
        "the whole built-in pack off.", shown="(none)"),
    Key("DETECTION_STATE_URL", v.url("redis", "rediss"), None, "rediss://cache.example.oraclecloud.com:6379",
        "Redis (OCI Cache) holding the correlation windows of every container: `rediss://` is TLS, certificate "
        "verified. Unset: windows are counted per container (approximate).", shown="(per-container memory)"),
    Key("DETECTION_STATE_CA_CERT", _PEM, None, "/function/cache-ca.pem",
        "CA bundle to verify the `rediss://` server: a file path or the PEM text itself.",
        shown="(system trust store)"),
    Key("DETECTION_STATE_PASSWORD_SECRET_OCID", _SECRET, None, "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the Redis AUTH password."),
    Key("DETECTION_STATE_PASSWORD", v.text, None, "(a password)",
        "Plaintext Redis password, for local use (a warning is logged).", scope="local", secret=True),
    Key("COLLECT_SOURCES", v.names("audit", "cloudguard", "logsearch"), None, "audit,cloudguard",
        "Makes this function a collector: the sources a task body (`{\"task\": \"collect\"}`) may read: `audit`, "
        "`cloudguard`, `logsearch`. Unset: task bodies are refused.",
        shown="(none: not a collector)", scope="collector"),
    Key("COLLECT_AUDIT_METHOD", v.choice("search", "list-events"), "search", "list-events",
        "How `audit` is read: `search` (Logging Search over `_Audit_Include_Subcompartment`, one query per region) "
        "or `list-events` (Audit ListEvents per compartment and region).", scope="collector"),
    Key("COLLECT_LOOKBACK_MINUTES", v.integer(1, 43200), 60, "1440",
        "First run of a shard (no checkpoint yet): how far back to start, in minutes.", scope="collector"),
    Key("COLLECT_LAG_MINUTES", v.integer(0, 1440), 15, "30",
        "Each window starts this many minutes before the last checkpoint, so late events are caught; repeats are "
        "dropped by event id.", scope="collector"),
    Key("COLLECT_QUERIES", v.named_queries, None, '{"flows": "search \\"ocid1.tenancy.oc1..aaaa/vcn\\""}',
        "Named Logging Search queries of the `logsearch` source, as a JSON object of name -> query; "
        "`{tenancy}` in a query is replaced by the tenancy OCID.", scope="collector"),
    Key("COLLECT_REGIONS", v.region_list, None, "eu-frankfurt-1,us-ashburn-1",
        "Regions to read, comma-separated.", shown="(every subscribed region)", scope="collector"),
    Key("COLLECT_TENANCY_OCID", v.ocid("tenancy"), None, "ocid1.tenancy.oc1..aaaa",
        "The tenancy to read.", shown="(the principal's tenancy)", scope="collector"),
    Key("COLLECT_WORKERS", v.integer(1, 64), 4, "8", "Regions, compartments and queries read at once.",
        scope="collector"),
    Key("CHECKPOINT_BUCKET", v.text, None, "oci-forwarder-checkpoints",
        "Object Storage bucket of the collector's checkpoints (written with If-Match; needed by a collector "
        "function).", shown="(none)", scope="collector"),
    Key("CHECKPOINT_NAMESPACE", v.text, None, "axaxnpcrorw5",
        "Object Storage namespace of the checkpoint bucket.", shown="(looked up)", scope="collector"),
    Key("REPORT_BUCKET", v.text, None, "oci-forwarder-reports",
        "Makes this function a reporter (`{\"task\": \"report\"}`): the Object Storage bucket of the daily change "
        "reports, `reports/YYYY/MM/DD/changes.html|csv|json`. The CLI writes to `--out DIR` instead.",
        shown="(none: not a reporter)", scope="report"),
    Key("REPORT_NAMESPACE", v.text, None, "axaxnpcrorw5", "Object Storage namespace of the report bucket.",
        shown="(looked up)", scope="report"),
    Key("REPORT_TIMEZONE", v.timezone, "UTC", "Europe/Paris",
        "IANA time zone of the report day (midnight to midnight) and of the times it shows.", scope="report",
        shown="UTC"),
    Key("REPORT_TOPIC_OCID", v.ocid("onstopic"), None, "ocid1.onstopic.oc1.iad.aaaa",
        "OCI Notifications topic told when a report is ready (totals, top changes, where the report is).",
        shown="(no message)", scope="report"),
    Key("REPORT_LINK_HOURS", v.integer(1, 8760), None, "72",
        "Hours a pre-authenticated read link to the day's report lives; the message then carries the link "
        "(anyone holding it can read the report until it expires).", shown="(no link)", scope="report"),
    Key("REPORT_HTML_ROWS", v.integer(10, 100000), 1000, "5000",
        "Changes listed in the HTML page (the earliest; the CSV has every one).", scope="report"),
    Key("OCI_NOTIFICATION_ENDPOINT", v.regional_url("http", "https"), None,
        "https://notification.{region}.oraclecloud.com",
        "Override of the Notifications endpoint (GetTopic); `{region}` is replaced by the function's region.",
        shown="(regional endpoint)", scope="report"),
    Key("OCI_IDENTITY_ENDPOINT", v.regional_url("http", "https"), None, "https://identity.{region}.oci.oraclecloud.com",
        "Override of the Identity endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)", scope="collector"),
    Key("OCI_AUDIT_ENDPOINT", v.regional_url("http", "https"), None, "https://audit.{region}.oraclecloud.com",
        "Override of the Audit endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)", scope="collector"),
    Key("OCI_CLOUDGUARD_ENDPOINT", v.regional_url("http", "https"), None,
        "https://cloudguard-cp-api.{region}.oci.oraclecloud.com",
        "Override of the Cloud Guard endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)", scope="collector"),
    Key("OCI_LOGGING_SEARCH_ENDPOINT", v.regional_url("http", "https"), None,
        "https://logging.{region}.oci.oraclecloud.com",
        "Override of the Logging Search endpoint; `{region}` is replaced by the region read.",
        shown="(regional endpoint)", scope="collector"),
    Key("OCI_OBJECTSTORAGE_ENDPOINT", v.regional_url("http", "https"), None,
        "https://objectstorage.eu-frankfurt-1.oraclecloud.com",
        "Override of the Object Storage endpoint (private endpoints, tests); `{region}` is replaced by the "
        "function's region.", shown="(regional endpoint)"),
    Key("OCI_SECRETS_ENDPOINT", v.regional_url("http", "https"), None,
        "https://secrets.vaults.eu-frankfurt-1.oci.oraclecloud.com",
        "Override of the Vault secrets endpoint (private endpoints, tests); `{region}` is replaced by the "
        "function's region.", shown="(regional endpoint)"),
    Key("OCI_RESOURCE_PRINCIPAL_REGION", v.text, None, "eu-frankfurt-1",
        "The function's region; reported as the region of events that name none.",
        shown="(set by OCI Functions)", scope="platform"),
)  # fmt: skip

BY_NAME = {key.name: key for key in KEYS}
KEY_NAMES = frozenset(BY_NAME)
#: The keys a deployment sets in the function's config (what the Terraform module may set).
FUNCTION_KEYS = frozenset(k.name for k in KEYS if k.scope == "function")
#: The keys only the collector function's config adds (README, "Collection").
COLLECTOR_KEYS = frozenset(k.name for k in KEYS if k.scope == "collector")
#: The keys only the reporter function's config adds (README, "Change report").
REPORT_KEYS = frozenset(k.name for k in KEYS if k.scope == "report")


def markdown_table() -> str:
    """The README's configuration table, one row per key, in table order."""
    rows = ["| key | default | example | meaning |", "|---|---|---|---|"]
    rows += [f"| `{k.name}` | {k.default_text} | `{k.example}` | {k.doc} |" for k in KEYS]
    return "\n".join(rows)


def help_text() -> str:
    """The keys for `--help`: name and default, one per line."""
    return "\n".join(f"  {k.name:36} default {k.default_text}" for k in KEYS)
