"""Hostile and broken input: the container keeps serving, says why in one line, loses nothing."""

from __future__ import annotations

import io
import json
import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forwarder.delivery.route import Route
from forwarder.formats import record_json
from forwarder.handler import handle
from forwarder.pipeline import Pipeline
from forwarder.sinks.log import LogSink
from tests.conftest import sample

PROBLEM = "cloudguard-problemdetected-bucket-public-critical.json"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)


def event_like():
    """Objects shaped like events, with fields replaced by arbitrary JSON."""
    base = sample(PROBLEM)
    paths = [
        ("eventType",),
        ("eventID",),
        ("eventTime",),
        ("data",),
        ("data", "additionalDetails"),
        ("data", "additionalDetails", "riskLevel"),
        ("data", "additionalDetails", "labels"),
        ("data", "resourceId"),
        ("data", "identity"),
    ]

    def mutate(choice):
        path, value = choice
        event = json.loads(json.dumps(base))
        target = event
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                return event
            target = target[key]
        target[path[-1]] = value
        return event

    return st.tuples(st.sampled_from(paths), json_values).map(mutate)


def forwarder() -> Pipeline:
    return Pipeline([Route(record_json.encode, LogSink(io.StringIO()))])


def check_accounting(summary, items: list) -> None:
    objects = sum(isinstance(i, dict) for i in items)
    assert summary.received == len(items)
    assert summary.delivered.get("log", 0) + summary.failed.get("log", 0) == objects
    assert summary.failed.get("parse", 0) == len(items) - objects


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_values | event_like(), max_size=6))
def test_arbitrary_json_arrays_are_accounted_for(items):
    summary = forwarder().process(json.dumps(items).encode())
    check_accounting(summary, items)
    assert summary.delivered.get("log", 0) == sum(isinstance(i, dict) for i in items)


@settings(max_examples=300, deadline=None)
@given(json_values | event_like())
def test_any_single_json_value_is_accounted_for(value):
    summary = forwarder().process(json.dumps(value).encode())
    check_accounting(summary, value if isinstance(value, list) else [value])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(body):
    summary = forwarder().process(body)
    kept_or_not = summary.delivered.get("log", 0) + summary.failed.get("log", 0) + summary.failed.get("parse", 0)
    assert kept_or_not == summary.received  # every input event (or the unparseable body) accounted for
    assert summary.ok == (summary.failed.get("parse", 0) == 0)


def test_wrong_types_are_logged_in_one_line_naming_event_and_field(caplog, capsys):
    event = sample(PROBLEM)
    event["data"]["additionalDetails"]["riskLevel"] = 5
    event["data"]["additionalDetails"]["labels"] = {"a": 1}
    with caplog.at_level(logging.WARNING, logger="forwarder"):
        status, summary = handle(json.dumps(event).encode())
    assert status == 200 and summary["delivered"] == {"log": 1}
    (line,) = [r.getMessage() for r in caplog.records if "expected" in r.getMessage()]
    assert line == (
        "event 1642b454-eeee-aaaa-aaa-783803f83134: data.additionalDetails.riskLevel is a number, expected a string; "
        "data.additionalDetails.labels is an object, expected a string"
    )


def test_additional_details_as_a_string_is_forwarded(capsys):
    event = sample(PROBLEM)
    event["data"]["additionalDetails"] = "not an object"
    status, summary = handle(json.dumps(event).encode())
    assert status == 200 and json.loads(capsys.readouterr().out)["riskLevel"] is None


def test_empty_body_scalar_and_deep_nesting(caplog):
    assert handle(b"")[1]["received"] == 0
    status, summary = handle(b"42")
    assert status == 502 and summary["failed"] == {"parse": 1}  # no dead-letter bucket here: not kept
    status, summary = handle(b"[" * 50_000 + b"]" * 50_000)
    assert status == 502 and "nested too deeply" in summary["failures"][0]["reason"]


def test_six_megabyte_body_through_the_real_fdk_server(function_server):
    fn = function_server({})
    events = []
    base = sample("audit-objectstorage-createbucket-public.json")
    while len(json.dumps(events)) < 6_000_000:
        e = json.loads(json.dumps(base))
        e["eventID"] = f"big-{len(events)}"
        e["data"]["additionalDetails"]["padding"] = "x" * 100_000
        events.append(e)
    body = json.dumps(events).encode()
    result = fn.invoke(body)
    detections = result.summary["detection"]["detections"]  # a public bucket each: a detection each
    assert result.status == 200 and result.summary["delivered"] == {"log": len(events) + detections} and detections
    # The container keeps serving.
    assert fn.invoke(b"not json").status == 502 and fn.invoke(json.dumps(base).encode()).status == 200


def test_an_event_that_breaks_normalize_is_kept_and_the_batch_goes_on(storage, monkeypatch, capsys):
    from forwarder import pipeline

    real = pipeline.normalize

    def fragile(event, region=None):
        if event.get("eventID") == "bad":
            raise KeyError("a bug")
        return real(event, region)

    monkeypatch.setattr(pipeline, "normalize", fragile)
    good = sample(PROBLEM)
    status, summary = handle(json.dumps([good, {**good, "eventID": "bad"}]).encode(), seconds_left=8)
    assert status == 200 and summary["delivered"] == {"log": 1} and summary["deadLettered"] == {"parse": 1}
    (kept,) = storage.entries()
    assert kept["reason"] == "cannot normalize the event: KeyError: 'a bug'" and kept["event"]["eventID"] == "bad"
