"""HTTP sinks against pytest-httpserver: JSON webhook batches and the Splunk HEC contract."""

from __future__ import annotations

import json
import ssl

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from forwarder.handler import handle
from tests.conftest import DATA, numbered_batch, sample_bytes
from tests.support.rsyslog import make_cert

PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"
TOKEN = "6a1b7c2d-hec-token-0000-secret"


def batch_of(n: int) -> bytes:
    return numbered_batch(n, prefix="event")


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def hec_events(body: bytes) -> list[dict]:
    """Split a HEC body (concatenated JSON objects) as Splunk does, strictly: NaN/Infinity are invalid."""
    decoder, out, text, pos = json.JSONDecoder(parse_constant=_not_json), [], body.decode(), 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos < len(text):
            obj, pos = decoder.raw_decode(text, pos)
            out.append(obj)
    return out


def test_webhook_gets_json_array_batches(httpserver, monkeypatch):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("SIEM_HTTP_BATCH_SIZE", "2")
    status, summary = handle(batch_of(5))
    assert status == 200 and summary["delivered"] == {"http": 5}
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [len(b) for b in bodies] == [2, 2, 1]
    assert [e["eventId"] for b in bodies for e in b] == [f"event-{i}" for i in range(5)]
    request = httpserver.log[0][0]
    assert request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in request.headers


def test_webhook_bearer_token(httpserver, monkeypatch):
    httpserver.expect_request("/hook", headers={"Authorization": f"Bearer {TOKEN}"}).respond_with_data("ok")
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("SIEM_HTTP_TOKEN", TOKEN)
    status, summary = handle(sample_bytes(PROBLEM))
    assert status == 200, summary
    httpserver.check_assertions()


def splunk_hec(httpserver, token: str = TOKEN):
    """A stand-in HEC endpoint: 401 for a wrong token, 400 for a malformed body, else success."""

    def endpoint(request):
        if request.headers.get("Authorization") != f"Splunk {token}":
            return Response(json.dumps({"text": "Invalid authorization", "code": 3}), status=401)
        try:
            events = hec_events(request.get_data())
        except ValueError:
            return Response(json.dumps({"text": "Invalid data format", "code": 6}), status=400)
        if not events or any("event" not in e for e in events):
            return Response(json.dumps({"text": "Event field is required", "code": 12}), status=400)
        return Response(json.dumps({"text": "Success", "code": 0}), status=200)

    httpserver.expect_request("/services/collector/event", method="POST").respond_with_handler(endpoint)


def test_splunk_hec_envelope_and_token(httpserver, monkeypatch):
    splunk_hec(httpserver)
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/services/collector/event"))
    monkeypatch.setenv("SIEM_HTTP_FORMAT", "splunk-hec")
    monkeypatch.setenv("SIEM_HTTP_TOKEN", TOKEN)
    monkeypatch.setenv("SIEM_SPLUNK_INDEX", "oci_security")
    monkeypatch.setenv("SIEM_SPLUNK_SOURCETYPE", "oci:cloudguard")
    body = b"[" + sample_bytes(PROBLEM) + b"," + sample_bytes("audit-batch-listevents.json")[1:-2] + b"]"
    status, summary = handle(body)
    assert status == 200, summary
    assert summary["delivered"] == {"http": 2}
    ((request, response),) = httpserver.log
    assert response.status_code == 200
    body = request.get_data()
    assert not body.lstrip().startswith(b"[")  # concatenated objects, not an array
    first, second = hec_events(body)
    assert first["index"] == "oci_security" and first["sourcetype"] == "oci:cloudguard"
    assert first["time"] == 1630168679.0 and first["event"]["riskLevel"] == "CRITICAL"
    assert first["fields"]["kind"] == "cloudguard_problem"
    assert second["event"]["kind"] == "audit" and second["time"] == 1753173357.533


def test_splunk_hec_wrong_token_fails_the_invocation(httpserver, monkeypatch):
    splunk_hec(httpserver, token="the-right-one")
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/services/collector/event"))
    monkeypatch.setenv("SIEM_HTTP_FORMAT", "splunk-hec")
    monkeypatch.setenv("SIEM_HTTP_TOKEN", TOKEN)
    status, summary = handle(sample_bytes(PROBLEM))
    assert status == 502
    assert summary["failed"] == {"http": 1} and "HTTP 401" in summary["failures"][0]["reason"]
    assert TOKEN not in json.dumps(summary)


LOGIN_PAGE = "<!DOCTYPE html><html><body><form action='/login'>Sign in to the proxy</form></body></html>"


@pytest.mark.parametrize(
    "fmt, answer, content_type, delivered",
    [
        ("splunk-hec", '{"text": "Success", "code": 0}', "application/json", True),
        ("splunk-hec", '{"text": "Success", "code": 0, "ackId": 7}', "application/json", True),
        ("splunk-hec", LOGIN_PAGE, "text/html", False),  # a proxy's login page, with 200
        ("splunk-hec", '{"text": "Server is busy", "code": 9}', "application/json", False),
        ("splunk-hec", "ok", "text/plain", False),
        ("json", "ok", "text/plain", True),  # a webhook may answer anything ...
        ("json", "", "text/plain", True),
        ("json", '{"accepted": 2}', "application/json", True),
        ("json", LOGIN_PAGE, "text/html", False),  # ... but an HTML page
        ("json", LOGIN_PAGE, "text/plain", False),
    ],
)
def test_a_2xx_counts_as_delivered_only_when_it_is_the_receivers_answer(
    fmt, answer, content_type, delivered, httpserver, monkeypatch
):
    httpserver.expect_request("/in").respond_with_data(answer, status=200, content_type=content_type)
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/in"))
    monkeypatch.setenv("SIEM_HTTP_FORMAT", fmt)
    monkeypatch.setenv("SIEM_HTTP_TOKEN", TOKEN)
    status, summary = handle(batch_of(2))
    if delivered:
        assert status == 200 and summary["delivered"] == {"http": 2}, summary
    else:
        assert status == 502 and summary["failed"] == {"http": 2}, summary
        reason = summary["failures"][0]["reason"]
        assert "HTTP 200 from" in reason and ("HEC" in reason or "HTML page" in reason), reason
        assert len(httpserver.log) == 1  # permanent: not retried against something that is not the receiver


def test_every_record_goes_to_every_sink(httpserver, monkeypatch, receiver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    status, summary = handle(batch_of(3))
    assert status == 200 and summary["delivered"] == {"syslog": 3, "http": 3}
    assert len(receiver.wait_for(3)) == 3
    assert len(json.loads(httpserver.log[0][0].get_data())) == 3


def test_one_failing_sink_fails_the_invocation_but_not_the_other(httpserver, monkeypatch, receiver):
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    status, summary = handle(batch_of(2), seconds_left=4)
    assert status == 502
    assert summary["delivered"] == {"syslog": 2, "http": 0} and summary["failed"] == {"http": 2}
    assert len(httpserver.log) > 1  # 503 is transient: retried until the deadline
    assert {f["eventId"] for f in summary["failures"]} == {"event-0", "event-1"}
    assert len(receiver.wait_for(2)) == 2


@pytest.fixture
def https_server(tmp_path):
    cert, key = make_cert(tmp_path, "https")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="localhost", ssl_context=context)
    server.start()
    server.expect_request("/hook").respond_with_data("ok")
    yield server, cert
    server.clear()
    server.stop()


def test_https_receiver_certificate_is_verified(https_server, monkeypatch, caplog):
    server, cert = https_server
    monkeypatch.setenv("SIEM_HTTP_URL", server.url_for("/hook"))
    status, summary = handle(sample_bytes(PROBLEM))
    assert status == 502 and "CERTIFICATE_VERIFY_FAILED" in summary["failures"][0]["reason"]
    assert len(server.log) == 0
    assert "attempt 2" not in caplog.text  # an untrusted certificate is not retried


def test_https_receiver_trusted_with_ca_bundle(https_server, monkeypatch):
    server, cert = https_server
    monkeypatch.setenv("SIEM_HTTP_URL", server.url_for("/hook"))
    monkeypatch.setenv("SIEM_HTTP_CA_CERT", cert.read_text())  # inline PEM, as function config allows
    status, summary = handle(sample_bytes(PROBLEM))
    assert status == 200 and summary["delivered"] == {"http": 1}
    assert len(server.log) == 1


def test_no_sink_writes_json_lines_to_the_log(capsys):
    status, summary = handle((DATA / "audit-batch-listevents.json").read_bytes())
    assert status == 200 and summary["delivered"] == {"log": 1}
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["eventId"] == "93e7a143-650b-4632-8a53-a464f45ee3c5"


def test_a_sink_bug_is_reported_not_raised(monkeypatch):
    from forwarder import handler
    from forwarder.delivery.route import Route
    from forwarder.pipeline import Pipeline
    from forwarder.sinks.log import LogSink

    class Broken(LogSink):
        def send(self, payloads, deadline=None):
            raise RuntimeError("boom")

    monkeypatch.setattr(handler.container, "pipeline", Pipeline([Route(lambda r: b"x", Broken())]))
    status, summary = handle(sample_bytes(PROBLEM))
    assert status == 502 and summary["failures"][0]["reason"] == "RuntimeError: boom"


def test_nan_and_infinity_in_an_event_reach_hec_as_valid_json(httpserver, monkeypatch):
    splunk_hec(httpserver)
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/services/collector/event"))
    monkeypatch.setenv("SIEM_HTTP_FORMAT", "splunk-hec")
    monkeypatch.setenv("SIEM_HTTP_TOKEN", TOKEN)
    body = sample_bytes("audit-objectstorage-createbucket-public.json").replace(
        b'"publicAccessType": "ObjectRead"',
        b'"publicAccessType": "ObjectRead", "ratio": NaN, "max": Infinity, "big": 1e999',
    )
    assert b"NaN" in body
    status, summary = handle(body)
    assert status == 200 and summary["delivered"] == {"http": 2}, summary  # the event, and its detection
    ((request, _),) = httpserver.log
    event, detection = hec_events(request.get_data())
    assert detection["event"]["kind"] == "detection" and detection["event"]["details"]["techniques"]
    assert event["event"]["details"]["ratio"] == "NaN" and event["event"]["details"]["big"] == "1e999"
