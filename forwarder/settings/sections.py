"""The sections of `Settings`, each built from the parsed keys (`c`: key name -> typed value) and checked
for combinations that cannot work (naming the key to change). Called by `forwarder.settings.load_settings`."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from forwarder.settings import (
    PAGERDUTY_URL,
    CollectSettings,
    ConfigError,
    DetectionSettings,
    HttpSettings,
    ReportSettings,
    SyslogSettings,
    TicketSettings,
)
from forwarder.settings.values import is_loopback

log = logging.getLogger("forwarder")

#: SIEM_SYSLOG_URL schemes that run over TLS (certificate verified; CA and client certificate keys apply).
TLS_TRANSPORTS = ("tls", "relp+tls")


def syslog(c: dict[str, Any]) -> SyslogSettings | None:
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
    if transport not in TLS_TRANSPORTS:
        for name in ("SIEM_SYSLOG_CA_CERT", "SIEM_SYSLOG_CLIENT_CERT"):
            if c[name]:
                raise ConfigError(f"{name}: only used with a tls:// or relp+tls:// SIEM_SYSLOG_URL; got {transport}://")
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


def http(c: dict[str, Any]) -> HttpSettings | None:
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


def tickets(c: dict[str, Any]) -> TicketSettings | None:
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


def collect(c: dict[str, Any]) -> CollectSettings:
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
                   "objectstorage": c["OCI_OBJECTSTORAGE_ENDPOINT"], "notification": c["OCI_NOTIFICATION_ENDPOINT"]},
    )  # fmt: skip


def detection(c: dict[str, Any]) -> DetectionSettings:
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


def report(c: dict[str, Any]) -> ReportSettings:
    if c["REPORT_LINK_HOURS"] and not c["REPORT_BUCKET"]:
        raise ConfigError("REPORT_LINK_HOURS: a read link needs REPORT_BUCKET (reports in a bucket)")
    return ReportSettings(c["REPORT_BUCKET"], c["REPORT_NAMESPACE"], c["REPORT_TIMEZONE"], c["REPORT_TOPIC_OCID"],
                          c["REPORT_LINK_HOURS"], c["REPORT_HTML_ROWS"])  # fmt: skip
