"""Configuration: the keys in `keys.KEYS`, validated once, up front, into frozen typed settings.

`load_settings(environ)` parses every key (no I/O: files, certificates and Vault secrets are read
when the pipeline is built, by `forwarder.wiring`) and raises `ConfigError` naming the key and what
it expected. Run `python -m forwarder.settings` to print the README's configuration table.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from forwarder.settings.keys import FUNCTION_KEYS, KEY_NAMES, KEYS, PREFIXES, Key
from forwarder.settings.values import Invalid, is_loopback

__all__ = ["ConfigError", "CollectSettings", "Settings", "load_settings", "KEYS", "KEY_NAMES", "FUNCTION_KEYS", "Key"]

log = logging.getLogger("forwarder")

PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"


class ConfigError(ValueError):
    """A configuration key is unknown, or its value is bad. The message starts with the key's name."""


@dataclass(frozen=True)
class SyslogSettings:
    """Where and how to send syslog (SIEM_SYSLOG_*)."""

    transport: str  #: "udp", "tcp" or "tls"
    host: str
    port: int
    format: str  #: "rfc5424" or "rfc3164"
    payload: str  #: a key of forwarder.formats.PAYLOADS
    facility: int
    hostname: str
    app_name: str
    ca_cert: str | None  #: path or PEM text
    client_cert: str | None  #: path or PEM text
    client_key: str | None = field(repr=False)  #: path or PEM text (local use)
    client_key_secret_ocid: str | None
    udp_max_bytes: int


@dataclass(frozen=True)
class HttpSettings:
    """Where and how to POST records (SIEM_HTTP_*, SIEM_SPLUNK_*)."""

    url: str
    format: str  #: "json" or "splunk-hec"
    token: str | None = field(repr=False)  #: plaintext token (local use)
    token_secret_ocid: str | None
    ca_cert: str | None
    batch_size: int
    splunk_index: str | None
    splunk_sourcetype: str


@dataclass(frozen=True)
class TicketSettings:
    """Which ticket system, where, and from which risk level (TICKET_*)."""

    system: str  #: "servicenow", "jira" or "pagerduty"
    url: str
    min_risk: str
    secret_ocid: str | None
    username: str | None
    password: str | None = field(repr=False)
    routing_key: str | None = field(repr=False)
    jira_project: str | None
    jira_issue_type: str
    servicenow_close_code: str


@dataclass(frozen=True)
class DeadLetterSettings:
    """Where undeliverable events are kept (DEAD_LETTER_*, OCI_OBJECTSTORAGE_ENDPOINT)."""

    bucket: str
    namespace: str | None
    endpoint: str | None


class CollectSettings(NamedTuple):  # a NamedTuple: a dataclass costs the cold start ~1 ms, and no secret is here
    """What and how the pull side reads (COLLECT_*, CHECKPOINT_*, OCI_*_ENDPOINT)."""

    sources: tuple[str, ...]  #: sources a task body may read (COLLECT_SOURCES); () = not a collector
    audit_method: str  #: "search" or "list-events"
    lookback_minutes: int
    lag_minutes: int
    queries: dict[str, str]  #: name -> Logging Search query
    regions: tuple[str, ...] | None  #: None = every subscribed region
    tenancy: str | None  #: None = the principal's tenancy
    workers: int
    checkpoint_bucket: str | None
    checkpoint_namespace: str | None
    endpoints: dict[str, str | None]  #: service (forwarder.sources.api.clients.SERVICES) -> override


class DetectionSettings(NamedTuple):
    """Which rules run and where windows are counted (DETECTION_*)."""

    rules: tuple[str, ...]  #: the user's rule files, folders and oci:// prefixes
    disable: frozenset[str]  #: built-in rule ids or names turned off ("all": every one)
    state_url: str | None  #: Redis URL, or None for per-container memory
    ca_cert: str | None  #: path or PEM text verifying a rediss:// server
    password_secret_ocid: str | None
    password: str | None  #: plaintext (local use)


@dataclass(frozen=True)
class Settings:
    """All settings. No sink configured means records go to the function log as JSON lines."""

    syslog: SyslogSettings | None
    http: HttpSettings | None
    tickets: TicketSettings | None
    dead_letter: DeadLetterSettings | None
    timeout: float  #: seconds, per connect / send
    insecure_skip_verify: bool  #: SIEM TLS certificates not verified (explicit key only)
    region: str | None
    secrets_endpoint: str | None
    collect: CollectSettings
    detection: DetectionSettings


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Validate the configuration keys in `environ` (default `os.environ`) into Settings.

    Raises:
        ConfigError: for an unknown key under SIEM_, TICKET_ or DEAD_LETTER_ (naming the closest known
            key), or the first bad value (naming the key and what it expected).
    """
    env = os.environ if environ is None else environ
    _refuse_unknown(env)
    c = {key.name: _value(key, env) for key in KEYS}
    for name in ("OCI_OBJECTSTORAGE_ENDPOINT", "OCI_SECRETS_ENDPOINT"):  # the function's own region
        if c[name] and "{region}" in c[name]:
            if not c["OCI_RESOURCE_PRINCIPAL_REGION"]:
                raise ConfigError(f"{name}: {{region}} needs the function's region (OCI_RESOURCE_PRINCIPAL_REGION)")
            c[name] = c[name].replace("{region}", c["OCI_RESOURCE_PRINCIPAL_REGION"])
    settings = Settings(
        syslog=_syslog(c),
        http=_http(c),
        tickets=_tickets(c),
        dead_letter=DeadLetterSettings(c["DEAD_LETTER_BUCKET"], c["DEAD_LETTER_NAMESPACE"],
                                       c["OCI_OBJECTSTORAGE_ENDPOINT"]) if c["DEAD_LETTER_BUCKET"] else None,
        timeout=c["SIEM_TIMEOUT_SECONDS"],
        insecure_skip_verify=c["SIEM_TLS_INSECURE_SKIP_VERIFY"],
        region=c["OCI_RESOURCE_PRINCIPAL_REGION"],
        secrets_endpoint=c["OCI_SECRETS_ENDPOINT"],
        collect=_collect(c),
        detection=_detection(c),
    )  # fmt: skip
    if settings.insecure_skip_verify:
        log.warning(
            "SIEM_TLS_INSECURE_SKIP_VERIFY=true: SIEM TLS certificates are NOT verified; anyone on the path can "
            "read and alter events. Set SIEM_SYSLOG_CA_CERT / SIEM_HTTP_CA_CERT instead."
        )
    return settings


def _refuse_unknown(env: Mapping[str, str]) -> None:
    for name in sorted(env):
        if name.startswith(PREFIXES) and name not in KEY_NAMES:
            import difflib  # only for a misspelled key

            close = difflib.get_close_matches(name, KEY_NAMES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else "; see the README's configuration table"
            raise ConfigError(f"{name}: not a configuration key{hint}")


def _value(key: Key, env: Mapping[str, str]) -> Any:
    raw = env.get(key.name, "").strip()
    if not raw:
        return key.default
    try:
        return key.parse(raw)
    except Invalid as exc:
        got = f"a value of {len(raw)} characters" if key.secret else repr(raw)
        raise ConfigError(f"{key.name}: expected {exc}; got {got}") from None


def _syslog(c: dict[str, Any]) -> SyslogSettings | None:
    if c["SIEM_SYSLOG_URL"] is None:
        return None
    transport, host, port = c["SIEM_SYSLOG_URL"]
    cert, key = c["SIEM_SYSLOG_CLIENT_CERT"], c["SIEM_SYSLOG_CLIENT_KEY"]
    key_secret = c["SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID"]
    if key and key_secret:
        raise ConfigError("SIEM_SYSLOG_CLIENT_KEY: set either SIEM_SYSLOG_CLIENT_KEY or "
                          "SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID, not both")  # fmt: skip
    if cert and not (key or key_secret):
        raise ConfigError("SIEM_SYSLOG_CLIENT_CERT: needs SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID or SIEM_SYSLOG_CLIENT_KEY")
    if (key or key_secret) and not cert:
        raise ConfigError("SIEM_SYSLOG_CLIENT_CERT: expected a client certificate to go with the client key")
    if transport != "tls":
        for name in ("SIEM_SYSLOG_CA_CERT", "SIEM_SYSLOG_CLIENT_CERT"):
            if c[name]:
                raise ConfigError(f"{name}: only used with a tls:// SIEM_SYSLOG_URL; got {transport}://")
    if key and key.startswith("-----BEGIN"):
        log.warning("SIEM_SYSLOG_CLIENT_KEY holds a private key in plaintext config; "
                    "use SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID")  # fmt: skip
    syslog_format = c["SIEM_SYSLOG_FORMAT"]
    udp_max = c["SIEM_SYSLOG_UDP_MAX_BYTES"] or (1024 if syslog_format == "rfc3164" else 8192)
    return SyslogSettings(
        transport=transport, host=host, port=port, format=syslog_format, payload=c["SIEM_SYSLOG_PAYLOAD"],
        facility=c["SIEM_SYSLOG_FACILITY"], hostname=c["SIEM_SYSLOG_HOSTNAME"], app_name=c["SIEM_SYSLOG_APP_NAME"],
        ca_cert=c["SIEM_SYSLOG_CA_CERT"], client_cert=cert, client_key=key, client_key_secret_ocid=key_secret,
        udp_max_bytes=udp_max,
    )  # fmt: skip


def _http(c: dict[str, Any]) -> HttpSettings | None:
    url = c["SIEM_HTTP_URL"]
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname or ""):
        log.warning("SIEM_HTTP_URL uses plain http to %s: records and token travel unencrypted", parts.hostname)
    token, secret = c["SIEM_HTTP_TOKEN"], c["SIEM_HTTP_TOKEN_SECRET_OCID"]
    if token and secret:
        raise ConfigError("SIEM_HTTP_TOKEN: set either SIEM_HTTP_TOKEN or SIEM_HTTP_TOKEN_SECRET_OCID, not both")
    if token:
        log.warning("SIEM_HTTP_TOKEN is set in plaintext config; use SIEM_HTTP_TOKEN_SECRET_OCID (OCI Vault)")
    if c["SIEM_HTTP_FORMAT"] == "splunk-hec" and not (token or secret):
        raise ConfigError("SIEM_HTTP_TOKEN_SECRET_OCID: Splunk HEC needs a token (or SIEM_HTTP_TOKEN for local use)")
    return HttpSettings(
        url=url, format=c["SIEM_HTTP_FORMAT"], token=token, token_secret_ocid=secret, ca_cert=c["SIEM_HTTP_CA_CERT"],
        batch_size=c["SIEM_HTTP_BATCH_SIZE"], splunk_index=c["SIEM_SPLUNK_INDEX"],
        splunk_sourcetype=c["SIEM_SPLUNK_SOURCETYPE"],
    )  # fmt: skip


def _tickets(c: dict[str, Any]) -> TicketSettings | None:
    system = c["TICKET_SYSTEM"]
    if system == "none":
        return None
    url = c["TICKET_URL"]
    if url is None:
        if system != "pagerduty":
            raise ConfigError(f"TICKET_URL: expected the {system} URL (https://...) for TICKET_SYSTEM={system}")
        url = PAGERDUTY_URL
    secret = c["TICKET_SECRET_OCID"]
    needed = ("TICKET_ROUTING_KEY",) if system == "pagerduty" else ("TICKET_USERNAME", "TICKET_PASSWORD")
    if secret and any(c[k] for k in needed):
        raise ConfigError(f"TICKET_SECRET_OCID: set either TICKET_SECRET_OCID or {' and '.join(needed)}, not both")
    if not secret:
        missing = [k for k in needed if not c[k]]
        if missing:
            needs = " and ".join(missing)
            raise ConfigError(f"TICKET_SECRET_OCID: {system} needs credentials: a Vault secret, or {needs}")
        log.warning("%s set in plaintext config; use TICKET_SECRET_OCID (OCI Vault)", " and ".join(needed))
    if system == "jira" and not c["TICKET_JIRA_PROJECT"]:
        raise ConfigError("TICKET_JIRA_PROJECT: expected the Jira project key for TICKET_SYSTEM=jira")
    return TicketSettings(
        system=system, url=url, min_risk=c["TICKET_MIN_RISK"], secret_ocid=secret, username=c["TICKET_USERNAME"],
        password=c["TICKET_PASSWORD"], routing_key=c["TICKET_ROUTING_KEY"], jira_project=c["TICKET_JIRA_PROJECT"],
        jira_issue_type=c["TICKET_JIRA_ISSUE_TYPE"], servicenow_close_code=c["TICKET_SERVICENOW_CLOSE_CODE"],
    )  # fmt: skip


def _collect(c: dict[str, Any]) -> CollectSettings:
    sources = c["COLLECT_SOURCES"] or ()
    if "logsearch" in sources and not c["COLLECT_QUERIES"]:
        raise ConfigError("COLLECT_QUERIES: the logsearch source needs at least one named query")
    return CollectSettings(
        sources=sources, audit_method=c["COLLECT_AUDIT_METHOD"], lookback_minutes=c["COLLECT_LOOKBACK_MINUTES"],
        lag_minutes=c["COLLECT_LAG_MINUTES"], queries=c["COLLECT_QUERIES"] or {}, regions=c["COLLECT_REGIONS"],
        tenancy=c["COLLECT_TENANCY_OCID"], workers=c["COLLECT_WORKERS"], checkpoint_bucket=c["CHECKPOINT_BUCKET"],
        checkpoint_namespace=c["CHECKPOINT_NAMESPACE"],
        endpoints={"identity": c["OCI_IDENTITY_ENDPOINT"], "audit": c["OCI_AUDIT_ENDPOINT"],
                   "cloudguard": c["OCI_CLOUDGUARD_ENDPOINT"], "logsearch": c["OCI_LOGGING_SEARCH_ENDPOINT"],
                   "objectstorage": c["OCI_OBJECTSTORAGE_ENDPOINT"]},
    )  # fmt: skip


def _detection(c: dict[str, Any]) -> DetectionSettings:
    url, ca, secret = c["DETECTION_STATE_URL"], c["DETECTION_STATE_CA_CERT"], c["DETECTION_STATE_PASSWORD_SECRET_OCID"]
    password = c["DETECTION_STATE_PASSWORD"]
    for bad, message in (
        ((secret or password) and not url, "DETECTION_STATE_URL: a Redis password is set but no Redis URL"),
        (secret and password, "DETECTION_STATE_PASSWORD: set either it or DETECTION_STATE_PASSWORD_SECRET_OCID"),
        (url and urlsplit(url).password, "DETECTION_STATE_URL: expected no password in the URL; use "
                                         "DETECTION_STATE_PASSWORD_SECRET_OCID"),
        (ca and not (url or "").startswith("rediss://"), "DETECTION_STATE_CA_CERT: needs a rediss:// Redis URL"),
    ):  # fmt: skip
        if bad:
            raise ConfigError(message)
    if password:
        log.warning("DETECTION_STATE_PASSWORD is set in plaintext config; use DETECTION_STATE_PASSWORD_SECRET_OCID")
    return DetectionSettings(c["DETECTION_RULES"], c["DETECTION_DISABLE"], url, ca, secret, password)
