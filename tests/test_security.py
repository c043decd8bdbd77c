"""Secrets never leave the function; TLS verification cannot be switched off by accident."""

from __future__ import annotations

import json
import logging

import pytest
from werkzeug import Response

from forwarder.handler import handle
from forwarder.settings import ConfigError, load_settings
from tests.conftest import sample_bytes
from tests.support.oci import ObjectStorageStandIn, resource_principal
from tests.support.ticket_apis import ServiceNowStandIn

HEC_TOKEN = "hec-7d1e5a0c-secret-token"
SN_PASSWORD = "sn-pass-9f8e7d6c"


def test_secrets_never_reach_logs_summaries_or_dead_letters(httpserver, tmp_path, monkeypatch, caplog, capsys):
    """Receivers that echo the Authorization header in their errors, a failing ticket system, and
    dead-lettering: scan everything captured for the secret values."""
    principal = resource_principal(tmp_path)
    storage = ObjectStorageStandIn(httpserver, principal)

    def echoing_hec(request):  # a proxy that echoes request headers in its error page
        return Response(f"forbidden: {request.headers.get('Authorization')}", status=403)

    httpserver.expect_request("/services/collector/event").respond_with_handler(echoing_hec)
    servicenow = ServiceNowStandIn(httpserver, credentials=("svc", SN_PASSWORD))
    servicenow.fail_next = [(400, {})]
    config = {
        **principal.env,
        "SIEM_HTTP_URL": httpserver.url_for("/services/collector/event"),
        "SIEM_HTTP_FORMAT": "splunk-hec",
        "SIEM_HTTP_TOKEN": HEC_TOKEN,
        "TICKET_SYSTEM": "servicenow",
        "TICKET_URL": servicenow.url(),
        "TICKET_USERNAME": "svc",
        "TICKET_PASSWORD": SN_PASSWORD,
        "DEAD_LETTER_BUCKET": storage.bucket,
        "OCI_OBJECTSTORAGE_ENDPOINT": storage.endpoint,
    }
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    with caplog.at_level(logging.DEBUG):
        status, summary = handle(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"), 8)
    assert status == 502 and summary["deadLettered"] == {"http": 1} and summary["failed"] == {"tickets": 1}
    captured = [json.dumps(summary), caplog.text, capsys.readouterr().err, json.dumps(storage.entries())]
    assert "[REDACTED]" in json.dumps(storage.entries())  # the echoed token was there, and was scrubbed
    for text in captured:
        assert HEC_TOKEN not in text and SN_PASSWORD not in text


def test_skip_verify_needs_its_explicit_key_and_warns_every_cold_start(caplog):
    with pytest.raises(ConfigError, match="SIEM_TLS_INSECURE_SKIP_VERIFY: expected one of false, true"):
        load_settings({"SIEM_TLS_INSECURE_SKIP_VERIFY": "0"})
    assert load_settings({}).insecure_skip_verify is False
    for _ in range(2):
        caplog.clear()
        assert load_settings({"SIEM_TLS_INSECURE_SKIP_VERIFY": "true"}).insecure_skip_verify is True
        assert "certificates are NOT verified" in caplog.text


def test_skip_verify_reaches_an_untrusted_receiver_only_when_asked(receiver, function_server):
    body = sample_bytes("cloudguard-problemdetected-bucket-public-critical.json")
    refused = function_server({"SIEM_SYSLOG_URL": receiver.url("tls")}).invoke(body, deadline_seconds=5)
    assert refused.status == 502
    fn = function_server({"SIEM_SYSLOG_URL": receiver.url("tls"), "SIEM_TLS_INSECURE_SKIP_VERIFY": "true"})
    assert fn.invoke(body).status == 200 and len(receiver.wait_for(1)) == 1
    assert "certificates are NOT verified" in fn.log()
