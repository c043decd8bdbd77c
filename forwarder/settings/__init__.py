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

from forwarder.settings.keys import FUNCTION_KEYS, KEY_NAMES, KEYS, PREFIXES, Key
from forwarder.settings.values import Invalid, shown

__all__ = ["ConfigError", "CollectSettings", "ReportSettings", "Settings", "load_settings", "KEYS", "KEY_NAMES",
           "FUNCTION_KEYS", "Key"]  # fmt: skip

log = logging.getLogger("forwarder")

PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"


class ConfigError(ValueError):
    """A configuration key is unknown, or its value is bad. The message starts with the key's name."""


@dataclass(frozen=True)
class SyslogSettings:
    """Where and how to send syslog (SIEM_SYSLOG_*)."""

    transport: str  #: "udp", "tcp", "tls", "relp" or "relp+tls"
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


class ReportSettings(NamedTuple):
    """Where daily change reports go and how they read (REPORT_*)."""

    bucket: str | None  #: None: not a reporter (the CLI writes to a folder)
    namespace: str | None
    timezone: str  #: IANA name
    topic: str | None  #: Notifications topic OCID
    link_hours: int | None  #: pre-authenticated link lifetime; None: no link
    html_rows: int


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
    report: ReportSettings


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
    from forwarder.settings import sections  # it builds the classes above

    settings = Settings(
        syslog=sections.syslog(c),
        http=sections.http(c),
        tickets=sections.tickets(c),
        dead_letter=DeadLetterSettings(c["DEAD_LETTER_BUCKET"], c["DEAD_LETTER_NAMESPACE"],
                                       c["OCI_OBJECTSTORAGE_ENDPOINT"]) if c["DEAD_LETTER_BUCKET"] else None,
        timeout=c["SIEM_TIMEOUT_SECONDS"],
        insecure_skip_verify=c["SIEM_TLS_INSECURE_SKIP_VERIFY"],
        region=c["OCI_RESOURCE_PRINCIPAL_REGION"],
        secrets_endpoint=c["OCI_SECRETS_ENDPOINT"],
        collect=sections.collect(c),
        detection=sections.detection(c),
        report=sections.report(c),
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
    got = f"a value of {len(raw)} characters" if key.secret else repr(shown(raw[:200]))
    try:
        return key.parse(raw)
    except Invalid as exc:
        raise ConfigError(f"{key.name}: expected {exc}; got {got}") from None
    except Exception as exc:  # a parser that raised what is not Invalid: still the key's error, and only that
        raise ConfigError(f"{key.name}: cannot be read ({type(exc).__name__}); got {got}") from None
