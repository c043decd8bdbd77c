"""Detections end to end, through the real fdk server: to a real rsyslog as CEF, to the ServiceNow
stand-in as a ticket, and counted across processes in a real redis-server."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.collect_world import Siem
from tests.detect_events import START, audit, events_service
from tests.support.ticket_apis import ServiceNowStandIn

LAUNCH = "com.oraclecloud.computeApi.LaunchInstance"
LAUNCH_BURST = "oci_instances_launched_burst"


def body(*events: dict) -> bytes:
    return json.dumps(list(events) if len(events) > 1 else events[0]).encode()


def test_seed_rule_end_to_end_cef_on_rsyslog_and_a_servicenow_ticket(httpserver, receiver, function_server):
    snow = ServiceNowStandIn(httpserver)
    fn = function_server(
        {
            "SIEM_SYSLOG_URL": receiver.url("tcp"),
            "SIEM_SYSLOG_PAYLOAD": "cef",
            "TICKET_SYSTEM": "servicenow",
            "TICKET_URL": snow.url(),
            "TICKET_MIN_RISK": "HIGH",
            "TICKET_USERNAME": "svc-oci",
            "TICKET_PASSWORD": "sn-password",
        }
    )
    upload = events_service("com.oraclecloud.identitycontrolplane.uploadapikey", principal="mallory")
    first = fn.invoke(body(upload))
    assert first.status == 200, first.text
    assert first.summary["detection"] == {
        "matched": 1,
        "detections": 1,
        "unevaluated": 0,
        "state": "memory",
        "warnings": [],
    }
    assert first.summary["delivered"] == {"syslog": 2}
    messages = receiver.wait_for(2)
    (cef,) = [m["msg"] for m in messages if "flexString2" in m["msg"]]
    assert "|OCI User API Key Uploaded|8|" in cef
    assert "flexString1Label=attackTactics flexString1=TA0003,TA0004" in cef
    assert "flexString2Label=attackTechniques flexString2=T1098.001" in cef
    assert "reason=ATT&CK Account Manipulation: Additional Cloud Credentials" in cef and "suser=mallory" in cef
    (incident,) = snow.incidents.values()
    assert incident["short_description"].startswith("[OCI detection] HIGH: OCI User API Key Uploaded (mallory")
    assert "T1098.001 Account Manipulation: Additional Cloud Credentials" in incident["description"]
    assert "intentionally created an API key" in incident["description"]
    assert [t["action"] for t in first.summary["tickets"]] == ["opened"]
    again = fn.invoke(body(upload))  # a redelivery: no second detection, no second ticket
    assert again.status == 200 and again.summary["detection"]["detections"] == 0
    assert len(snow.incidents) == 1 and receiver.count() == 2


def launches(n: int, principal: str = "eve") -> list[dict]:
    return [
        audit(LAUNCH, at=START + timedelta(minutes=i), principal=principal, event_id=f"launch-{principal}-{i}")
        for i in range(n)
    ]


def detections(siem: Siem) -> list[dict]:
    return [r for r in siem.records if r["kind"] == "detection"]


def test_a_threshold_across_two_processes_sharing_redis_fires_exactly_once(httpserver, function_server, redis_server):
    siem = Siem(httpserver)
    config = {"SIEM_HTTP_URL": siem.url, "DETECTION_STATE_URL": redis_server.url}
    one, two = function_server(config), function_server(config)
    events = launches(6)
    for i, event in enumerate(events):  # five within ten minutes, split between two containers
        result = (one if i % 2 else two).invoke(body(event))
        assert result.status == 200 and result.summary["detection"]["state"] == "redis", result.text
    (found,) = [d for d in detections(siem) if d["details"]["ruleName"] == LAUNCH_BURST]
    assert found["details"]["matchedEventIds"] == [e["id"] for e in events[:5]]
    assert found["details"]["groupBy"] == {"principal.name": "eve"}
    assert redis_server.keys() > 0


def test_without_redis_each_container_counts_alone(httpserver, function_server):
    siem = Siem(httpserver)
    one, two = function_server({"SIEM_HTTP_URL": siem.url}), function_server({"SIEM_HTTP_URL": siem.url})
    for i, event in enumerate(launches(6)):
        assert (one if i % 2 else two).invoke(body(event)).status == 200
    assert [d for d in detections(siem) if d["details"]["ruleName"] == LAUNCH_BURST] == []


def test_redis_killed_mid_run_events_still_delivered_and_detection_degrades(httpserver, function_server, redis_server):
    siem = Siem(httpserver)
    fn = function_server({"SIEM_HTTP_URL": siem.url, "DETECTION_STATE_URL": redis_server.url})
    events = launches(8, principal="trent")
    before = fn.invoke(body(*events[:2]))
    assert before.status == 200 and before.summary["detection"]["state"] == "redis"
    redis_server.kill()
    after = fn.invoke(body(*events[2:]))
    assert after.status == 200, after.text
    assert after.summary["delivered"] == {"http": 6 + 1} and after.summary["failed"] == {}
    assert after.summary["detection"]["state"] == "memory"
    assert "Redis failed" in after.summary["detection"]["warnings"][0]
    assert {e["id"] for e in events} <= set(siem.ids)
    (found,) = [d for d in detections(siem) if d["details"]["ruleName"] == LAUNCH_BURST]
    assert found["details"]["count"] == 6  # the six this container saw after Redis went away
    assert "degraded" in fn.log() or "per-container memory" in fn.log()
