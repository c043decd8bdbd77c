"""Builds the data path from validated settings: routes (format + sink), tickets, dead letter.

Reads what settings only name: Vault secrets (tokens, keys, ticket credentials) and certificate files
or PEM text. Run once per container (`forwarder.handler`) or per CLI run.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from forwarder.delivery.deadletter import DeadLetter
from forwarder.delivery.pipeline import Pipeline
from forwarder.delivery.route import Route
from forwarder.formats import PAYLOADS, http_bodies, record_json
from forwarder.formats import syslog as syslog_format
from forwarder.normalize.credentials import scrub_bytes
from forwarder.runtime.scrub import register
from forwarder.runtime.tls import TlsMaterialError, client_context
from forwarder.runtime.vault import SecretError, read_secret
from forwarder.settings import ConfigError, Settings

if TYPE_CHECKING:
    from forwarder.detect.engine import Detector
    from forwarder.normalize.record import Record
    from forwarder.tickets import Tracker


def build(settings: Settings) -> Pipeline:
    """The pipeline `settings` configure (reads Vault secrets and certificates, once).

    Raises:
        ConfigError: a CA bundle, client certificate or key is missing, unreadable or not PEM (named by key).
        forwarder.runtime.vault.SecretError: a configured Vault secret cannot be read.
    """
    dead_letter = None
    if settings.dead_letter is not None:
        d = settings.dead_letter
        dead_letter = DeadLetter(d.bucket, d.namespace, d.endpoint, timeout=settings.timeout)
    tracker = build_tracker(settings) if settings.tickets else None
    return Pipeline(build_routes(settings), region=settings.region, tracker=tracker, dead_letter=dead_letter,
                    detector=build_detector(settings))  # fmt: skip


def build_detector(settings: Settings) -> Detector | None:
    """The detector: the built-in pack minus DETECTION_DISABLE, plus DETECTION_RULES; windows in Redis when
    DETECTION_STATE_URL is set. None when no rule is left.

    Raises:
        ConfigError: a rule file does not compile (named: file and rule), or DETECTION_DISABLE names no rule.
        forwarder.runtime.vault.SecretError: the Redis password secret cannot be read.
    """
    from forwarder.detect import RuleError
    from forwarder.detect.engine import Detector
    from forwarder.detect.pack import load

    d = settings.detection
    try:
        rules = load(d.rules, d.disable, endpoint=settings.collect.endpoints["objectstorage"], timeout=settings.timeout)
    except RuleError as exc:
        raise ConfigError(str(exc)) from None
    if not rules:
        return None
    state = None
    if d.state_url:
        from forwarder.detect.shared_state import RedisState

        password = d.password
        if d.password_secret_ocid:
            key = "DETECTION_STATE_PASSWORD_SECRET_OCID"
            password = read_secret(d.password_secret_ocid, key=key, endpoint=settings.secrets_endpoint)
        register(password)
        if d.ca_cert:  # checked here, naming its key, not at the first connection (that would only degrade)
            _context(("DETECTION_STATE_CA_CERT", "", ""), d.ca_cert)
        state = RedisState(d.state_url, password=password, ca_cert=d.ca_cert)
    return Detector(rules, state)


def _context(keys: tuple[str, str, str], ca: str | None, cert: str | None = None, key: str | None = None,
             verify: bool = True) -> ssl.SSLContext:  # fmt: skip
    """A verifying TLS context; unusable material is a ConfigError naming its key (`keys`: ca, cert, key)."""
    try:
        return client_context(ca, cert, key, verify=verify)
    except TlsMaterialError as exc:
        name = dict(zip(("ca", "cert", "key"), keys, strict=True))[exc.part]
        raise ConfigError(f"{name}: {exc.reason}") from None


def build_routes(settings: Settings) -> list[Route]:
    """The routes for `settings`: syslog and/or HTTP, or the log sink when neither is set."""
    routes: list[Route] = []
    if settings.syslog:
        from forwarder.settings.sections import TLS_TRANSPORTS

        s = settings.syslog
        context = None
        if s.transport in TLS_TRANSPORTS:
            key = s.client_key
            key_name = "SIEM_SYSLOG_CLIENT_KEY"
            if s.client_key_secret_ocid:
                key_name = "SIEM_SYSLOG_CLIENT_KEY_SECRET_OCID"
                key = read_secret(s.client_key_secret_ocid, key=key_name, endpoint=settings.secrets_endpoint)
            register(key if key and key.startswith("-----BEGIN") else None)
            context = _context(("SIEM_SYSLOG_CA_CERT", "SIEM_SYSLOG_CLIENT_CERT", key_name), s.ca_cert, s.client_cert,
                               key, verify=not settings.insecure_skip_verify)  # fmt: skip
        if s.transport.startswith("relp"):
            from forwarder.sinks.relp import RelpSink

            sink = RelpSink(s.host, s.port, ssl_context=context, timeout=settings.timeout)
        else:
            from forwarder.sinks.syslog import SyslogSink

            sink = SyslogSink(s.transport, s.host, s.port, ssl_context=context, timeout=settings.timeout,
                              udp_max_bytes=s.udp_max_bytes)  # fmt: skip
        frame = syslog_format.rfc5424 if s.format == "rfc5424" else syslog_format.rfc3164
        payload = scrubbed(PAYLOADS[s.payload])  # credentials masked before a UDP cut
        facility, hostname, app_name, limit = s.facility, s.hostname, s.app_name, sink.max_payload_bytes

        def item(record):  # per-route constants bound once
            return frame(record, payload(record), facility=facility, hostname=hostname, app_name=app_name,
                         max_bytes=limit)  # fmt: skip

        routes.append(Route(item, sink))
    if settings.http:
        from forwarder.sinks.http import HttpSink

        h = settings.http
        token = h.token
        if h.token_secret_ocid:
            key = "SIEM_HTTP_TOKEN_SECRET_OCID"
            token = read_secret(h.token_secret_ocid, key=key, endpoint=settings.secrets_endpoint)
        register(token)
        headers = {"Content-Type": "application/json", "User-Agent": "oci-security-forwarder"}
        if h.format == "splunk-hec":
            item = partial(http_bodies.hec_item, index=h.splunk_index, sourcetype=h.splunk_sourcetype,
                           source="oci:forwarder", host="oci")  # fmt: skip
            join = http_bodies.hec_join
            headers["Authorization"] = f"Splunk {token}"
        else:
            item, join = http_bodies.webhook_item, http_bodies.webhook_join
            if token:
                headers["Authorization"] = f"Bearer {token}"
        context = _context(("SIEM_HTTP_CA_CERT", "", ""), h.ca_cert, verify=not settings.insecure_skip_verify)
        routes.append(Route(scrubbed(item), HttpSink(h.url, headers, context, timeout=settings.timeout), join=join,
                            batch_size=h.batch_size))  # fmt: skip
    if not routes:
        from forwarder.sinks.log import LogSink

        routes.append(Route(scrubbed(record_json.encode), LogSink()))
    return routes


def scrubbed(encode: Callable[[Record], bytes]) -> Callable[[Record], bytes]:
    """`encode` whose output has every credential pattern masked (`normalize.credentials`): the second
    line of defence behind `normalize.redact`, for shapes no field rule knows."""

    def item(record: Record) -> bytes:
        return scrub_bytes(encode(record))

    return item


def build_tracker(settings: Settings) -> Tracker:
    """The ticket tracker for `settings.tickets` (reads the Vault credentials secret, once).

    Raises:
        forwarder.runtime.vault.SecretError: the secret cannot be read, is not JSON, or lacks a field.
    """
    from forwarder.tickets import Tracker

    t = settings.tickets
    assert t is not None
    username, password, routing_key = t.username, t.password, t.routing_key
    if t.secret_ocid:
        raw = read_secret(t.secret_ocid, key="TICKET_SECRET_OCID", endpoint=settings.secrets_endpoint)
        try:
            creds = json.loads(raw)
        except ValueError:
            creds = None
        if not isinstance(creds, dict):
            raise SecretError("TICKET_SECRET_OCID: the secret is not a JSON object")
        username = creds.get("username") or creds.get("email")
        password = creds.get("password") or creds.get("api_token")
        routing_key = creds.get("routing_key")
        wanted = ("routing_key",) if t.system == "pagerduty" else ("username/email", "password/api_token")
        values = (routing_key,) if t.system == "pagerduty" else (username, password)
        missing = [name for name, value in zip(wanted, values, strict=True) if not value]
        if missing:
            raise SecretError(f"TICKET_SECRET_OCID: the secret lacks {', '.join(missing)} for {t.system}")
    register(password, routing_key)
    if t.system == "servicenow":
        from forwarder.tickets.servicenow import ServiceNow

        system = ServiceNow(t.url, username, password, close_code=t.servicenow_close_code, timeout=settings.timeout)
    elif t.system == "jira":
        from forwarder.tickets.jira import Jira

        system = Jira(t.url, username, password, project=t.jira_project, issue_type=t.jira_issue_type,
                      timeout=settings.timeout)  # fmt: skip
    else:
        from forwarder.tickets.pagerduty import PagerDuty

        system = PagerDuty(t.url, routing_key, timeout=settings.timeout)
    return Tracker(system, min_risk=t.min_risk)
