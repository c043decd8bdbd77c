"""Hostile shapes: credentials in shapes no field rule knows, records that would blind detection, settings
that are not configuration errors. Everything a sink, a log, a summary or a dead letter gets is checked."""

from __future__ import annotations

import base64
import copy
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug import Response

from forwarder.handler import handle
from forwarder.normalize.credentials import scrub_text
from forwarder.settings import KEYS, ConfigError, load_settings
from tests.conftest import sample
from tests.detect_events import audit

SECRET = "s3cr3t-T0ken-0123456789abcdef"
AUDIT = "audit-objectstorage-createbucket-public.json"


def _with(mutate) -> dict:
    event = sample(AUDIT)
    mutate(event["data"])
    return event


def _identity_repr(data):
    data["identity"] = repr({**data["identity"], "credentials": SECRET})


def _data_text(data):
    data["identity"]["credentials"] = SECRET
    data["request"]["headers"] = {"Authorization": [f"Bearer {SECRET}"]}


SHAPES = {
    "data as JSON text": lambda: {**(e := _with(_data_text)), "data": json.dumps(e["data"])},
    "identity as a Python repr": lambda: _with(_identity_repr),
    "header [name, value] pairs": lambda: _with(lambda d: d["request"].update(headers=[["AUTHORIZATION", SECRET]])),
    "header name/value objects": lambda: _with(
        lambda d: d["response"].update(headers=[{"name": "opc-principal", "value": SECRET}])
    ),
    "a bearer token in a message": lambda: _with(lambda d: d.update(message=f"denied: Authorization: Bearer {SECRET}")),
    "an HTTP Signature in details": lambda: _with(
        lambda d: d["additionalDetails"].update(sig=f'Signature version="1",keyId="ST${SECRET}",signature="{SECRET}"')
    ),
    "Basic credentials in a list": lambda: _with(
        lambda d: d["additionalDetails"].update(h=["Basic " + base64.b64encode(f"u:{SECRET}".encode()).decode()])
    ),
}


def _webhook(httpserver, received: list[bytes], status: int = 200):
    def handler(request):
        received.append(request.get_data())
        return Response('{"text": "Success", "code": 0}', status=status)  # what HEC answers; a webhook too

    httpserver.expect_request("/hook").respond_with_handler(handler)
    return httpserver.url_for("/hook")


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("fmt", ["json", "splunk-hec"])
def test_credentials_in_any_shape_never_reach_an_http_sink_or_the_log(shape, fmt, httpserver, monkeypatch, caplog):
    received: list[bytes] = []
    monkeypatch.setenv("SIEM_HTTP_URL", _webhook(httpserver, received))
    monkeypatch.setenv("SIEM_HTTP_FORMAT", fmt)
    monkeypatch.setenv("SIEM_HTTP_TOKEN", "hec-token-for-the-test")
    with caplog.at_level(logging.DEBUG):
        status, summary = handle(json.dumps(SHAPES[shape]()).encode(), 10)
    assert status == 200 and summary["delivered"] == {"http": 1 + summary["detection"]["detections"]}
    body = b"".join(received)
    assert b"[REDACTED]" in body and SECRET.encode() not in body
    assert SECRET not in caplog.text and SECRET not in json.dumps(summary)
    if fmt == "json":
        assert json.loads(body)  # still valid JSON after masking
    else:
        assert list(json.JSONDecoder().raw_decode(body.decode())[0])  # HEC: concatenated JSON objects


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_credentials_in_any_shape_never_reach_the_log_sink(shape, capsysbinary):
    status, _ = handle(json.dumps(SHAPES[shape]()).encode(), 10)
    out = capsysbinary.readouterr().out
    assert status == 200 and b"[REDACTED]" in out and SECRET.encode() not in out


@pytest.mark.parametrize("payload", ["json", "cef", "leef"])
def test_credentials_in_any_shape_never_reach_syslog(payload, receiver, monkeypatch):
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    monkeypatch.setenv("SIEM_SYSLOG_PAYLOAD", payload)
    events = [SHAPES[name]() for name in sorted(SHAPES)]
    for i, event in enumerate(events):
        event["eventID"] = f"shape-{i}"
    status, summary = handle(json.dumps(events).encode(), 10)
    assert status == 200, summary
    lines = receiver.wait_for(len(events) + summary["detection"]["detections"])
    assert len(lines) == summary["delivered"]["syslog"] and SECRET not in json.dumps(lines)


def test_dead_letters_of_rejects_and_unrecognized_shapes_hold_no_credential(storage, monkeypatch, caplog):
    """A parse reject (a JSON string in a batch), an unrecognized search-like response forwarded whole, and a
    non-UTF-8 line: the sink is down, so all are dead-lettered; no line of the bucket holds the secret."""
    monkeypatch.setenv("SIEM_SYSLOG_URL", "tcp://127.0.0.1:9")  # discard port: refused here
    record = sample("logging-search-response.json")["results"][0]["data"]
    record["logContent"]["data"]["identity"]["credentials"] = SECRET
    unrecognized = {"results": [record], "extra": {"token": f"Bearer {SECRET}"}}  # no summary: read as `other`
    body = json.dumps([f"Authorization: Bearer {SECRET}", unrecognized, {"credentials": SECRET}]).encode()
    with caplog.at_level(logging.DEBUG):
        status, summary = handle(body, 8)
    assert status == 200 and summary["deadLettered"]["parse"] == 1, summary
    kept = json.dumps(storage.entries())
    assert summary["deadLettered"]["syslog"] == 2 and "[REDACTED]" in kept
    assert SECRET not in kept and SECRET not in caplog.text and SECRET not in json.dumps(summary)
    raw = b"\xff\xfe not utf-8, credentials=" + SECRET.encode()
    status, summary = handle(raw, 8)
    assert status == 200 and summary["deadLettered"] == {"parse": 1}
    assert SECRET.encode() not in b"".join(
        base64.b64decode(e["rawBase64"]) for e in storage.entries() if "rawBase64" in e
    )


def test_an_error_body_echoing_the_token_is_scrubbed_before_it_is_cut(httpserver, monkeypatch, caplog):
    token = "hec-" + "7" * 60
    echo = "x" * 180 + f" Authorization: Splunk {token} " + "y" * 50  # the token straddles character 200
    httpserver.expect_request("/services/collector/event").respond_with_data(echo, status=500)
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/services/collector/event"))
    monkeypatch.setenv("SIEM_HTTP_FORMAT", "splunk-hec")
    monkeypatch.setenv("SIEM_HTTP_TOKEN", token)
    with caplog.at_level(logging.DEBUG):
        status, summary = handle(json.dumps(sample(AUDIT)).encode(), 3)
    assert status == 502 and summary["failed"] == {"http": 1 + summary["detection"]["detections"]}
    for text in (caplog.text, json.dumps(summary)):
        assert "7" * 20 not in text  # not a piece of the token either
    assert "HTTP 500" in summary["failures"][0]["reason"]


@pytest.mark.parametrize(
    ("config", "secret"),
    [
        (
            {
                "SIEM_SYSLOG_URL": "tls://127.0.0.1:6514",
                "SIEM_SYSLOG_CLIENT_CERT": "/nonexistent/cert.pem",
                "SIEM_SYSLOG_CLIENT_KEY": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretkeymaterial",
            },
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretkeymaterial",
        ),
        ({"SIEM_HTTP_URL": "https://user:hunter2-pw@siem.example/hook", "SIEM_HTTP_BATCH_SIZE": "0"}, "hunter2-pw"),
        ({"SIEM_SYSLOG_URL": "tcp://user:hunter2-pw@[::1"}, "hunter2-pw"),
    ],
)
def test_configuration_errors_name_the_key_never_a_secret(config, secret, monkeypatch, tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    for key, value in config.items():
        monkeypatch.setenv(key, value.replace("/nonexistent/cert.pem", str(cert)))
    status, summary = handle(json.dumps(sample(AUDIT)).encode(), 5)
    assert status == 502 and summary["errors"][0].startswith("configuration: SIEM_")
    assert secret not in json.dumps(summary)


def test_configuration_echoes_no_url_credentials():
    with pytest.raises(ConfigError) as caught:
        load_settings({"SIEM_SYSLOG_URL": "https://user:pw-secret@host/"})
    assert str(caught.value).startswith("SIEM_SYSLOG_URL: expected") and "pw-secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SIEM_SYSLOG_FACILITY", "9" * 400),
        ("COLLECT_WORKERS", "1" * 5000),
        ("TICKET_URL", "tcp://[::1"),
        ("COLLECT_QUERIES", "[" * 100_000),
        ("SIEM_TIMEOUT_SECONDS", "1" * 5000 + ".5"),
    ],
)
def test_settings_raise_only_configuration_errors_naming_the_key(key, value):
    with pytest.raises(ConfigError, match=f"^{key}: "):
        load_settings({key: value, "TICKET_SYSTEM": "jira"} if key == "TICKET_URL" else {key: value})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([k.name for k in KEYS]), st.text(max_size=40) | st.from_regex(r"[a-z]+://[\[\]:@a-z0-9]*"))
def test_any_value_of_any_key_is_a_setting_or_a_configuration_error(key, value):
    try:
        load_settings({key: value})
    except ConfigError as exc:
        assert str(exc).startswith(key) or ": " in str(exc)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "Bearer {}",
            "Authorization: {}",
            "'credentials': '{}'",
            '"credentials":"{}"',
            'keyId="{}"',
            'signature="{}"',
            "opc-obo-token={}",
            "https://u:{}@h/",
            "Basic {}",
        ]
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=12, max_size=40),
    st.text(max_size=20),
    st.text(max_size=20),
)
def test_credential_patterns_are_masked_wherever_they_sit(template, token, before, after):
    secret = base64.b64encode(f"user:{token}".encode()).decode() if template.startswith("Basic") else token
    text = before + " " + template.format(secret) + " " + after
    assert secret not in scrub_text(text).replace(before, "").replace(after, "")
    assert scrub_text(scrub_text(text)) == scrub_text(text)  # masking twice changes nothing


def test_a_lone_surrogate_cannot_blind_detection_for_the_batch(receiver, monkeypatch, caplog):
    """Five failed console logins from one address in one batch, one of them with a lone surrogate in the
    principal name and the address: the correlation fires, and every output says U+FFFD for it."""
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    events = [
        audit(
            "com.oraclecloud.IdentitySignOn.InteractiveLogin",
            status="401",
            ip="203.0.113.9",
            principal=f"user{i}",
            event_id=f"login-{i}",
        )
        for i in range(5)
    ]
    text = json.dumps(events).replace('"user0"', '"us\\ud800er0"').replace('"login-0"', '"login-\\ud800"')
    with caplog.at_level(logging.WARNING):
        status, summary = handle(text.encode(), 10)
    assert status == 200 and summary["detection"]["detections"] == 1, summary
    assert "lone surrogate" in caplog.text
    lines = receiver.wait_for(6)
    first = next(line for line in lines if "login-\ufffd" in line["msg"])
    assert first["sdparsed"]["oci@32473"]["eventId"] == "login-\ufffd"
    assert json.loads(first["msg"].lstrip("\ufeff"))["eventId"] == "login-\ufffd"
    assert json.loads(first["msg"].lstrip("\ufeff"))["principal"]["name"] == "us\ufffder0"
    assert any("Failed Console Logins" in line["msg"] for line in lines)


def test_a_record_no_rule_can_evaluate_is_counted_and_the_others_still_are(monkeypatch):
    from forwarder.detect import engine

    real = engine.group_key

    def fragile(rule_id, values):
        if "203.0.113.66" in values:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(rule_id, values)

    monkeypatch.setattr(engine, "group_key", fragile)
    events = [
        audit("com.oraclecloud.IdentitySignOn.InteractiveLogin", status="401", ip="203.0.113.9", principal=f"user{i}")
        for i in range(5)
    ]
    events.insert(2, audit("com.oraclecloud.IdentitySignOn.InteractiveLogin", status="401", ip="203.0.113.66"))
    status, summary = handle(json.dumps(events).encode(), 10)
    d = summary["detection"]
    assert status == 200 and d["detections"] == 1 and d["unevaluated"] == 1
    assert d["warnings"] and "not evaluated" in d["warnings"][0]
    assert summary["delivered"] == {"log": 7}


@pytest.mark.parametrize(
    "value", ["1" * 400, "-" + "9" * 400, "9" * 5000, "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+05"]
)
def test_out_of_range_times_are_kept_as_sent_with_no_traceback(value, caplog, capsysbinary):
    event = sample("cloudguard-problemdetected-bucket-public-critical.json")
    raw = value if not value[-1].isdigit() or ":" in value or "T" in value else None
    details = event["data"]["additionalDetails"]
    text = json.dumps(event).replace(json.dumps(details["firstDetected"]), json.dumps(raw) if raw else value)
    with caplog.at_level(logging.DEBUG):
        status, summary = handle(text.encode(), 10)
    assert status == 200 and summary["delivered"] == {"log": 1} and "Traceback" not in caplog.text
    record = json.loads(capsysbinary.readouterr().out)
    assert record["firstDetected"] == value


def test_every_record_keeps_its_original_shape_copy_unharmed():
    """Masking is by value: the surrounding JSON keeps every key (what a SIEM parser relies on)."""
    event = copy.deepcopy(SHAPES["an HTTP Signature in details"]())
    masked = json.loads(scrub_text(json.dumps(event)))
    assert (
        masked.keys() == event.keys()
        and masked["data"]["additionalDetails"].keys() == event["data"]["additionalDetails"].keys()
    )


def test_udp_to_a_port_that_refuses_is_not_counted_delivered(storage, monkeypatch):
    import socket

    from tests.conftest import numbered_batch

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: the host answers ICMP port unreachable
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"udp://127.0.0.1:{port}")
    status, summary = handle(numbered_batch(38), 8)
    assert summary["delivered"]["syslog"] == 0 and summary["deadLettered"] == {
        "syslog": 38 + summary["detection"]["detections"]
    }, summary
    assert status == 200 and "ICMP port unreachable" in storage.entries()[0]["reason"]


@pytest.mark.parametrize("form", ["without summary", "bare results", "bare results without summary"])
def test_every_form_of_a_logging_search_response_is_read_event_by_event(form, capsysbinary):
    response = sample("logging-search-response.json")
    if "bare" in form:
        response["results"] = [result["data"] for result in response["results"]]
    if "without summary" in form:
        del response["summary"]
    status, summary = handle(json.dumps(response).encode(), 10)
    records = [json.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert status == 200 and summary["received"] == 2 and "lookedKnown" not in summary
    assert summary["detection"]["matched"] == 2  # each event is seen by the rules (one of them fires)
    events = [r for r in records if r["kind"] != "detection"]
    assert summary["delivered"] == {"log": len(records)} and [r["kind"] for r in events] == ["audit", "audit"]
    records = events
    wanted = [result["data"]["logContent"]["id"] for result in sample("logging-search-response.json")["results"]]
    assert [r["eventId"] for r in records] == wanted


def test_a_body_that_looks_like_a_known_shape_but_is_read_as_other_is_counted(capsysbinary):
    odd = [
        {"results": "not a list", "summary": {}},  # a response whose results are not an array
        {"stream": "s", "partition": "0", "offset": 5, "value": 12},  # a stream message whose value is no text
        {"hello": "world"},  # foreign: of no known shape, not counted as misread
    ]
    status, summary = handle(json.dumps(odd).encode(), 10)
    kinds = [json.loads(line)["kind"] for line in capsysbinary.readouterr().out.splitlines()]
    assert status == 200 and kinds == ["other"] * 3
    assert summary["unknownShape"] == 3 and summary["lookedKnown"] == 2
