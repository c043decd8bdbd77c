"""The SIEM sinks built from their settings (`sinks.config`): TLS contexts, Vault secrets, transports.

Reads what settings only name: the syslog client key and the HTTP token from Vault (registered as
secrets, never logged), CA bundles and client certificates from files or PEM text, each checked here
so a bad one is a ConfigError naming its key at cold start, not a failure at the first event.
"""

from __future__ import annotations

from forwarder.oci.vault import read_secret, secret_or_plain
from forwarder.runtime.scrub import register
from forwarder.runtime.tls import checked_context
from forwarder.sinks.config import TLS_TRANSPORTS, HttpSettings, SyslogSettings


def syslog_sink(s: SyslogSettings, clients, timeout: float, insecure_skip_verify: bool = False):
    """The syslog sink (`SyslogSink` for udp/tcp/tls, `RelpSink` for relp/relp+tls).

    Raises:
        ConfigError: a CA bundle, client certificate or key is unusable (named by key).
        forwarder.oci.vault.SecretError: the client key's Vault secret cannot be read.
    """
    context = syslog_context(s, clients, insecure_skip_verify)
    if s.transport.startswith("relp"):
        from forwarder.sinks.relp import RelpSink

        return RelpSink(s.host, s.port, ssl_context=context, timeout=timeout)
    from forwarder.sinks.syslog import SyslogSink

    return SyslogSink(s.transport, s.host, s.port, ssl_context=context, timeout=timeout, udp_max_bytes=s.udp_max_bytes)


def syslog_context(s: SyslogSettings, clients, insecure_skip_verify: bool = False):
    """The TLS context of a tls:// or relp+tls:// syslog sink (its CA, its client certificate and key, the
    key read from Vault), None for the other transports.

    Raises:
        ConfigError: a CA bundle, client certificate or key is unusable (named by key).
        forwarder.oci.vault.SecretError: the client key's Vault secret cannot be read.
    """
    if s.transport not in TLS_TRANSPORTS:
        return None
    key, key_name = s.client_key, "SIEM_SYSLOG_CLIENT_KEY"
    if s.client_key_secret_ocid:
        key_name = "SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID"
        key = read_secret(s.client_key_secret_ocid, key=key_name, clients=clients)
    register(key if key and key.startswith("-----BEGIN") else None)
    names = {"ca": "SIEM_SYSLOG_CA_CERT", "cert": "SIEM_SYSLOG_CLIENT_CERT", "key": key_name}
    return checked_context(names, s.ca_cert, s.client_cert, key, verify=not insecure_skip_verify)


def http_token(h: HttpSettings, clients) -> str | None:
    """The HTTP sink's token: from Vault (SIEM_HTTP_TOKEN_SECRET_OCID), else the plaintext one; registered
    as a secret.

    Raises:
        forwarder.oci.vault.SecretError: the token's Vault secret cannot be read.
    """
    return secret_or_plain(h.token, h.token_secret_ocid, key="SIEM_HTTP_TOKEN_SECRET_OCID", clients=clients)


def http_context(h: HttpSettings, insecure_skip_verify: bool = False):
    """The HTTP sink's TLS context (SIEM_HTTP_CA_CERT, else the system's trust store).

    Raises:
        ConfigError: the CA bundle is unusable.
    """
    return checked_context({"ca": "SIEM_HTTP_CA_CERT"}, h.ca_cert, verify=not insecure_skip_verify)


def http_sink(h: HttpSettings, clients, timeout: float, insecure_skip_verify: bool = False):
    """The HTTP sink, its token (Vault, or plaintext for local use) sent as `Splunk <token>` to HEC and
    `Bearer <token>` to a webhook.

    Raises:
        ConfigError: the CA bundle is unusable.
        forwarder.oci.vault.SecretError: the token's Vault secret cannot be read.
    """
    from forwarder.sinks.http import HttpSink, hec_answer, webhook_answer

    token = http_token(h, clients)
    headers = {"Content-Type": "application/json", "User-Agent": "oci-security-forwarder"}
    if h.format == "splunk-hec":
        headers["Authorization"] = f"Splunk {token}"
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    context = http_context(h, insecure_skip_verify)
    answer = hec_answer if h.format == "splunk-hec" else webhook_answer
    return HttpSink(h.url, headers, context, timeout=timeout, answer=answer)
