"""Invocation bodies -> raw events: every shape seen in the wild, and bad parts rejected one by one."""

from __future__ import annotations

import base64
import json

import pytest

from forwarder.normalize import Kind, Lifecycle, normalize
from forwarder.sources import Reject, read_body
from tests.conftest import events_of, sample, sample_bytes

PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"


def items(body: bytes) -> list:
    return list(read_body(body))


def reasons(body: bytes) -> list[str]:
    return [i.reason for i in items(body) if isinstance(i, Reject)]


def test_one_event_an_array_and_json_lines():
    one = sample_bytes(PROBLEM)
    assert len(events_of(one)) == 1
    assert len(events_of(b"[" + one + b"," + one + b"]")) == 2
    line = json.dumps(sample(PROBLEM)).encode()
    assert len(events_of(line + b"\n\n" + line + b"\n")) == 2
    assert items(b"  ") == []


def test_connector_hub_streaming_messages_are_decoded():
    records = [normalize(e) for e in events_of(sample_bytes("connector-hub-streaming-batch.json"))]
    problem, audit, bucket = records
    assert (problem.kind, problem.lifecycle, problem.event_id) == (
        Kind.PROBLEM,
        Lifecycle.REMEDIATED,
        "5e0b2f7c-stream-0001-problem",
    )
    assert (problem.problem_name, problem.risk_level, problem.status) == ("BUCKET_IS_PUBLIC", "CRITICAL", "RESOLVED")
    assert (audit.kind, audit.event_id, audit.event_type) == (
        Kind.AUDIT,
        "0c7de1f4-stream-0002-audit",
        "com.oraclecloud.Audit.ListEvents",
    )
    assert audit.principal.name == "audit-reader" and audit.original["data"]["identity"]["credentials"] == "[REDACTED]"
    assert (bucket.kind, bucket.event_id, bucket.request_action) == (Kind.AUDIT, "9a1c8e22-stream-0003-bucket", "POST")
    assert bucket.details["publicAccessType"] == "ObjectRead"


@pytest.mark.parametrize(
    "value, why",
    [
        ("not base64!", "the stream message value is not base64"),
        (base64.b64encode(b"\xff\xfe").decode(), "not UTF-8"),
        (base64.b64encode(b"{broken").decode(), "the stream message value is not JSON"),
    ],
)
def test_a_bad_stream_message_is_rejected_naming_the_field_and_the_others_go(value, why):
    good = json.loads(sample_bytes("connector-hub-streaming-batch.json"))
    bad = {**good[0], "value": value}
    got = items(json.dumps([good[0], bad, good[2]]).encode())
    assert [type(i) for i in got] == [dict, Reject, dict]
    assert got[1].reason.startswith("item 1 of the body: ") and why in got[1].reason and got[1].value == bad


def test_logging_search_response_yields_its_log_records():
    first, second = [normalize(e) for e in events_of(sample_bytes("logging-search-response.json"))]
    assert (first.event_id, first.kind, first.title) == ("4f1b9d0e-search-0001", Kind.AUDIT, "ListEvents succeeded")
    assert (second.event_type, second.request_action) == ("com.oraclecloud.identityControlPlane.UploadApiKey", "POST")
    assert first.tenancy_id.startswith("ocid1.tenancy.") and second.compartment_id.startswith("ocid1.tenancy.")


def test_logging_search_older_form_fills_the_record_from_flattened_keys():
    (event,) = events_of(sample_bytes("logging-search-response-flattened.json"))
    r = normalize(event)
    assert (r.event_id, r.kind, r.event_type) == (
        "77aa01c3-search-flat-0001",
        Kind.AUDIT,
        "com.oraclecloud.Audit.ListEvents",
    )
    assert event["oracle"]["loggroupid"] == "_Audit" and r.tenancy_id == event["oracle"]["tenantid"]
    assert r.time_iso == "2025-07-22T08:35:57.533Z"
    # The same audit event read through Connector Hub has the same id and fields: one event, not two.
    (hub,) = events_of(sample_bytes("audit-batch-listevents.json"))
    via_hub = normalize(hub)
    for field in ("kind", "time_iso", "title", "compartment_id", "tenancy_id", "request_path", "response_status"):
        assert getattr(r, field) == getattr(via_hub, field), field


def test_search_results_without_the_response_wrapper_and_with_only_datetime():
    record = json.loads(sample_bytes("audit-batch-listevents.json"))[0]
    del record["time"]
    (event,) = events_of(json.dumps([{"datetime": 1753173357533, "logContent": record}]).encode())
    assert event["time"] == "2025-07-22T08:35:57.533Z"


def test_one_deeply_nested_json_line_is_rejected_and_the_valid_lines_go():
    line = json.dumps(sample(PROBLEM)).encode()
    body = line + b"\n" + b"[" * 100_000 + b"]" * 100_000 + b"\n" + line.replace(b"1642b454", b"2642b454") + b"\n"
    got = items(body)
    assert [type(i) for i in got] == [dict, Reject, dict]
    assert got[1].reason == "line 2 is not usable JSON: nested too deeply" and got[1].raw.startswith(b"[[[")


def test_a_bad_json_line_is_rejected_and_the_valid_lines_go():
    line = json.dumps(sample(PROBLEM)).encode()
    got = items(line + b"\n{oops\n" + line + b"\n")
    assert [type(i) for i in got] == [dict, Reject, dict]
    assert got[1].reason == "line 2 is not JSON: Expecting property name enclosed in double quotes at column 2"


def test_line_separators_inside_json_strings_do_not_split_a_line():
    event = sample(PROBLEM)
    event["data"]["resourceName"] = "Bucket\u2028is\u2029public\u0085"
    line = json.dumps(event, ensure_ascii=False).encode()
    (got,) = events_of(line + b"\n" + b"")  # one line; str.splitlines() would have cut it in three
    assert got["data"]["resourceName"] == "Bucket\u2028is\u2029public\u0085"
    assert len(events_of(line + b"\n" + line + b"\n")) == 2


def test_non_finite_numbers_are_kept_as_strings():
    (event,) = events_of(
        b'{"eventID": "n1", "data": {"additionalDetails": {"a": NaN, "b": -Infinity, "c": 1e999, "d": 2.5}}}'
    )
    assert event["data"]["additionalDetails"] == {"a": "NaN", "b": "-Infinity", "c": "1e999", "d": 2.5}


def test_bodies_that_are_not_events():
    assert reasons(b"7") == ["the body is a number, not an event object"]
    assert reasons(b"{x") == ["body is not JSON: Expecting property name enclosed in double quotes at line 1 column 2"]
    assert reasons(b"[\xff]") == ["body is not UTF-8: invalid byte at offset 1"]
    assert reasons(b"[" * 100_000 + b"]" * 100_000) == ["body is not usable JSON: nested too deeply"]
    assert reasons(b'[{"a": 1}, [2], null]') == [
        "item 1 of the body is an array, not an event object",
        "item 2 of the body is null, not an event object",
    ]


def test_reject_ids_are_stable_across_retries():
    body = b'[{"eventID": "ok"}, 7]'
    first, second = [next(i for i in items(body) if isinstance(i, Reject)) for _ in range(2)]
    assert first.id == second.id and first.id.startswith("sha256:")


def test_the_fast_decoder_and_the_stdlib_agree_and_big_integers_stay_exact():
    from forwarder.jsoncodec import encode, loads

    text = b'{"big": 123456789012345678901234567890, "neg": -36893488147419103232, "f": 0.1, "e": 1E+2, "s": "\\u00e9"}'
    assert loads(text) == json.loads(text) and loads(text)["big"] == 123456789012345678901234567890
    assert (
        encode(loads(text))
        == b'{"big":123456789012345678901234567890,"neg":-36893488147419103232,"f":0.1,"e":100.0,"s":"\xc3\xa9"}'
    )
    # what msgspec refuses goes to the stdlib, with the same rules
    assert loads(b'{"a": NaN, "b": "\\ud800"}') == {"a": "NaN", "b": "\ufffd"}  # a lone surrogate: U+FFFD
    pair_and_lone = loads('{"\\udc00k": ["\\ud83d\\ude00", "x\\udfffy"]}')
    assert pair_and_lone == {"\ufffdk": ["\U0001f600", "x\ufffdy"]}
    assert encode({"b": "x\ud800y"}) == b'{"b":"x\\ud800y"}'  # a lone surrogate is escaped, valid UTF-8
    with pytest.raises(ValueError, match="Expecting value: line 1 column 7"):
        loads(b'{"a": }')


def test_files_are_read_in_bounded_batches(tmp_path):
    from forwarder.sources import read_batches

    line = json.dumps(sample(PROBLEM)).encode()
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"\n\n" + b"\n".join([line] * 25 + [b"[1, 2]"] + [line] * 4) + b"\n")
    with open(path, "rb") as stream:
        batches = list(read_batches(stream, items=10))
    assert [len(b) for b in batches] == [10, 10, 10, 1]  # a line holding two parts is not split across batches
    rejects = [i.reason for b in batches for i in b if isinstance(i, Reject)]
    assert rejects == [
        "item 0 of line 28 is a number, not an event object",
        "item 1 of line 28 is a number, not an event object",
    ]
    pretty = tmp_path / "pretty.json"
    pretty.write_bytes(json.dumps([sample(PROBLEM)] * 3, indent=2).encode())  # one document over many lines
    with open(pretty, "rb") as stream:
        assert [len(b) for b in read_batches(stream, items=2)] == [2, 1]
    empty = tmp_path / "empty"
    empty.write_bytes(b"\n \n")
    with open(empty, "rb") as stream:
        assert list(read_batches(stream)) == []


def test_a_body_with_a_byte_order_mark_is_read_as_utf8():
    event = sample_bytes(PROBLEM)
    assert events_of(b"\xef\xbb\xbf" + event) == [sample(PROBLEM)]  # one document, read straight from the bytes
    line = json.dumps(sample(PROBLEM)).encode()
    assert len(events_of(b"\xef\xbb\xbf" + line + b"\n" + line + b"\n")) == 2  # JSON lines
