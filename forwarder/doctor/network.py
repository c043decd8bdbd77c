"""Doctor's checks of what lies outside OCI: each SIEM sink, the ticket system, Redis.

A sink is checked link by link: DNS, TCP connect, then TLS with the sink's own context (certificate and
host name verified, the client certificate presented), so a failure names the link that broke. Nothing
reaches a SIEM: a syslog frame or a webhook POST would be stored as an event, so those are checked up to
the handshake and the check says so. Splunk HEC has harmless probes: its health endpoint, and a POST
with no event, which HEC answers "No data" (code 5) for a valid token and 401/403 for a refused one.
A ticket system is checked with the read call the tracker makes before opening a ticket (a search for a
probe key that matches nothing); PagerDuty's Events API has no read call, so only its link is checked.
"""

from __future__ import annotations

import socket
import ssl
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from forwarder.doctor import FAIL, OK, WARN, Check
from forwarder.sinks import build
from forwarder.sinks.base import close_quietly

#: A certificate expiring within this many days is a warning.
EXPIRY_DAYS = 14
PROBE_KEY = "oci-forwarder-doctor-probe"


def _link(
    label: str, host: str, port: int, seconds: float, context: ssl.SSLContext | None, key: str, ca_key: str | None
) -> Check:
    """DNS, TCP and (with `context`) a verified TLS handshake to host:port; `key` names the setting of the
    address, `ca_key` the one of the CA bundle (None: the system's trust store only)."""
    try:
        address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4]
    except OSError as exc:
        return Check(label, FAIL, f"DNS: cannot resolve {host}: {exc}", f"check the host name in {key}")
    try:
        sock = socket.create_connection((host, port), timeout=seconds)
    except OSError as exc:
        return Check(
            label,
            FAIL,
            f"TCP connect to {host}:{port} ({address[0]}): {exc.strerror or exc}",
            f"make the receiver listen on {host}:{port}, and give the function's subnet a route and egress rule "
            "to it (security list or network security group)",
        )
    with sock:
        if context is None:
            return Check(label, OK, f"resolved {host} ({address[0]}), connected to port {port}")
        try:
            with context.wrap_socket(sock, server_hostname=host) as tls:
                cert, version = tls.getpeercert(), tls.version()
                tls.settimeout(0.2)
                try:  # TLS 1.3 servers refuse a client certificate after the handshake: read their alert
                    tls.recv(1)
                except (TimeoutError, ssl.SSLWantReadError, BlockingIOError):
                    pass
                close_quietly(tls)  # with close_notify, as the sink closes
        except ssl.SSLCertVerificationError as exc:
            return Check(label, FAIL, f"TLS to {host}:{port}: {exc.verify_message}", _cert_fix(exc, host, key, ca_key))
        except (ssl.SSLError, OSError) as exc:
            return Check(
                label,
                FAIL,
                f"TLS to {host}:{port}: {getattr(exc, 'reason', None) or exc}",
                "the receiver refused the handshake: if it asks for a client certificate, set the client certificate "
                "and key keys of this sink; check both sides allow TLS 1.2 or later",
            )
    return _expiry(label, f"resolved, connected, {version} verified", cert)


#: OpenSSL's X509_V_ERR codes of a verification failure (`SSLCertVerificationError.verify_code`).
CERT_EXPIRED, CERT_NOT_YET_VALID, HOSTNAME_MISMATCH = 10, 9, 62


def _cert_fix(exc: ssl.SSLCertVerificationError, host: str, key: str, ca_key: str | None) -> str:
    if exc.verify_code == CERT_EXPIRED:
        return "the receiver's certificate has expired: renew it"
    if exc.verify_code == CERT_NOT_YET_VALID:
        return "the receiver's certificate is not valid yet: check its start date and the receiver's clock"
    if exc.verify_code == HOSTNAME_MISMATCH:
        return f"the certificate does not name {host}: reissue it for {host} or use a name it holds in {key}"
    if ca_key is None:
        return "the receiver's certificate is not signed by a CA of the system's trust store"
    return f"the receiver's certificate is not trusted: set {ca_key} to the CA that issued it"


def _expiry(label: str, detail: str, cert: dict | None) -> Check:
    if not cert or "notAfter" not in cert:
        return Check(label, OK, detail + " (certificate not verified: SIEM_TLS_INSECURE_SKIP_VERIFY)")
    ends = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    subject = ", ".join("=".join(pair) for rdn in cert.get("subject", ()) for pair in rdn)
    days = (ends - datetime.now(UTC)).days
    text = f"{detail}: certificate {subject}, valid until {ends:%Y-%m-%d}"
    if days < EXPIRY_DAYS:
        left = f"{days} day left" if days == 1 else f"{days} days left"
        return Check(label, WARN, f"{text} ({left})", "renew the receiver's certificate before it expires")
    return Check(label, OK, text)


def _seconds(probe) -> float:
    return max(0.1, min(probe.settings.timeout, probe.deadline - time.monotonic()))


def syslog(probe) -> Check | None:
    """The syslog receiver (SIEM_SYSLOG_URL): DNS, TCP, TLS; nothing is sent."""
    s = probe.settings.syslog
    if s is None:
        return None
    label = f"sink syslog {s.transport}://{s.host}:{s.port}"
    if s.transport == "udp":
        try:
            socket.getaddrinfo(s.host, s.port, type=socket.SOCK_DGRAM)
        except OSError as exc:
            return Check(label, FAIL, f"DNS: cannot resolve {s.host}: {exc}", "check the host name in SIEM_SYSLOG_URL")
        return Check(label, OK, f"resolved {s.host}; UDP has no answer to check, and any datagram would be a message")
    context = build.syslog_context(s, probe.clients, probe.settings.insecure_skip_verify)
    found = _link(label, s.host, s.port, _seconds(probe), context, "SIEM_SYSLOG_URL", "SIEM_SYSLOG_CA_CERT")
    if found.status != FAIL:
        found.detail += "; nothing sent (every syslog frame would be stored as an event)"
    return found


def http(probe) -> list[Check]:
    """The HTTP sink (SIEM_HTTP_URL): DNS, TCP, TLS; for Splunk HEC its health endpoint and the token."""
    h = probe.settings.http
    if h is None:
        return []
    parts = urlsplit(h.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    label = f"sink http {parts.scheme}://{parts.hostname}:{port}"
    context = build.http_context(h, probe.settings.insecure_skip_verify) if parts.scheme == "https" else None
    link = _link(label, parts.hostname, port, _seconds(probe), context, "SIEM_HTTP_URL", "SIEM_HTTP_CA_CERT")
    if link.status == FAIL:
        return [link]
    if h.format != "splunk-hec":
        link.detail += "; nothing sent (a webhook has no harmless probe: any POST would be taken as records)"
        return [link]
    return [link, _hec(probe, h, context)]


def _hec(probe, h, context) -> Check:
    import httpx

    token = build.http_token(h, probe.clients)
    base = urlsplit(h.url)._replace(path="", query="").geturl()
    label = "sink splunk-hec token"
    with httpx.Client(verify=context or True, timeout=_seconds(probe), follow_redirects=False) as client:
        try:
            health = client.get(base + "/services/collector/health")
            empty = client.post(h.url, content=b"", headers={"Authorization": f"Splunk {token}"})
        except httpx.HTTPError as exc:
            return Check(label, FAIL, f"HEC: {type(exc).__name__}: {exc}", "check SIEM_HTTP_URL")
    said = _hec_text(empty)
    if empty.status_code in (401, 403):
        return Check(
            label,
            FAIL,
            f"HEC refused the token: HTTP {empty.status_code} {said}",
            "put a valid, enabled HEC token in SIEM_HTTP_TOKEN_SECRET_OCID (Splunk: Settings > Data inputs > "
            "HTTP Event Collector)",
        )
    if health.status_code != 200:
        return Check(
            label,
            FAIL,
            f"HEC health: HTTP {health.status_code} {_hec_text(health)}",
            "HEC is not taking events (disabled, or its queues are full): see Splunk's HTTP Event Collector settings",
        )
    if empty.status_code not in (200, 400):
        return Check(label, FAIL, f"HEC answered a POST with no event: HTTP {empty.status_code} {said}", None)
    return Check(label, OK, f"HEC healthy; token accepted (a POST with no event: {said or empty.status_code})")


def _hec_text(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text[:100].split())
    return str(body.get("text", "")) if isinstance(body, dict) else ""


def tickets(probe) -> Check | None:
    """The ticket system: its link, then an authenticated read (a search for a key that matches nothing)."""
    from forwarder.retry import Failure
    from forwarder.tickets import config

    t = probe.settings.tickets
    if t is None:
        return None
    label = f"tickets {t.system}"
    tracker = config.build(t, probe.clients, probe.settings.timeout)
    system = tracker.system
    if not getattr(system, "can_find", False):
        parts = urlsplit(t.url)
        context = ssl.create_default_context()
        found = _link(label, parts.hostname, parts.port or 443, _seconds(probe), context, "TICKET_URL", None)
        if found.status != FAIL:
            found.detail += "; the routing key cannot be checked without sending an event (the Events API has no read)"
        return found
    try:
        system.find(PROBE_KEY, probe.step())
    except Failure as failure:
        fix = "check TICKET_URL and the credentials in TICKET_SECRET_OCID"
        if failure.status in (401, 403):
            fix = (
                "the credentials were refused: TICKET_SECRET_OCID holds JSON {username, password} for ServiceNow "
                "(a user with the itil role) or {email, api_token} for Jira"
            )
        return Check(label, FAIL, f"authenticated read: {failure.reason}", fix)
    return Check(label, OK, f"authenticated read of {t.url} answered; nothing created")


def redis(probe) -> Check | None:
    """Redis of the detection state (DETECTION_STATE_URL): AUTH and a PING round trip."""
    d = probe.settings.detection
    if not d.state_url:
        return None
    import redis

    from forwarder.detect.config import state_password
    from forwarder.detect.shared_state import RedisState

    password = state_password(d, probe.clients)
    where = urlsplit(d.state_url)
    label = f"detection state {where.scheme}://{where.hostname}:{where.port or 6379}"
    try:
        RedisState(d.state_url, password=password, ca_cert=d.ca_cert).ping()
    except redis.exceptions.AuthenticationError as exc:
        fix = "the password was refused: put Redis's password in DETECTION_STATE_PASSWORD_SECRET_OCID"
        return Check(label, FAIL, f"AUTH: {exc}", fix)
    except (redis.exceptions.RedisError, OSError) as exc:
        fix = "check DETECTION_STATE_URL, the network path to it, and DETECTION_STATE_CA_CERT for rediss://"
        return Check(label, FAIL, f"{type(exc).__name__}: {exc} (detection falls back to per-container memory)", fix)
    return Check(label, OK, "AUTH and PING answered")


CHECKS = (syslog, http, tickets, redis)
