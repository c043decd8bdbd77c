"""Per sink volume: `original` dropped, fields kept or dropped, and a Sigma filter deciding which records a
sink gets (counted `filtered`, never lost)."""

from __future__ import annotations

import json

import pytest

from forwarder.config import ConfigError
from forwarder.config.values import field_list as parse_fields
from forwarder.formats.shape import shaper
from forwarder.handler import handle
from forwarder.settings import load_settings
from tests.conftest import sample

READS = "{reads: {request.action: [GET, HEAD]}, condition: not reads}"


def _batch() -> bytes:
    """A read (ListEvents, GET), a write (CreateBucket) and a Cloud Guard problem."""
    events = [
        *sample("audit-batch-listevents.json"),
        sample("audit-objectstorage-createbucket-public.json"),
        sample("cloudguard-problemdetected-bucket-public-critical.json"),
    ]
    return json.dumps(events).encode()


def test_http_sink_without_original_and_reads_gets_the_rest_and_counts_them_filtered(httpserver, monkeypatch):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("SIEM_HTTP_ORIGINAL", "false")
    monkeypatch.setenv("SIEM_HTTP_FILTER", READS)
    status, summary = handle(_batch())
    assert status == 200 and summary["ok"]
    assert summary["delivered"] == {"http": 3} and summary["filtered"] == {"http": 1}  # the read left out
    (body,) = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [r["eventType"] for r in body] == [
        "com.oraclecloud.objectstorage.createbucket",
        "com.oraclecloud.cloudguard.problemdetected",
        "detection",  # the public bucket rule fired on the write
    ]
    assert all("original" not in r for r in body) and body[0]["principal"]["name"] == "jane.doe@example.com"


def test_a_filter_on_risk_sends_only_high_problems_and_detections(httpserver, monkeypatch):
    httpserver.expect_request("/pager", method="POST").respond_with_data("ok")
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/pager"))
    monkeypatch.setenv(
        "SIEM_HTTP_FILTER",
        "{urgent: {kind: [cloudguard_problem, detection], riskLevel: [HIGH, CRITICAL]}, condition: urgent}",
    )
    status, summary = handle(_batch())
    assert status == 200 and summary["delivered"] == {"http": 2} and summary["filtered"] == {"http": 2}
    kinds = [r["kind"] for request, _ in httpserver.log for r in json.loads(request.get_data())]
    assert kinds == ["cloudguard_problem", "detection"]


def test_field_lists_keep_or_drop_dotted_paths():
    data = {"eventId": "e", "title": "t", "principal": {"name": "n", "userAgent": "ua"}, "original": {"x": 1}}
    drop = shaper(True, parse_fields("-principal.userAgent,-title"))
    assert drop(data) == {"eventId": "e", "principal": {"name": "n"}, "original": {"x": 1}}
    assert data["principal"] == {"name": "n", "userAgent": "ua"}  # the record itself is untouched
    keep = shaper(False, parse_fields("eventId, principal.name, original"))
    assert keep(data) == {"eventId": "e", "principal": {"name": "n"}}  # original dropped wins over the list
    assert shaper(True, None) is None  # nothing left out: the record is encoded as it is


def test_syslog_json_without_original_is_smaller_and_cef_is_unchanged(monkeypatch):
    from forwarder.normalize import normalize
    from forwarder.wiring import payload_encoder

    record = normalize(sample("audit-objectstorage-createbucket-public.json"))
    monkeypatch.setenv("SIEM_SYSLOG_URL", "tcp://127.0.0.1:5514")
    monkeypatch.setenv("SIEM_SYSLOG_ORIGINAL", "false")
    volume = load_settings().volume["syslog"]
    small, whole = (
        payload_encoder("json", volume)(record),
        payload_encoder("json", volume._replace(original=True))(record),
    )
    assert "original" not in json.loads(small) and len(small) < len(whole) * 0.6
    assert payload_encoder("cef", volume)(record) == payload_encoder("cef", volume._replace(original=True))(record)


def test_every_bad_volume_key_is_named_at_once(monkeypatch):
    for key, value in {
        "SIEM_SYSLOG_URL": "tcp://127.0.0.1:5514",
        "SIEM_SYSLOG_PAYLOAD": "cef",
        "SIEM_SYSLOG_FIELDS": "-details",
        "SIEM_HTTP_URL": "https://siem.example.com/hook",
        "SIEM_HTTP_FIELDS": "eventId,-title",
        "SIEM_HTTP_FILTER": "{sel: {principal.nmae: x}, condition: sel}",
    }.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    lines = str(raised.value).splitlines()
    assert any(line.startswith("SIEM_SYSLOG_FIELDS:") and "sends cef" in line for line in lines)
    assert any(line.startswith("SIEM_HTTP_FIELDS:") and "not both" in line for line in lines)
    assert any(line.startswith("SIEM_HTTP_FILTER:") and "principal.nmae" in line for line in lines)
