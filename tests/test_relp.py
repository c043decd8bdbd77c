"""RELP to a real rsyslog imrelp: delivered means answered, a receiver killed mid-stream loses nothing, and
the only duplicates are messages sent and not yet answered."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from forwarder.handler import handle
from forwarder.sinks.relp import WINDOW
from tests.conftest import numbered_batch, sample_bytes
from tests.support.rsyslog import Rsyslog, start_relp

PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"


@pytest.fixture
def relp(tmp_path):
    servers: list[Rsyslog] = [start_relp(tmp_path / "relp")]
    yield servers
    servers[-1].stop()


def _url(server: Rsyslog, tls: bool = False) -> str:
    return f"relp+tls://localhost:{server.tls}" if tls else f"relp://127.0.0.1:{server.tcp}"


def _ids(server: Rsyslog) -> Counter:
    return Counter(json.loads(line["msg"].lstrip("\ufeff"))["eventId"] for line in server.lines())


@pytest.mark.parametrize("tls", [False, True])
def test_every_sample_arrives_over_relp_parsed_as_syslog(relp, tls, monkeypatch):
    server = relp[0]
    monkeypatch.setenv("SIEM_SYSLOG_URL", _url(server, tls))
    if tls:
        monkeypatch.setenv("SIEM_SYSLOG_CA_CERT", str(server.ca))
        monkeypatch.setenv("SIEM_SYSLOG_CLIENT_CERT", str(server.directory / "client.pem"))  # mutual TLS
        monkeypatch.setenv("SIEM_SYSLOG_CLIENT_KEY", str(server.directory / "client.key"))
    status, summary = handle(numbered_batch(50, PROBLEM), 10)
    assert status == 200 and summary["delivered"]["syslog"] >= 50, summary
    lines = server.wait_for(summary["delivered"]["syslog"])
    assert {line["input"] for line in lines} == {"relp-tls" if tls else "relp"}
    assert lines[0]["sdparsed"]["oci@32473"]["riskLevel"] == "CRITICAL" and lines[0]["appname"] == "oci-forwarder"
    assert {f"ev-{i}" for i in range(50)} <= set(_ids(server))


def test_relp_over_tls_refuses_a_receiver_it_cannot_verify(relp, monkeypatch):
    monkeypatch.setenv("SIEM_SYSLOG_URL", _url(relp[0], tls=True))  # no CA: the self-signed server is unknown
    status, summary = handle(sample_bytes(PROBLEM), 5)
    assert status == 502 and "CERTIFICATE_VERIFY_FAILED" in summary["failures"][0]["reason"]
    assert relp[0].count() == 0


def test_a_receiver_killed_mid_stream_loses_nothing(relp, storage, monkeypatch):
    """20,000 events; rsyslog is killed (SIGKILL) while they stream and started again on the same port. Every
    event is received or kept; an event received twice was sent but not yet answered when the receiver died."""
    server = relp[0]
    monkeypatch.setenv("SIEM_SYSLOG_URL", _url(server))
    monkeypatch.setenv("DETECTION_DISABLE", "all")
    n = 20_000
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(answer=handle(numbered_batch(n, PROBLEM), 90)))
    worker.start()
    end = time.monotonic() + 30
    while server.count() < n // 5 and time.monotonic() < end:
        time.sleep(0.005)
    server.process.kill()
    server.process.wait()
    server.drop_partial_line()  # half a message, never answered: the forwarder sends it again
    killed_at = server.count()
    time.sleep(0.3)
    relp.append(start_relp(server.directory, ports=server.ports))
    worker.join(120)
    status, summary = result["answer"]
    assert 0 < killed_at < n, "the receiver was not killed mid-stream"
    assert status == 200, summary
    received = _ids(relp[-1])
    kept = {entry["eventId"] for entry in storage.entries()}
    assert {f"ev-{i}" for i in range(n)} == set(received) | kept  # nothing lost
    twice = [event_id for event_id, count in received.items() if count > 1]
    assert len(twice) <= WINDOW and all(count == 2 for count in received.values() if count > 1)
    assert summary["delivered"]["syslog"] + summary["deadLettered"].get("syslog", 0) == n
