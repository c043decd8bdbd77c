"""Configuration: function config keys (environment variables) validated once into typed settings.

`KEYS` documents every key the code reads; `load_settings(environ)` validates them all up front
and raises `ConfigError` naming the key and what it expected. Secrets are not resolved here
(no I/O): `forwarder.pipeline.Forwarder.from_settings` reads Vault.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from forwarder.formats import PAYLOADS
from forwarder.formats.syslog import FACILITIES
from forwarder.record import RISK_LEVELS

log = logging.getLogger("forwarder")


class ConfigError(ValueError):
    """A configuration key has a bad value. The message names the key and what was expected."""


@dataclass(frozen=True)
class Key:
    """One documented configuration key."""

    name: str
    default: str
    example: str
    description: str
    #: "function": set in the function's config (the Terraform module sets it); "local": plaintext
    #: stand-ins for Vault secrets or files, for local runs only; "platform": set by OCI Functions.
    scope: str = "function"


#: Every configuration key the function reads, in README order.
KEYS: tuple[Key, ...] = (
    Key("SIEM_SYSLOG_URL", "(none)", "tls://siem.example.com:6514",
        "Syslog receiver: `udp://host:port`, `tcp://host:port` (octet counting, RFC 6587) or "
        "`tls://host:port` (RFC 5425, certificate verified)."),
    Key("SIEM_SYSLOG_FORMAT", "rfc5424", "rfc3164", "Syslog header: `rfc5424` or `rfc3164`."),
    Key("SIEM_SYSLOG_PAYLOAD", "json", "cef", "Syslog MSG format: `json`, `cef` or `leef` (LEEF 2.0)."),
    Key("SIEM_SYSLOG_FACILITY", "local0", "auth",
        "Syslog facility, by name (`auth`, `authpriv`, `audit`, `local0`..`local7`, ...) or number 0-23."),
    Key("SIEM_SYSLOG_HOSTNAME", "oci", "oci-prod-tenancy", "HOSTNAME field of the syslog header."),
    Key("SIEM_SYSLOG_APP_NAME", "oci-forwarder", "oci-cloudguard", "APP-NAME (RFC 5424) or TAG (RFC 3164)."),
    Key("SIEM_SYSLOG_CA_CERT", "(system trust store)", "/function/ca.pem",
        "CA bundle to verify the TLS receiver: a file path or the PEM text itself."),
    Key("SIEM_SYSLOG_CLIENT_CERT", "(none)", "/function/client.pem",
        "Client certificate for mutual TLS: a file path or PEM text. Needs a client key."),
    Key("SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID", "(none)", "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the PEM private key of the client certificate."),
    Key("SIEM_SYSLOG_CLIENT_KEY", "(none)", "/function/client.key",
        "Client private key as a file path or PEM text, for local use (a warning is logged for inline PEM).",
        scope="local"),
    Key("SIEM_SYSLOG_UDP_MAX_BYTES", "8192 (rfc5424), 1024 (rfc3164)", "2048",
        "Largest UDP datagram; longer messages are cut and marked `...[truncated]`."),
    Key("SIEM_HTTP_URL", "(none)", "https://splunk.example.com:8088/services/collector/event",
        "HTTP receiver: a JSON webhook URL, or the Splunk HEC event endpoint."),
    Key("SIEM_HTTP_FORMAT", "json", "splunk-hec",
        "`json` (a JSON array of records per request) or `splunk-hec` (HEC event envelopes)."),
    Key("SIEM_HTTP_TOKEN_SECRET_OCID", "(none)", "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the HTTP token (read with the resource principal, cached per container)."),
    Key("SIEM_HTTP_TOKEN", "(none)", "00000000-0000-0000-0000-000000000000",
        "Plaintext HTTP token, for local use (a warning is logged). Sent as `Splunk <token>` for HEC, "
        "`Bearer <token>` for the webhook.", scope="local"),
    Key("SIEM_HTTP_CA_CERT", "(system trust store)", "/function/ca.pem",
        "CA bundle to verify the HTTPS receiver: a file path or the PEM text itself."),
    Key("SIEM_HTTP_BATCH_SIZE", "100", "500", "Most records in one HTTP request (1-10000)."),
    Key("SIEM_SPLUNK_INDEX", "(token default)", "oci_security", "Splunk index for HEC events."),
    Key("SIEM_SPLUNK_SOURCETYPE", "oci:security", "oci:cloudguard", "Splunk sourcetype for HEC events."),
    Key("TICKET_SYSTEM", "(none)", "servicenow",
        "Ticket system for Cloud Guard problems: `servicenow`, `jira` or `pagerduty`."),
    Key("TICKET_URL", "PagerDuty: https://events.pagerduty.com/v2/enqueue", "https://example.service-now.com",
        "ServiceNow instance or Jira Cloud site URL (required for those); the PagerDuty Events API URL."),
    Key("TICKET_MIN_RISK", "CRITICAL", "HIGH",
        "Lowest risk level that opens a ticket: CRITICAL, HIGH, MEDIUM, LOW or MINOR (any case)."),
    Key("TICKET_SECRET_OCID", "(none)", "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the ticket credentials as JSON: ServiceNow `{\"username\", \"password\"}`, "
        "Jira `{\"email\", \"api_token\"}`, PagerDuty `{\"routing_key\"}`."),
    Key("TICKET_USERNAME", "(none)", "svc-oci-forwarder",
        "ServiceNow user or Jira account email, for local use (with TICKET_PASSWORD; a warning is logged).",
        scope="local"),
    Key("TICKET_PASSWORD", "(none)", "(a password or Jira API token)",
        "ServiceNow password or Jira API token, for local use (a warning is logged).", scope="local"),
    Key("TICKET_ROUTING_KEY", "(none)", "R0123456789ABCDEF0123456789ABCDEF",
        "PagerDuty integration (routing) key, for local use (a warning is logged).", scope="local"),
    Key("TICKET_JIRA_PROJECT", "(none)", "SEC", "Jira project key (required for Jira)."),
    Key("TICKET_JIRA_ISSUE_TYPE", "Task", "Bug", "Jira issue type name."),
    Key("TICKET_SERVICENOW_CLOSE_CODE", "Solution provided", "Resolved by caller",
        "ServiceNow close code used when a problem is remediated or dismissed."),
    Key("DEAD_LETTER_BUCKET", "(none: undeliverable events fail the invocation)", "oci-forwarder-dead-letter",
        "Object Storage bucket where events that cannot be delivered are kept (NDJSON, one object per invocation "
        "and sink)."),
    Key("DEAD_LETTER_NAMESPACE", "(looked up)", "axaxnpcrorw5", "Object Storage namespace of the dead-letter bucket."),
    Key("OCI_OBJECTSTORAGE_ENDPOINT", "(regional endpoint)", "https://objectstorage.eu-frankfurt-1.oraclecloud.com",
        "Override of the Object Storage endpoint (private endpoints, tests)."),
    Key("SIEM_TLS_INSECURE_SKIP_VERIFY", "false", "true",
        "Turns off certificate verification of the syslog TLS and HTTPS receivers. For lab use only: a warning "
        "is logged at every cold start. Prefer SIEM_SYSLOG_CA_CERT / SIEM_HTTP_CA_CERT."),
    Key("SIEM_TIMEOUT_SECONDS", "10", "5",
        "Connect and I/O timeout of each sink operation, in seconds (bounded by the invocation deadline)."),
    Key("OCI_SECRETS_ENDPOINT", "(regional endpoint)", "https://secrets.vaults.eu-frankfurt-1.oci.oraclecloud.com",
        "Override of the Vault secrets endpoint (private endpoints, tests)."),
    Key("OCI_RESOURCE_PRINCIPAL_REGION", "(set by OCI Functions)", "eu-frankfurt-1",
        "The function's region; reported as the region of events that name none.", scope="platform"),
)  # fmt: skip
KEY_NAMES = frozenset(k.name for k in KEYS)
#: The keys a deployment sets in the function's config (what the Terraform module may set).
FUNCTION_KEYS = frozenset(k.name for k in KEYS if k.scope == "function")


@dataclass(frozen=True)
class SyslogSettings:
    """Where and how to send syslog."""

    transport: str  #: "udp", "tcp" or "tls"
    host: str
    port: int
    format: str = "rfc5424"  #: "rfc5424" or "rfc3164"
    payload: str = "json"  #: a key of forwarder.formats.PAYLOADS
    facility: int = 16
    hostname: str = "oci"
    app_name: str = "oci-forwarder"
    ca_cert: str | None = None  #: path or PEM text
    client_cert: str | None = None  #: path or PEM text
    client_key: str | None = field(default=None, repr=False)  #: path or PEM text (local use)
    client_key_secret_ocid: str | None = None
    udp_max_bytes: int = 8192


@dataclass(frozen=True)
class HttpSettings:
    """Where and how to POST records."""

    url: str
    format: str = "json"  #: "json" or "splunk-hec"
    token: str | None = field(default=None, repr=False)  #: plaintext token (local use)
    token_secret_ocid: str | None = None
    ca_cert: str | None = None
    batch_size: int = 100
    splunk_index: str | None = None
    splunk_sourcetype: str = "oci:security"


@dataclass(frozen=True)
class TicketSettings:
    """Which ticket system, where, and from which risk level. Credentials: Vault or plaintext (local)."""

    system: str  #: "servicenow", "jira" or "pagerduty"
    url: str
    min_risk: str = "CRITICAL"
    secret_ocid: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    routing_key: str | None = field(default=None, repr=False)
    jira_project: str | None = None
    jira_issue_type: str = "Task"
    servicenow_close_code: str = "Solution provided"


@dataclass(frozen=True)
class Settings:
    """All settings. No sink configured means records go to the function log as JSON lines."""

    syslog: SyslogSettings | None = None
    http: HttpSettings | None = None
    tickets: TicketSettings | None = None
    timeout: float = 10.0  #: seconds, per connect / send
    insecure_skip_verify: bool = False  #: SIEM TLS certificates not verified (explicit key only)
    region: str | None = None
    secrets_endpoint: str | None = None
    dead_letter_bucket: str | None = None
    dead_letter_namespace: str | None = None
    objectstorage_endpoint: str | None = None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Validate the configuration keys in `environ` (default `os.environ`) into Settings.

    Raises:
        ConfigError: for the first bad key, naming it and what it expected.
    """
    env = _Env(os.environ if environ is None else environ)
    settings = Settings(
        syslog=_syslog(env),
        http=_http(env),
        tickets=_tickets(env),
        insecure_skip_verify=_insecure(env),
        timeout=env.number("SIEM_TIMEOUT_SECONDS", 10.0, low=0.1, high=300.0),
        region=env.text("OCI_RESOURCE_PRINCIPAL_REGION"),
        secrets_endpoint=env.url("OCI_SECRETS_ENDPOINT", ("http", "https")),
        dead_letter_bucket=env.text("DEAD_LETTER_BUCKET"),
        dead_letter_namespace=env.text("DEAD_LETTER_NAMESPACE"),
        objectstorage_endpoint=env.url("OCI_OBJECTSTORAGE_ENDPOINT", ("http", "https")),
    )
    return settings


class _Env:
    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def text(self, key: str, default: str | None = None) -> str | None:
        assert key in KEY_NAMES, key
        value = self.environ.get(key, "").strip()
        return value or default

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = (self.text(key) or default).lower()
        if value not in choices:
            raise ConfigError(f"{key}: expected one of {', '.join(choices)}; got {value!r}")
        return value

    def number(self, key: str, default: float, *, low: float, high: float, integer: bool = False) -> float:
        raw = self.text(key)
        if raw is None:
            return default
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise ConfigError(f"{key}: expected {kind} from {low:g} to {high:g}; got {raw!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{key}: expected a value from {low:g} to {high:g}; got {raw!r}")
        return value

    def url(self, key: str, schemes: tuple[str, ...]) -> str | None:
        raw = self.text(key)
        if raw is None:
            return None
        parts = urlsplit(raw)
        if parts.scheme.lower() not in schemes or not parts.hostname:
            raise ConfigError(f"{key}: expected a URL {' or '.join(s + '://host' for s in schemes)}...; got {raw!r}")
        try:
            _ = parts.port  # raises ValueError for a bad port
        except ValueError:
            raise ConfigError(f"{key}: expected a port from 1 to 65535; got {raw!r}") from None
        return raw

    def pem_or_path(self, key: str) -> str | None:
        value = self.text(key)
        if value is None or value.startswith("-----BEGIN"):
            return value
        if not os.path.isfile(value):
            raise ConfigError(f"{key}: expected PEM text or the path of a readable file; no file at {value!r}")
        return value


def _syslog(env: _Env) -> SyslogSettings | None:
    raw = env.text("SIEM_SYSLOG_URL")
    if raw is None:
        return None
    parts = urlsplit(raw)
    try:
        port = parts.port
    except ValueError:
        port = None
    if (
        parts.scheme.lower() not in ("udp", "tcp", "tls")
        or not parts.hostname
        or not port
        or parts.path not in ("", "/")
    ):
        raise ConfigError(f"SIEM_SYSLOG_URL: expected udp://host:port, tcp://host:port or tls://host:port; got {raw!r}")
    transport = parts.scheme.lower()
    facility_raw = env.text("SIEM_SYSLOG_FACILITY", "local0").lower()
    if facility_raw.isdigit() and 0 <= int(facility_raw) <= 23:
        facility = int(facility_raw)
    elif facility_raw in FACILITIES:
        facility = FACILITIES[facility_raw]
    else:
        raise ConfigError(
            "SIEM_SYSLOG_FACILITY: expected a facility name (auth, authpriv, audit, local0..local7, ...) "
            f"or a number from 0 to 23; got {facility_raw!r}"
        )
    syslog_format = env.choice("SIEM_SYSLOG_FORMAT", ("rfc5424", "rfc3164"), "rfc5424")
    client_cert = env.pem_or_path("SIEM_SYSLOG_CLIENT_CERT")
    client_key = env.pem_or_path("SIEM_SYSLOG_CLIENT_KEY")
    client_key_secret = env.text("SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID")
    if client_key and client_key.startswith("-----BEGIN"):
        log.warning(
            "SIEM_SYSLOG_CLIENT_KEY holds a private key in plaintext config; use SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID"
        )
    if client_cert and not (client_key or client_key_secret):
        raise ConfigError("SIEM_SYSLOG_CLIENT_CERT: needs SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID or SIEM_SYSLOG_CLIENT_KEY")
    if (client_key or client_key_secret) and not client_cert:
        raise ConfigError("SIEM_SYSLOG_CLIENT_CERT: expected a client certificate to go with the client key")
    if transport != "tls":
        for key in ("SIEM_SYSLOG_CA_CERT", "SIEM_SYSLOG_CLIENT_CERT"):
            if env.text(key):
                raise ConfigError(f"{key}: only used with a tls:// SIEM_SYSLOG_URL; got {raw!r}")
    return SyslogSettings(
        transport=transport,
        host=parts.hostname,
        port=port,
        format=syslog_format,
        payload=env.choice("SIEM_SYSLOG_PAYLOAD", tuple(PAYLOADS), "json"),
        facility=facility,
        hostname=env.text("SIEM_SYSLOG_HOSTNAME", "oci"),
        app_name=env.text("SIEM_SYSLOG_APP_NAME", "oci-forwarder"),
        ca_cert=env.pem_or_path("SIEM_SYSLOG_CA_CERT"),
        client_cert=client_cert,
        client_key=client_key,
        client_key_secret_ocid=client_key_secret,
        udp_max_bytes=int(
            env.number(
                "SIEM_SYSLOG_UDP_MAX_BYTES",
                1024 if syslog_format == "rfc3164" else 8192,
                low=480,
                high=65507,
                integer=True,
            )
        ),
    )


def _http(env: _Env) -> HttpSettings | None:
    url = env.url("SIEM_HTTP_URL", ("http", "https"))
    if url is None:
        return None
    host = urlsplit(url).hostname or ""
    if urlsplit(url).scheme.lower() == "http" and not _is_loopback(host):
        log.warning("SIEM_HTTP_URL uses plain http to %s: records and token travel unencrypted", host)
    token = env.text("SIEM_HTTP_TOKEN")
    secret = env.text("SIEM_HTTP_TOKEN_SECRET_OCID")
    if token and secret:
        raise ConfigError("SIEM_HTTP_TOKEN: set either SIEM_HTTP_TOKEN or SIEM_HTTP_TOKEN_SECRET_OCID, not both")
    if token:
        log.warning("SIEM_HTTP_TOKEN is set in plaintext config; use SIEM_HTTP_TOKEN_SECRET_OCID (OCI Vault)")
    http_format = env.choice("SIEM_HTTP_FORMAT", ("json", "splunk-hec"), "json")
    if http_format == "splunk-hec" and not (token or secret):
        raise ConfigError("SIEM_HTTP_TOKEN_SECRET_OCID: Splunk HEC needs a token (or SIEM_HTTP_TOKEN for local use)")
    return HttpSettings(
        url=url,
        format=http_format,
        token=token,
        token_secret_ocid=secret,
        ca_cert=env.pem_or_path("SIEM_HTTP_CA_CERT"),
        batch_size=int(env.number("SIEM_HTTP_BATCH_SIZE", 100, low=1, high=10000, integer=True)),
        splunk_index=env.text("SIEM_SPLUNK_INDEX"),
        splunk_sourcetype=env.text("SIEM_SPLUNK_SOURCETYPE", "oci:security"),
    )


def _insecure(env: _Env) -> bool:
    value = env.choice("SIEM_TLS_INSECURE_SKIP_VERIFY", ("false", "true"), "false") == "true"
    if value:
        log.warning(
            "SIEM_TLS_INSECURE_SKIP_VERIFY=true: SIEM TLS certificates are NOT verified; anyone on the path can "
            "read and alter events. Set SIEM_SYSLOG_CA_CERT / SIEM_HTTP_CA_CERT instead."
        )
    return value


def _tickets(env: _Env) -> TicketSettings | None:
    system = env.choice("TICKET_SYSTEM", ("servicenow", "jira", "pagerduty", "none"), "none")
    if system == "none":
        return None
    url = env.url("TICKET_URL", ("http", "https"))
    if url is None:
        if system != "pagerduty":
            raise ConfigError(f"TICKET_URL: expected the {system} URL (https://...) for TICKET_SYSTEM={system}")
        url = "https://events.pagerduty.com/v2/enqueue"
    min_risk = (env.text("TICKET_MIN_RISK") or "CRITICAL").upper()
    if min_risk not in RISK_LEVELS:
        raise ConfigError(f"TICKET_MIN_RISK: expected one of {', '.join(RISK_LEVELS)}; got {min_risk!r}")
    secret = env.text("TICKET_SECRET_OCID")
    plaintext = {k: env.text(k) for k in ("TICKET_USERNAME", "TICKET_PASSWORD", "TICKET_ROUTING_KEY")}
    needed = ("TICKET_ROUTING_KEY",) if system == "pagerduty" else ("TICKET_USERNAME", "TICKET_PASSWORD")
    if secret and any(plaintext[k] for k in needed):
        raise ConfigError(f"TICKET_SECRET_OCID: set either TICKET_SECRET_OCID or {' and '.join(needed)}, not both")
    if not secret:
        missing = [k for k in needed if not plaintext[k]]
        if missing:
            needs = " and ".join(missing)
            raise ConfigError(f"TICKET_SECRET_OCID: {system} needs credentials: a Vault secret, or {needs}")
        log.warning("%s set in plaintext config; use TICKET_SECRET_OCID (OCI Vault)", " and ".join(needed))
    project = env.text("TICKET_JIRA_PROJECT")
    if system == "jira" and not project:
        raise ConfigError("TICKET_JIRA_PROJECT: expected the Jira project key for TICKET_SYSTEM=jira")
    return TicketSettings(
        system=system,
        url=url,
        min_risk=min_risk,
        secret_ocid=secret,
        username=plaintext["TICKET_USERNAME"],
        password=plaintext["TICKET_PASSWORD"],
        routing_key=plaintext["TICKET_ROUTING_KEY"],
        jira_project=project,
        jira_issue_type=env.text("TICKET_JIRA_ISSUE_TYPE", "Task"),
        servicenow_close_code=env.text("TICKET_SERVICENOW_CLOSE_CODE", "Solution provided"),
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
