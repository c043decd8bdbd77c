"""The SIEM sinks' configuration (SIEM_*): keys, typed settings, and the checks of combinations that cannot work.

`sections(c)` (`c`: key name -> parsed value) gives the settings of the syslog and HTTP sinks, raising
`ConfigError` naming the key to change; `sinks.build` builds the sinks from them.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from forwarder.config import PEM, SECRET, ConfigError, Key, hidden_repr
from forwarder.config import values as v
from forwarder.formats import PAYLOADS
from forwarder.formats.syslog import FACILITIES

log = logging.getLogger("forwarder")

#: SIEM_SYSLOG_URL schemes that run over TLS (certificate verified; CA and client certificate keys apply).
TLS_TRANSPORTS = ("tls", "relp+tls")
FACILITY = v.one_of_names(FACILITIES, 0, 23, "a facility name (auth, authpriv, audit, local0..local7, ...)")

KEYS: tuple[Key, ...] = (
    Key(
        "SIEM_SYSLOG_URL",
        v.endpoint("udp", "tcp", "tls", "relp", "relp+tls"),
        None,
        "tls://siem.example.com:6514",
        "Syslog receiver: `udp://host:port`, `tcp://host:port` (octet counting, RFC 6587), "
        "`tls://host:port` (RFC 5425, certificate verified), or `relp://host:port` / `relp+tls://host:port` "
        "(RELP: every message answered by the receiver, e.g. rsyslog imrelp).",
    ),
    Key(
        "SIEM_SYSLOG_FORMAT",
        v.choice("rfc5424", "rfc3164"),
        "rfc5424",
        "rfc3164",
        "Syslog header: `rfc5424` or `rfc3164`.",
    ),
    Key(
        "SIEM_SYSLOG_PAYLOAD",
        v.choice(*PAYLOADS),
        "json",
        "cef",
        "Syslog MSG format: `json`, `cef`, `leef` (LEEF 2.0) or `ocsf` (OCSF 1.5.0 events as JSON).",
    ),
    Key(
        "SIEM_SYSLOG_FACILITY",
        FACILITY,
        FACILITIES["local0"],
        "auth",
        "Syslog facility, by name (`auth`, `authpriv`, `audit`, `local0`..`local7`, ...) or number 0-23.",
        shown="local0",
    ),
    Key("SIEM_SYSLOG_HOSTNAME", v.text, "oci", "oci-prod-tenancy", "HOSTNAME field of the syslog header."),
    Key(
        "SIEM_SYSLOG_APP_NAME",
        v.text,
        "oci-forwarder",
        "oci-cloudguard",
        "APP-NAME (RFC 5424) or TAG (RFC 3164: its letters and digits only, `ociforwarder` by default).",
    ),
    Key(
        "SIEM_SYSLOG_CA_CERT",
        PEM,
        None,
        "/function/ca.pem",
        "CA bundle to verify the TLS receiver: a file path or the PEM text itself.",
        shown="(system trust store)",
    ),
    Key(
        "SIEM_SYSLOG_CLIENT_CERT",
        PEM,
        None,
        "/function/client.pem",
        "Client certificate for mutual TLS: a file path or PEM text. Needs a client key.",
    ),
    Key(
        "SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID",
        SECRET,
        None,
        "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the PEM private key of the client certificate.",
    ),
    Key(
        "SIEM_SYSLOG_CLIENT_KEY",
        PEM,
        None,
        "/function/client.key",
        "Client private key as a file path or PEM text, for local use (a warning is logged for inline PEM).",
        scope="local",
        secret=True,
    ),
    Key(
        "SIEM_SYSLOG_UDP_MAX_BYTES",
        v.integer(480, 65507),
        None,
        "2048",
        "Largest UDP datagram, header included; longer messages are cut and marked `...[truncated]`.",
        shown="8192 (rfc5424), 1024 (rfc3164)",
    ),
    Key(
        "SIEM_HTTP_URL",
        v.url("http", "https"),
        None,
        "https://splunk.example.com:8088/services/collector/event",
        "HTTP receiver: a JSON webhook URL, or the Splunk HEC event endpoint.",
    ),
    Key(
        "SIEM_HTTP_FORMAT",
        v.choice("json", "splunk-hec", "ocsf"),
        "json",
        "splunk-hec",
        "`json` (a JSON array of records per request), `splunk-hec` (HEC event envelopes) or `ocsf` (a JSON "
        "array of OCSF 1.5.0 events per request).",
    ),
    Key(
        "SIEM_HTTP_TOKEN_SECRET_OCID",
        SECRET,
        None,
        "ocid1.vaultsecret.oc1..aaaa",
        "Vault secret holding the HTTP token (read with the resource principal, cached per container).",
    ),
    Key(
        "SIEM_HTTP_TOKEN",
        v.text,
        None,
        "00000000-0000-0000-0000-000000000000",
        "Plaintext HTTP token, for local use (a warning is logged). Sent as `Splunk <token>` for HEC, "
        "`Bearer <token>` for the webhook.",
        scope="local",
        secret=True,
    ),
    Key(
        "SIEM_HTTP_CA_CERT",
        PEM,
        None,
        "/function/ca.pem",
        "CA bundle to verify the HTTPS receiver: a file path or the PEM text itself.",
        shown="(system trust store)",
    ),
    Key("SIEM_HTTP_BATCH_SIZE", v.integer(1, 10000), 100, "500", "Most records in one HTTP request (1-10000)."),
    Key("SIEM_SPLUNK_INDEX", v.text, None, "oci_security", "Splunk index for HEC events.", shown="(token default)"),
    Key("SIEM_SPLUNK_SOURCETYPE", v.text, "oci:security", "oci:cloudguard", "Splunk sourcetype for HEC events."),
    Key(
        "SIEM_TLS_INSECURE_SKIP_VERIFY",
        v.boolean,
        False,
        "true",
        "Turns off certificate verification of the syslog TLS and HTTPS receivers. For lab use only: a warning "
        "is logged at every cold start. Prefer SIEM_SYSLOG_CA_CERT / SIEM_HTTP_CA_CERT.",
    ),
    Key(
        "SIEM_TIMEOUT_SECONDS",
        v.number(0.1, 300),
        10.0,
        "5",
        "Connect and I/O timeout of each sink operation, in seconds (bounded by the invocation deadline).",
        shown="10",
    ),
)


class SyslogSettings(NamedTuple):
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
    client_key: str | None  #: path or PEM text (local use)
    client_key_secret_ocid: str | None
    udp_max_bytes: int

    def __repr__(self) -> str:
        return hidden_repr(self, ("client_key",))


class HttpSettings(NamedTuple):
    """Where and how to POST records (SIEM_HTTP_*, SIEM_SPLUNK_*)."""

    url: str
    format: str  #: "json", "splunk-hec" or "ocsf"
    token: str | None  #: plaintext token (local use)
    token_secret_ocid: str | None
    ca_cert: str | None
    batch_size: int
    splunk_index: str | None
    splunk_sourcetype: str

    def __repr__(self) -> str:
        return hidden_repr(self, ("token",))


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The sinks' part of `forwarder.settings.Settings`."""
    if c["SIEM_TLS_INSECURE_SKIP_VERIFY"]:
        log.warning(
            "SIEM_TLS_INSECURE_SKIP_VERIFY=true: SIEM TLS certificates are NOT verified; anyone on the path can "
            "read and alter events. Set SIEM_SYSLOG_CA_CERT / SIEM_HTTP_CA_CERT instead."
        )
    return {
        "syslog": syslog(c),
        "http": http(c),
        "timeout": c["SIEM_TIMEOUT_SECONDS"],
        "insecure_skip_verify": c["SIEM_TLS_INSECURE_SKIP_VERIFY"],
    }


def syslog(c: dict[str, Any]) -> SyslogSettings | None:
    if c["SIEM_SYSLOG_URL"] is None:
        return None
    transport, host, port = c["SIEM_SYSLOG_URL"]
    cert, key = c["SIEM_SYSLOG_CLIENT_CERT"], c["SIEM_SYSLOG_CLIENT_KEY"]
    key_secret = c["SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID"]
    if key and key_secret:
        raise ConfigError(
            "SIEM_SYSLOG_CLIENT_KEY: set either SIEM_SYSLOG_CLIENT_KEY or SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID, not both"
        )
    if cert and not (key or key_secret):
        raise ConfigError("SIEM_SYSLOG_CLIENT_CERT: needs SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID or SIEM_SYSLOG_CLIENT_KEY")
    if (key or key_secret) and not cert:
        raise ConfigError("SIEM_SYSLOG_CLIENT_CERT: expected a client certificate to go with the client key")
    if transport not in TLS_TRANSPORTS:
        for name in ("SIEM_SYSLOG_CA_CERT", "SIEM_SYSLOG_CLIENT_CERT"):
            if c[name]:
                raise ConfigError(f"{name}: only used with a tls:// or relp+tls:// SIEM_SYSLOG_URL; got {transport}://")
    if key and key.startswith("-----BEGIN"):
        log.warning(
            "SIEM_SYSLOG_CLIENT_KEY holds a private key in plaintext config; use SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID"
        )
    syslog_format = c["SIEM_SYSLOG_FORMAT"]
    udp_max = c["SIEM_SYSLOG_UDP_MAX_BYTES"] or (1024 if syslog_format == "rfc3164" else 8192)
    return SyslogSettings(
        transport=transport,
        host=host,
        port=port,
        format=syslog_format,
        payload=c["SIEM_SYSLOG_PAYLOAD"],
        facility=c["SIEM_SYSLOG_FACILITY"],
        hostname=c["SIEM_SYSLOG_HOSTNAME"],
        app_name=c["SIEM_SYSLOG_APP_NAME"],
        ca_cert=c["SIEM_SYSLOG_CA_CERT"],
        client_cert=cert,
        client_key=key,
        client_key_secret_ocid=key_secret,
        udp_max_bytes=udp_max,
    )


def http(c: dict[str, Any]) -> HttpSettings | None:
    url = c["SIEM_HTTP_URL"]
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() == "http" and not v.is_loopback(parts.hostname or ""):
        log.warning("SIEM_HTTP_URL uses plain http to %s: records and token travel unencrypted", parts.hostname)
    token, secret = c["SIEM_HTTP_TOKEN"], c["SIEM_HTTP_TOKEN_SECRET_OCID"]
    if token and secret:
        raise ConfigError("SIEM_HTTP_TOKEN: set either SIEM_HTTP_TOKEN or SIEM_HTTP_TOKEN_SECRET_OCID, not both")
    if token:
        log.warning("SIEM_HTTP_TOKEN is set in plaintext config; use SIEM_HTTP_TOKEN_SECRET_OCID (OCI Vault)")
    if c["SIEM_HTTP_FORMAT"] == "splunk-hec" and not (token or secret):
        raise ConfigError("SIEM_HTTP_TOKEN_SECRET_OCID: Splunk HEC needs a token (or SIEM_HTTP_TOKEN for local use)")
    return HttpSettings(
        url=url,
        format=c["SIEM_HTTP_FORMAT"],
        token=token,
        token_secret_ocid=secret,
        ca_cert=c["SIEM_HTTP_CA_CERT"],
        batch_size=c["SIEM_HTTP_BATCH_SIZE"],
        splunk_index=c["SIEM_SPLUNK_INDEX"],
        splunk_sourcetype=c["SIEM_SPLUNK_SOURCETYPE"],
    )
