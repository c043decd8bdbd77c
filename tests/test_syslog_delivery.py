"""Through the real fdk server on its unix socket to a real rsyslogd over UDP, TCP and TLS."""

from __future__ import annotations

import json
import socket
import ssl
import threading

import pytest

from forwarder.formats.syslog import BOM, SD_ID
from forwarder.normalize import normalize
from forwarder.retry import Failure
from forwarder.runtime.tls import client_context
from forwarder.sinks.syslog import SyslogSink
from tests.conftest import DATA, events_of, sample
from tests.support.rsyslog import make_cert, start_rsyslog

SAMPLES = sorted(DATA.glob("*.json"))
HOSTILE = 'evil\n<13>1 2026-01-01T00:00:00Z forged app - - - FORGED\r\n|pipe =eq cs1=forged ]br "q" \\bs x="y"] ünï日本'


def config_for(receiver, transport: str, **extra: str) -> dict[str, str]:
    config = {"SIEM_SYSLOG_URL": receiver.url(transport), **extra}
    if transport == "tls":
        config["SIEM_SYSLOG_CA_CERT"] = str(receiver.ca)
    return config


def expected_records():
    records = []
    for path in SAMPLES:
        records += [normalize(event) for event in events_of(path.read_bytes())]
    return records


def payload_json(line: dict) -> dict:
    assert line["msg"].startswith(BOM.decode())
    return json.loads(line["msg"][1:])


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
def test_every_sample_reaches_rsyslog_with_parsed_fields(transport, receiver, function_server):
    fn = function_server(config_for(receiver, transport, SIEM_SYSLOG_FACILITY="auth"))
    made = 0
    for path in SAMPLES:
        result = fn.invoke(path.read_bytes())
        assert result.status == 200, result.text
        detections = result.summary["detection"]["detections"]
        assert result.summary["ok"] and result.summary["delivered"]["syslog"] == result.summary["received"] + detections
        made += detections
    expected = {r.event_id: r for r in expected_records()}
    lines = [line for line in receiver.wait_for(len(expected) + made) if line["msgid"] != "detection"]
    assert len(lines) == len(expected)
    for line in lines:
        assert line["input"] == transport
        record = expected[line["sdparsed"][SD_ID]["eventId"]]
        assert int(line["pri"]) == 4 * 8 + record.severity.syslog
        assert (line["appname"], line["hostname"], line["procid"]) == ("oci-forwarder", "oci", "-")
        assert line["msgid"] == record.event_type.rsplit(".", 1)[-1].lower()
        params = line["sdparsed"][SD_ID]
        assert params["eventType"] == record.event_type and params["kind"] == record.kind.value
        assert params.get("riskLevel") == record.risk_level and params.get("problemId") == record.problem_id
        payload = payload_json(line)
        assert payload["eventId"] == record.event_id and payload["title"] == record.title
        assert payload["original"]["data"] is not None
    severities = {line["sdparsed"][SD_ID]["eventId"]: int(line["severity"]) for line in lines}
    assert severities["1642b454-eeee-aaaa-aaa-783803f83134"] == 2  # CRITICAL -> crit
    assert severities["6367cd17-38e6-412d-936e"] == 4  # MEDIUM -> warning
    assert severities["93e7a143-650b-4632-8a53-a464f45ee3c5"] == 6  # audit -> info


def test_credentials_never_reach_the_siem(receiver, function_server):
    fn = function_server(config_for(receiver, "tcp"))
    assert fn.invoke((DATA / "audit-batch-listevents.json").read_bytes()).status == 200
    (line,) = receiver.wait_for(1)
    assert "56:71:3c:43" not in json.dumps(line) and "Signature headers" not in line["msg"]
    assert payload_json(line)["original"]["data"]["identity"]["credentials"] == "[REDACTED]"


def test_untrusted_tls_certificate_is_refused(receiver, function_server):
    fn = function_server({"SIEM_SYSLOG_URL": receiver.url("tls")})  # no CA: system trust store
    result = fn.invoke((DATA / "cloudguard-problemdetected-bucket-public-critical.json").read_bytes())
    assert result.status == 502
    assert result.summary["failed"] == {"syslog": 1} and result.summary["delivered"] == {"syslog": 0}
    assert "CERTIFICATE_VERIFY_FAILED" in result.summary["failures"][0]["reason"]
    assert receiver.wait_for(1, timeout=1.0) == []


def test_certificate_for_another_host_is_refused(tmp_path):
    cert, key = make_cert(tmp_path, "other", cn="other.example", loopback=False)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def accept():
            conn, _ = listener.accept()
            try:
                server.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                conn.close()

        thread = threading.Thread(target=accept)
        thread.start()
        sink = SyslogSink("tls", "127.0.0.1", port, ssl_context=client_context(str(cert)), timeout=5)
        with pytest.raises(Failure) as caught:
            sink.send([b"<14>1 - - a - - - x"])
        thread.join()
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.reason and "127.0.0.1" in caught.value.reason


def test_client_certificate_for_mutual_tls(tmp_path):
    server_cert, server_key = make_cert(tmp_path, "server")
    client_cert, client_key = make_cert(tmp_path, "client", cn="forwarder-client", loopback=False)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(client_cert))
    server.verify_mode = ssl.CERT_REQUIRED
    server.load_cert_chain(server_cert, server_key)
    seen: list = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def accept():
            conn, _ = listener.accept()
            with server.wrap_socket(conn, server_side=True) as tls:
                seen.append(dict(x[0] for x in tls.getpeercert()["subject"]))
                seen.append(tls.recv(1024))

        thread = threading.Thread(target=accept)
        thread.start()
        context = client_context(str(server_cert), client_cert.read_text(), client_key.read_text())  # inline PEM
        sink = SyslogSink("tls", "127.0.0.1", listener.getsockname()[1], ssl_context=context, timeout=5)
        sink.send([b"<14>1 - - a - - - hello"])
        thread.join(10)
        sink.close()
    assert seen == [{"commonName": "forwarder-client"}, b"23 <14>1 - - a - - - hello"]


def hostile_event() -> dict:
    event = sample("audit-objectstorage-createbucket-public.json")
    event["data"]["compartmentName"] = HOSTILE
    event["data"]["identity"]["principalName"] = HOSTILE
    event["data"]["request"]["path"] = HOSTILE
    event["data"]["resourceName"] = HOSTILE
    event["eventType"] = 'com.oraclecloud.objectstorage.createbucket] x="y'
    return event


@pytest.mark.parametrize("transport, payload", [("tcp", "json"), ("udp", "json"), ("tls", "cef"), ("tcp", "leef")])
def test_hostile_fields_cannot_forge_messages_or_parameters(transport, payload, receiver, function_server):
    fn = function_server(config_for(receiver, transport, SIEM_SYSLOG_PAYLOAD=payload))
    event = hostile_event()
    assert fn.invoke(json.dumps(event).encode()).status == 200
    lines = receiver.wait_for(2, timeout=2.0)
    assert len(lines) == 1  # no second, forged message
    (line,) = lines
    params = line["sdparsed"][SD_ID]
    record = normalize(hostile_event())
    assert set(params) == {
        "eventId",
        "eventType",
        "kind",
        "severity",
        "resourceId",
        "compartmentId",
        "tenancyId",
        "principalName",
    }
    assert params["principalName"] == HOSTILE and params["eventType"] == record.event_type
    assert line["appname"] == "oci-forwarder" and int(line["pri"]) == 16 * 8 + 6
    msg = line["msg"][1:]
    if payload == "json":
        data = json.loads(msg)
        assert data["principal"]["name"] == HOSTILE and data["request"]["path"] == HOSTILE
    elif payload == "cef":
        import pycef

        from tests.test_formats import _cef_header, _cef_unescape

        header = _cef_header(msg)
        assert len(header) == 8
        parsed = pycef.parse("CEF:0|V|P|1|S|N|1|" + header[7])
        assert _cef_unescape(parsed["suser"]) == HOSTILE and _cef_unescape(parsed["request"]) == HOSTILE
        assert "x" not in parsed and "cs1" not in parsed
    else:
        from tests.test_formats import _leef

        _, attributes = _leef(msg)
        assert attributes["usrName"] == HOSTILE.replace("\n", " ").replace("\r", " ")
        assert "x" not in attributes


def test_udp_truncation_is_marked(receiver, function_server):
    fn = function_server(config_for(receiver, "udp", SIEM_SYSLOG_UDP_MAX_BYTES="600"))
    assert fn.invoke((DATA / "cloudguard-problemdetected-bucket-public-critical.json").read_bytes()).status == 200
    (line,) = receiver.wait_for(1)
    assert line["msg"].endswith("...[truncated]")
    assert int(line["sdparsed"][SD_ID]["truncated"]) > 600


def test_rfc3164_over_tcp(receiver, function_server):
    fn = function_server(
        config_for(
            receiver,
            "tcp",
            SIEM_SYSLOG_FORMAT="rfc3164",
            SIEM_SYSLOG_PAYLOAD="cef",
            SIEM_SYSLOG_FACILITY="local4",
            SIEM_SYSLOG_APP_NAME="ocifwd",
        )
    )
    assert fn.invoke((DATA / "cloudguard-problemdetected-dhcp-option-medium.json").read_bytes()).status == 200
    (line,) = receiver.wait_for(1)
    assert (line["pri"], line["hostname"], line["appname"]) == (str(20 * 8 + 4), "oci", "ocifwd")
    assert (
        line["msg"].lstrip().startswith("CEF:0|Oracle|") and "-04-18T17:56:44" in line["timestamp"]
    )  # no year in RFC 3164


def test_connection_is_reused_and_reopened_after_receiver_restart(tmp_path, function_server):
    first = start_rsyslog(tmp_path / "r")
    fn = function_server({"SIEM_SYSLOG_URL": first.url("tcp")})
    body = (DATA / "cloudguard-problemdetected-bucket-public-critical.json").read_bytes()
    assert fn.invoke(body).status == 200
    assert len(first.wait_for(1)) == 1
    first.stop()  # the kept connection is now closed by the peer
    second = start_rsyslog(tmp_path / "r", ports=first.ports)
    try:
        second.clear()
        result = fn.invoke(body.replace(b"1642b454-eeee", b"2642b454-eeee"))  # a new event
        assert result.status == 200, result.text
        assert len(second.wait_for(1)) == 1
    finally:
        second.stop()


def test_sink_keeps_one_connection_across_sends(receiver):
    sink = SyslogSink("tcp", "127.0.0.1", receiver.tcp)
    sink.send([b"<14>1 - - a - - - one"])
    first = sink._sock
    sink.send([b"<14>1 - - a - - - two"])
    assert sink._sock is first
    assert [line["msg"] for line in receiver.wait_for(2)] == ["one", "two"]
    sink.close()


def test_unreachable_receiver_reports_what_was_not_delivered():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connection refused
        sink = SyslogSink("tcp", "127.0.0.1", port, timeout=1)
        with pytest.raises(Failure) as caught:
            sink.send([b"a", b"b"])
    assert caught.value.delivered == 0 and "ConnectionRefusedError" in caught.value.reason


def test_the_write_offset_errs_late_when_an_ack_arrives_between_the_reads(monkeypatch):
    """TCP_INFO's acked bytes and TIOCOUTQ's queued bytes are two reads; an ACK between them must not
    make the write offset look smaller than it is (a chunk would count as delivered too early)."""
    from forwarder.sinks import syslog as syslog_sink

    written = 100_000  # bytes on the wire so far (the true write offset)
    state = {"acked": 60_000, "reads": 0}

    def read() -> None:  # the peer acknowledges 5,000 more bytes right after the first read
        state["reads"] += 1
        if state["reads"] == 1:
            state["acked"] += 5_000

    def acked(sock):
        value = state["acked"]
        read()
        return value

    def queued(fd, request, buffer):
        value = written - state["acked"]
        read()
        return value.to_bytes(4, "little", signed=True)

    monkeypatch.setattr(syslog_sink, "_acked", acked)
    monkeypatch.setattr(syslog_sink.fcntl, "ioctl", queued)
    with socket.socket() as sock:
        assert syslog_sink._written(sock) >= written


def test_inline_pem_keys_leave_no_file_behind(tmp_path, monkeypatch):
    import tempfile

    cert, key = make_cert(tmp_path, "client", cn="forwarder-client", loopback=False)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    for _ in range(3):  # a warm container rebuilds contexts; nothing piles up
        client_context(None, cert.read_text(), key.read_text())
    assert list(scratch.iterdir()) == []


def test_udp_with_huge_structured_data_stays_within_the_limit(receiver, function_server):
    fn = function_server(config_for(receiver, "udp", SIEM_SYSLOG_UDP_MAX_BYTES="600", SIEM_SYSLOG_PAYLOAD="cef"))
    event = sample("audit-objectstorage-createbucket-public.json")
    event["data"]["identity"]["principalName"] = "p" * 3000
    event["data"]["resourceId"] = "r" * 3000
    assert fn.invoke(json.dumps(event).encode()).status == 200
    (line,) = [line for line in receiver.wait_for(2) if line["msgid"] != "detection"]  # and the public bucket's
    params = line["sdparsed"][SD_ID]
    assert int(params["truncated"]) > 3000 and len(params["principalName"]) < 300
    assert line["msg"].endswith("...[truncated]") and line["msg"][1:].startswith("CEF:0|")


def test_an_overestimated_write_offset_neither_stalls_nor_duplicates(receiver, monkeypatch):
    """Erring late on a chunk's offset must not make a healthy send wait for bytes that will never be
    acknowledged, time out and send again (the receiver would get the message twice)."""
    from forwarder.sinks import syslog as syslog_sink

    real = syslog_sink._written
    monkeypatch.setattr(syslog_sink, "_written", lambda sock: real(sock) + 1000)
    for transport, port, context in (
        ("tcp", receiver.tcp, None),
        ("tls", receiver.tls, client_context(str(receiver.ca))),
    ):
        sink = SyslogSink(transport, "127.0.0.1", port, ssl_context=context, timeout=3)
        sink.send([f"<14>1 - - a - - - once over {transport}".encode()])
        sink.close()
    lines = receiver.wait_for(3, timeout=4)  # long enough for a 3 s timeout and a re-send to show up
    assert sorted(line["msg"] for line in lines) == ["once over tcp", "once over tls"]
