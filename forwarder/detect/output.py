"""A fired rule -> a detection record (kind `detection`), sent to every sink like any event.

The record's fields (`record.SCHEMA`): eventId `detection:<rule id>:<digest>` (the same window always
gets the same id), eventType `detection`, source `sigma`, time = the last matched event's time, riskLevel
and severity from the rule's level, title / description / recommendation = the rule's title,
description and remediation, problemName = the rule id, labels = the rule's tags; principal,
compartment, region, tenancy and resource of the last matched event. `details`:

    ruleId, ruleName, ruleFile, level, attackVersion,
    tactics: [{"id": "TA0003", "name": "Persistence"}], techniques: [{"id": "T1098.001", "name": ...}],
    groupBy: {field: value}, count, timespan (s, correlations), matchedEventIds (at most 100),
    firstTime, lastTime, falsePositives

`original` (what a dead letter keeps) is `{"id", "type": "detection", "time", "details"}`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from forwarder.detect import LEVELS
from forwarder.detect.state import Member
from forwarder.normalize.record import SCHEMA, Kind, Lifecycle, Record, iso_utc, severity_for_risk
from forwarder.normalize.timeparse import parse_text

#: Most matched event ids listed in a detection (the count gives them all).
MAX_IDS = 100


def detection(
    rule: dict[str, Any], members: list[Member], last: Record | None, group: dict[str, str] | None = None
) -> Record:
    """The detection record of `rule` for matched events `members` (time-sorted); `last` is the last
    matched record when this process has it (principal, compartment and the like are shared with it:
    records are read-only)."""
    if len(members) == 1 and last is not None and last.time is not None:  # one event: its own times
        first = last_iso = last.data["time"]
        last_time = last.time
    else:
        last_time = _time(members[-1].time)
        first, last_iso = iso_utc(_time(members[0].time)), iso_utc(last_time)
    import hashlib

    ids = [m.event_id for m in members]
    digest = hashlib.sha256("\x1f".join([*(group or {}).values(), ids[0], str(members[0].time)]).encode())
    template, details_template = _templates(rule)
    data = template.copy()  # the rule's constant fields, in the schema's order; the rest is set below
    details = details_template.copy()
    details["groupBy"] = group or {}
    details["count"] = len(members)
    details["matchedEventIds"] = ids[:MAX_IDS]
    details["firstTime"], details["lastTime"] = first, last_iso
    data["eventId"] = f"detection:{rule['id']}:{digest.hexdigest()[:16]}"
    data["time"] = data["lastDetected"] = last_iso
    data["firstDetected"] = first
    data["details"] = details
    data["original"] = {"id": data["eventId"], "type": "detection", "time": last_iso, "details": details}
    if last is not None:
        base = last.data
        for key in ("resource", "compartment", "tenancyId", "tenancyName", "region", "principal"):
            data[key] = base[key]
    return Record(data, last_time, last_iso)


def restore(kept: dict[str, Any]) -> Record:
    """The detection record a dead letter kept (`Record.kept` of a detection: its mapping without
    `original`), as it was made: same event id, fields and time, so a replay sends what the sink missed."""
    data = {key: kept.get(key) for key in SCHEMA}
    data["kind"], data["lifecycle"] = Kind.DETECTION, Lifecycle.DETECTED
    data["severity"] = severity_for_risk(data["riskLevel"])  # as `detection` set it from the rule's level
    moment, text = parse_text(data["time"]) if isinstance(data["time"], str) else (None, None)
    data["original"] = {"id": data["eventId"], "type": "detection", "time": data["time"], "details": data["details"]}
    return Record(data, moment, text)


def is_kept_detection(event: dict[str, Any]) -> bool:
    """Whether a dead letter's `event` is a kept detection (see `restore`), not an event as received."""
    return event.get("kind") == Kind.DETECTION and event.get("eventType") == "detection" and "original" not in event


#: id(rule) -> (the rule, kept so its id is not reused; its constant record fields; its constant details)
_TEMPLATES: dict[int, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {}


def _templates(rule: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A rule's constant record fields and details (built once per rule)."""
    found = _TEMPLATES.get(id(rule))
    if found is not None and found[0] is rule:
        return found[1], found[2]
    from forwarder.detect import attack  # the table is read when a rule first fires, not at cold start

    risk = LEVELS[rule["level"]]
    correlation = rule.get("correlation")
    details = {
        "ruleId": rule["id"],
        "ruleName": rule["name"],
        "ruleFile": rule.get("file"),
        "level": rule["level"],
        "attackVersion": attack.table().version,
        "tactics": attack.named(rule["tactics"]),
        "techniques": attack.named(rule["techniques"]),
        "groupBy": None,
        "count": 0,
        "timespan": correlation["timespan"] if correlation else None,
        "matchedEventIds": None,
        "firstTime": None,
        "lastTime": None,
        "falsePositives": rule["falsepositives"],
    }
    data = {
        "eventId": None,
        "eventType": "detection",
        "kind": Kind.DETECTION,
        "lifecycle": Lifecycle.DETECTED,
        "source": "sigma",
        "time": None,
        "riskLevel": risk,
        "severity": severity_for_risk(risk),
        "title": rule["title"],
        "description": rule["description"],
        "recommendation": rule["remediation"],
        "problemId": None,
        "problemName": rule["id"],
        "problemType": "DETECTION",
        "detector": None,
        "status": "OPEN",
        "reason": None,
        "labels": list(rule["tags"]),
        "details": None,
        "firstDetected": None,
        "lastDetected": None,
        "targetId": None,
        "resource": {"name": None, "id": None, "type": None},
        "impactedResource": {"name": None, "id": None, "type": None},
        "compartment": {"id": None, "name": None},
        "tenancyId": None,
        "tenancyName": None,
        "region": None,
        "principal": {"name": None, "id": None, "ip": None, "userAgent": None, "authType": None},
        "request": {"id": None, "action": None, "path": None},
        "responseStatus": None,
        "original": None,
    }
    _TEMPLATES[id(rule)] = (rule, data, details)
    return data, details


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
