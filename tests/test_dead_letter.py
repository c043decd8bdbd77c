"""Nothing is lost: what cannot be delivered is kept in Object Storage (real SDK, real signer,
loopback stand-in), and the answer follows from what happened."""

from __future__ import annotations

import json
import re
import socket

from werkzeug import Response

from forwarder.handler import handle
from tests.conftest import numbered_batch as batch
from tests.conftest import sample, sample_bytes

PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"
NAME = re.compile(r"^dead-letter/\d{4}/\d{2}/\d{2}/[a-z]+-[0-9a-f]{32}\.ndjson$")


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once closed


def accounted(summary: dict, sink: str) -> int:
    return sum(summary[k].get(sink, 0) for k in ("delivered", "deadLettered", "failed"))


def test_receiver_down_events_are_kept_and_the_invocation_succeeds(storage, monkeypatch):
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    status, summary = handle(batch(3), seconds_left=8)
    assert status == 200, summary
    assert summary["deadLettered"] == {"syslog": 3} and summary["failed"] == {} and accounted(summary, "syslog") == 3
    (name,) = storage.objects
    assert NAME.match(name) and summary["deadLetters"] == [{"sink": "syslog", "object": name, "count": 3}]
    lines = storage.entries()
    assert [line["eventId"] for line in lines] == ["ev-0", "ev-1", "ev-2"]
    first = lines[0]
    assert first["sink"] == "syslog" and "ConnectionRefusedError" in first["reason"] and first["attempts"] >= 2
    assert first["event"]["data"]["resourceName"] == "Bucket is public" and first["time"].endswith("Z")
    assert storage.put_headers[0].get("If-None-Match") == "*"  # never overwrites
    assert storage.namespace in storage.requests[-1][1]  # the namespace was looked up (no DEAD_LETTER_NAMESPACE)


def test_object_storage_down_as_well_fails_the_invocation(storage, monkeypatch):
    storage.down = True
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    status, summary = handle(batch(2), seconds_left=8)
    assert status == 502
    assert summary["failed"] == {"syslog": 2} and summary["deadLettered"] == {}
    assert "cannot write dead-letter object" in summary["failures"][0]["reason"]
    assert "HTTP 503" in summary["failures"][0]["reason"] and accounted(summary, "syslog") == 2


def test_unparseable_body_is_kept_raw(storage):
    status, summary = handle(b'{"eventType": "com.oraclecloud.x", oops', seconds_left=8)
    assert status == 200 and summary["received"] == 1 and summary["deadLettered"] == {"parse": 1}
    (line,) = storage.entries()
    assert line["raw"].startswith('{"eventType"') and "body is not JSON" in line["reason"]


def test_non_utf8_body_is_kept_base64(storage):
    status, summary = handle(b"\xff\xfe garbage", seconds_left=8)
    assert status == 200
    (line,) = storage.entries()
    assert line["rawBase64"] and "not UTF-8" in line["reason"]


def test_mixed_batch_delivers_the_good_and_keeps_the_bad(storage, capsys):
    good = sample(PROBLEM)
    status, summary = handle(json.dumps([good, 7, "text", None, good | {"eventID": "ev-2"}]).encode(), seconds_left=8)
    assert status == 200
    assert summary["received"] == 5 and summary["delivered"] == {"log": 2} and summary["deadLettered"] == {"parse": 3}
    reasons = [line["reason"] for line in storage.entries()]
    kinds = ((1, "a number"), (2, "a string"), (3, "null"))
    assert reasons == [f"item {i} of the body is {t}, not an event object" for i, t in kinds]


def test_without_a_dead_letter_bucket_undelivered_events_fail(monkeypatch):
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    status, summary = handle(batch(2), seconds_left=3)
    assert status == 502 and summary["failed"] == {"syslog": 2}


def test_a_retried_batch_is_not_sent_twice_to_a_sink_that_took_it(storage, monkeypatch, httpserver, receiver):
    httpserver.expect_request("/hook").respond_with_data("rejected", status=400)  # permanent: not retried
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    storage.down = True  # nothing can be kept: the invocation fails and will be retried
    first_status, first = handle(batch(3), seconds_left=8)
    assert first_status == 502 and first["delivered"]["syslog"] == 3 and first["failed"] == {"http": 3}
    storage.down = False
    second_status, second = handle(batch(3), seconds_left=8)  # Connector Hub retries the whole batch
    assert second_status == 200 and second["delivered"]["syslog"] == 3 and second["deadLettered"] == {"http": 3}
    assert len(receiver.wait_for(6, timeout=1.0)) == 3  # syslog got each event once


def test_signer_rereads_a_rotated_token_after_401(storage, monkeypatch):
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    assert handle(batch(1), seconds_left=8)[0] == 200
    storage.principal.rotate()  # the platform wrote a new session token; the old one is now refused
    status, summary = handle(sample_bytes("cloudguard-problemdetected-dhcp-option-medium.json"), seconds_left=8)
    assert status == 200 and summary["deadLettered"] == {"syslog": 1}, summary
    codes = [code for method, _, code in storage.requests if method == "PUT"]
    assert codes == [200, 401, 200]  # refused once, refreshed from the file, accepted


def test_replay_dead_letter_resends_and_removes_only_what_is_delivered(storage, monkeypatch, receiver):
    from forwarder import handler
    from forwarder.cli import main

    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    assert handle(batch(3), seconds_left=6)[0] == 200
    assert handle(b"not json at all", seconds_left=6)[0] == 200
    kept = sorted(storage.objects)
    assert len(kept) == 2 and len(storage.entries()) == 4
    handler.reset()  # the operator runs replay with the receiver back up
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    assert main(["replay-dead-letter"]) == 1  # the unparseable body cannot be re-sent
    lines = receiver.wait_for(3)
    assert sorted(line["sdparsed"]["oci@32473"]["eventId"] for line in lines) == ["ev-0", "ev-1", "ev-2"]
    (left,) = storage.objects
    assert storage.entries()[0]["sink"] == "parse" and "/parse-" in left


def test_replay_keeps_what_still_fails(storage, monkeypatch):
    from forwarder import handler
    from forwarder.cli import main

    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    assert handle(batch(2), seconds_left=6)[0] == 200
    (before,) = storage.objects
    handler.reset()
    assert main(["replay-dead-letter", "--deadline", "2"]) == 1
    assert list(storage.objects) == [before] and len(storage.entries()) == 2


def test_a_deeply_nested_json_line_is_kept_and_the_other_lines_are_delivered(storage, capsys):
    line = json.dumps(sample(PROBLEM)).encode()
    body = line + b"\n" + b"[" * 50_000 + b"]" * 50_000 + b"\n" + line.replace(b"1642b454", b"2642b454")
    status, summary = handle(body, seconds_left=8)
    assert status == 200 and summary["delivered"] == {"log": 2} and summary["deadLettered"] == {"parse": 1}
    (kept,) = storage.entries()
    assert kept["reason"] == "line 2 is not usable JSON: nested too deeply" and kept["raw"].startswith("[[[")
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_a_retried_batch_does_not_keep_the_same_events_twice_and_replay_sends_them_once(
    storage, monkeypatch, httpserver, receiver
):
    from forwarder import handler
    from forwarder.cli import main

    hook = {"status": 400}  # permanent: kept at once
    accepted: list[str] = []

    def webhook(request):
        if hook["status"] == 200:
            accepted.extend(e["eventId"] for e in json.loads(request.get_data()))
        return Response("x", status=hook["status"])

    httpserver.expect_request("/hook").respond_with_handler(webhook)
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    body = json.dumps([*json.loads(batch(3)), 7]).encode()  # three events and one part that is not an event
    storage.refuse = ["/syslog-"]  # syslog's dead letters cannot be written: the invocation fails
    first_status, first = handle(body, seconds_left=6)
    assert first_status == 502 and first["deadLettered"] == {"parse": 1, "http": 3} and first["failed"] == {"syslog": 3}
    storage.refuse = []
    second_status, second = handle(body, seconds_left=6)  # Connector Hub retries the whole batch
    assert second_status == 200 and second["deadLettered"] == {"parse": 1, "http": 3, "syslog": 3}
    assert [d["sink"] for d in second["deadLetters"]] == ["syslog"]  # only what was not kept before
    kept = [(line["sink"], line["eventId"]) for line in storage.entries()]
    assert len(kept) == len(set(kept)) == 7  # each event once per sink, the reject once

    handler.reset()  # the operator replays once the receivers are back
    hook["status"] = 200
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    assert main(["replay-dead-letter"]) == 1  # the reject cannot be re-sent
    assert sorted(accepted) == ["ev-0", "ev-1", "ev-2"]  # each once: they were kept once
    assert len(receiver.wait_for(6, timeout=1.0)) == 3


def test_a_kept_event_with_line_separators_in_a_string_reads_back_whole(storage, monkeypatch):
    from forwarder import handler

    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    event = sample(PROBLEM)
    event["data"]["resourceName"] = "Bucket\u2028is\u2029public\u0085"
    assert handle(json.dumps(event, ensure_ascii=False).encode(), seconds_left=6)[0] == 200
    (name,) = storage.objects
    assert "\u2028".encode() in storage.objects[name]  # written raw (valid JSON), so a reader must not split on it
    (line,) = handler.get_pipeline().dead_letter.read(name)
    assert line["event"]["data"]["resourceName"] == "Bucket\u2028is\u2029public\u0085"


def test_a_kept_detection_is_replayed_as_the_same_detection(storage, monkeypatch, receiver):
    from forwarder import handler
    from forwarder.cli import main
    from tests.detect_events import events_service

    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    upload = events_service("com.oraclecloud.identitycontrolplane.uploadapikey", principal="mallory")
    status, summary = handle(json.dumps(upload).encode(), seconds_left=6)
    assert status == 200 and summary["deadLettered"] == {"syslog": 2}, summary
    (kept,) = [line for line in storage.entries() if line["eventId"].startswith("detection:")]
    handler.reset()
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    assert main(["replay-dead-letter"]) == 0 and not storage.objects
    records = [json.loads(line["msg"][1:]) for line in receiver.wait_for(2)]
    (detection,) = [r for r in records if r["eventId"] == kept["eventId"]]
    assert detection["kind"] == "detection" and detection["title"] == "OCI User API Key Uploaded"
    assert detection["severity"] == "high" and detection["principal"]["name"] == "mallory"
    assert [t["id"] for t in detection["details"]["techniques"]] == ["T1098.001"]
    assert detection["details"]["matchedEventIds"] == [upload["eventID"]]
    assert detection["original"]["type"] == "detection" and detection["original"]["id"] == kept["eventId"]


def test_listing_reading_and_deleting_dead_letters_fail_with_one_named_error(storage, monkeypatch):
    """Every dead-letter operation names the bucket and the status when Object Storage fails; none leaks
    the SDK's own exception (replay-dead-letter prints it and exits 1)."""
    import pytest

    from forwarder import handler
    from forwarder.delivery.deadletter import DeadLetterError

    dead_letter = handler.get_pipeline().dead_letter
    name = dead_letter.keep("syslog", [{"eventId": "e1", "event": {"eventID": "e1"}}])
    assert dead_letter.list() == [name] and dead_letter.read(name)[0]["eventId"] == "e1"
    storage.down = True
    for operation, args in ((dead_letter.list, ()), (dead_letter.read, (name,)), (dead_letter.delete, (name,))):
        with pytest.raises(DeadLetterError, match=r"bucket dl: .*HTTP 503 ServiceUnavailable"):
            operation(*args, deadline=__import__("time").monotonic() + 2)
    storage.down = False
    dead_letter.delete(name)
    assert dead_letter.list() == [] and dead_letter.read(name) == []


def test_an_operator_replays_dead_letters_from_a_laptop_with_an_api_key(storage, monkeypatch, receiver, tmp_path):
    import pytest

    from forwarder import handler
    from forwarder.cli import main
    from forwarder.oci import auth
    from tests.support.oci import api_key_principal

    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    assert handle(batch(2), seconds_left=6)[0] == 200 and len(storage.objects) == 1  # kept by the function
    handler.reset()
    auth.reset()
    for name in [k for k in __import__("os").environ if k.startswith("OCI_RESOURCE_PRINCIPAL")]:
        monkeypatch.delenv(name)  # a laptop: no resource principal
    key = api_key_principal(tmp_path)
    storage.principal = key  # the bucket now expects the operator's API key signature
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    with pytest.raises(SystemExit) as usage:  # no config file: one usage line, nothing read
        main(["replay-dead-letter", "--config-file", str(tmp_path / "none")])
    assert usage.value.code == 2 and len(storage.objects) == 1
    assert main(["replay-dead-letter", "--config-file", str(key.config_file)]) == 0
    assert sorted(line["sdparsed"]["oci@32473"]["eventId"] for line in receiver.wait_for(2)) == ["ev-0", "ev-1"]
    assert not storage.objects


def test_dry_run_says_what_waits_per_sink_and_reason_and_sends_nothing(storage, monkeypatch, capsys):
    from forwarder import handler
    from forwarder.cli import main

    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    assert handle(batch(3), seconds_left=6)[0] == 200
    assert handle(b"not json at all", seconds_left=6)[0] == 200
    kept = dict(storage.objects)
    handler.reset()
    capsys.readouterr()
    assert main(["replay-dead-letter", "--dry-run", "--auth", "resource_principal"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    *objects, total = lines
    assert sorted(o["object"] for o in objects) == sorted(kept) and objects[0]["oldest"] < objects[1]["oldest"]
    assert [o["sinks"] for o in objects] == [{"syslog": 3}, {"parse": 1}]
    waiting = total["waiting"]
    assert waiting["lines"] == 4 and waiting["sinks"] == {"syslog": 3, "parse": 1}
    assert any("Connection refused" in reason for reason in waiting["reasons"]), waiting["reasons"]
    assert waiting["oldest"] == objects[0]["oldest"]
    assert storage.objects == kept  # nothing sent, nothing removed
    writes = [method for method, path, _ in storage.requests if method in ("PUT", "DELETE")]
    assert writes == ["PUT", "PUT"]  # the two objects kept by the invocations; the dry run wrote nothing


def test_the_replay_task_needs_manage_objects_and_then_drains_the_bucket(storage, monkeypatch, receiver):
    from forwarder import handler

    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    assert handle(batch(2), seconds_left=6)[0] == 200
    handler.reset()
    monkeypatch.setenv("SIEM_SYSLOG_URL", receiver.url("tcp"))
    storage.create_only.add(storage.bucket)  # the forwarder's own policy: OBJECT_CREATE only
    status, answer = handle(b'{"task": "replay-dead-letter"}', seconds_left=30)
    assert status == 502 and "manage objects" in answer["errors"][0], answer
    assert "BucketNotFound" in answer["errors"][0]
    storage.create_only.clear()  # its dynamic group now may manage the bucket's objects
    status, answer = handle(b'{"task": "replay-dead-letter", "dryRun": true}', seconds_left=30)
    assert status == 200 and answer["waiting"]["sinks"] == {"syslog": 2}
    status, answer = handle(b'{"task": "replay-dead-letter"}', seconds_left=30)
    assert status == 200, answer
    assert [(o["lines"], o["delivered"], o["remainingIn"]) for o in answer["objects"]] == [(2, 2, None)]
    assert len(receiver.wait_for(2)) == 2 and storage.objects == {}
    status, answer = handle(b'{"task": "replay-dead-letter", "dryRun": "yes"}', seconds_left=30)
    assert status == 502 and "dryRun must be true or false" in answer["errors"][0]


def test_a_dead_letter_write_that_timed_out_but_landed_is_not_written_again_by_the_retry(storage, monkeypatch):
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tcp://127.0.0.1:{refused_port()}")
    storage.delay = 30.0  # Object Storage answers later than the invocation's deadline: the write times out ...
    status, first = handle(batch(3), seconds_left=3.2)
    storage.release()  # ... yet lands
    assert status == 502 and first["failed"] == {"syslog": 3}, first
    (name,) = storage.objects  # it was stored all the same
    storage.delay = 0.0
    status, second = handle(batch(3), seconds_left=8)  # Connector Hub retries the batch
    assert status == 200 and second["deadLettered"] == {"syslog": 3}, second
    assert list(storage.objects) == [name] and second["deadLetters"][0]["object"] == name  # the same name: kept once
    assert len(storage.entries()) == 3
