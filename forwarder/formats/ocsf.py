"""Open Cybersecurity Schema Framework (OCSF) 1.5.0 payload: one OCSF event per record, compact JSON.

Classes (schema.ocsf.io/1.5.0): audit records are API Activity (6003, category 6 Application Activity),
console sign-ins (`...InteractiveLogin`) Authentication (3002, category 3 Identity & Access Management),
Cloud Guard problems and detections Detection Finding (2004, category 2 Findings); any other record is
API Activity with activity Other. Every event carries `metadata.product` (this forwarder, vendor Oracle),
`metadata.profiles: ["cloud"]` with `cloud.provider = "OCI"`, `type_uid = class_uid * 100 + activity_id`,
`time` in epoch milliseconds, and the record fields no OCSF attribute holds in `unmapped`; `raw_data` is the
event as received (left out when the sink drops `original`). OCSF objects allow no other keys, so only
attributes of the schema are written (checked against the compiled JSON Schema in the tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from forwarder import PRODUCT, VENDOR, __version__, jsoncodec
from forwarder.formats import ocsf_objects as o
from forwarder.normalize.record import Kind, Record

VERSION = "1.5.0"
_METADATA_PRODUCT = {"name": PRODUCT, "vendor_name": VENDOR, "version": __version__}
#: Normalized severity -> (severity_id, severity).
_SEVERITY = {
    "info": (1, "Informational"),
    "low": (2, "Low"),
    "medium": (3, "Medium"),
    "high": (4, "High"),
    "critical": (5, "Critical"),
}
#: Cloud Guard risk level -> (risk_level_id, risk_level).
_RISK = {
    "MINOR": (0, "Info"),
    "LOW": (1, "Low"),
    "MEDIUM": (2, "Medium"),
    "HIGH": (3, "High"),
    "CRITICAL": (4, "Critical"),
}
_API_ACTIVITY = {1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other"}
_METHOD_ACTIVITY = {"POST": 1, "GET": 2, "HEAD": 2, "PUT": 3, "PATCH": 3, "DELETE": 4}
_VERB_ACTIVITY = (
    ("create", 1),
    ("launch", 1),
    ("add", 1),
    ("get", 2),
    ("list", 2),
    ("search", 2),
    ("update", 3),
    ("change", 3),
    ("delete", 4),
    ("terminate", 4),
    ("remove", 4),
)
#: Problem lifecycle -> (activity_id, activity_name, status_id, status) of a Detection Finding.
_FINDING = {
    "detected": (1, "Create", 1, "New"),
    "updated": (2, "Update", 1, "New"),
    "threshold_reached": (2, "Update", 1, "New"),
    "dismissed": (3, "Close", 3, "Suppressed"),
    "remediated": (3, "Close", 4, "Resolved"),
}
#: Record fields written to `unmapped` (those no OCSF attribute of the class holds).
_UNMAPPED = (
    "eventType",
    "kind",
    "lifecycle",
    "source",
    "riskLevel",
    "problemType",
    "detector",
    "reason",
    "targetId",
    "details",
    "status",
)


def encode(record: Record, original: bool = True, now: Callable[[], float] = time.time) -> bytes:
    """One record as one OCSF event (compact UTF-8 JSON); `original` False leaves out `raw_data`."""
    return jsoncodec.encode(event(record, original, now))


def event(record: Record, original: bool = True, now: Callable[[], float] = time.time) -> dict[str, Any]:
    """The OCSF event of a record (a dict of its class's attributes). `time` is the event's time in epoch
    milliseconds, or `now()` (seconds) when the record has none (OCSF requires one)."""
    d = record.data
    if d["kind"] in (Kind.PROBLEM, Kind.DETECTION):
        out = _finding(d)
    elif (d["eventType"] or "").lower().endswith(".interactivelogin"):
        out = _authentication(d)
    else:
        out = _api_activity(d)
    severity_id, severity = _SEVERITY[d["severity"]]
    out.update(
        time=record.time_ms if record.time_ms is not None else int(now() * 1000),
        severity_id=severity_id,
        severity=severity,
        metadata=_metadata(d, record.time_raw),
        cloud=_cloud(d),
    )
    out["type_uid"] = out["class_uid"] * 100 + out["activity_id"]
    if d["title"]:
        out["message"] = d["title"]
    out = o.pruned(out)
    unmapped = {k: d[k] for k in _UNMAPPED if d.get(k) not in (None, [], {})}  # as the record holds them
    if unmapped:
        out["unmapped"] = unmapped
    if original and d["original"] is not None:
        out["raw_data"] = jsoncodec.encode(d["original"]).decode("utf-8")
    return out


def _metadata(d: dict, time_raw: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "version": VERSION,
        "product": _METADATA_PRODUCT,
        "profiles": ["cloud"],
        "uid": d["eventId"],
        "event_code": d["eventType"],
        "log_provider": "Oracle Cloud Infrastructure",
        "log_name": {Kind.PROBLEM: "cloudguard", Kind.DETECTION: "detection"}.get(d["kind"], "audit"),
        "tenant_uid": d["tenancyId"],
        "original_time": time_raw,
        "labels": list(d["labels"]) or None,
    }
    return meta


def _cloud(d: dict) -> dict[str, Any]:
    return {
        "provider": "OCI",
        "region": d["region"],
        "account": {"uid": d["tenancyId"], "name": d["tenancyName"]},
    }


def _api_activity(d: dict) -> dict[str, Any]:
    method = (d["request"]["action"] or "").upper()
    activity = _METHOD_ACTIVITY.get(method) if d["kind"] is Kind.AUDIT else None
    operation = (d["eventType"] or d["kind"]).rsplit(".", 1)[-1]
    if activity is None:
        lower = operation.lower()
        activity = next((a for verb, a in _VERB_ACTIVITY if lower.startswith(verb)), 99)
    status_id, status = o.status(d)
    code = d["responseStatus"]
    return {
        "class_uid": 6003,
        "class_name": "API Activity",
        "category_uid": 6,
        "category_name": "Application Activity",
        "activity_id": activity,
        "activity_name": _API_ACTIVITY[activity],
        "actor": o.actor(d),
        "api": {
            "operation": operation,
            "service": {"name": d["source"]},
            "request": {"uid": d["request"]["id"]} if d["request"]["id"] else None,
            "response": {"code": int(code)} if code and code.isdigit() else None,
        },
        "src_endpoint": o.endpoint(d),
        "http_request": o.http_request(d),
        "resources": o.resources(d),
        "status_id": status_id,
        "status": status,
        "status_code": code,
    }


def _authentication(d: dict) -> dict[str, Any]:
    status_id, status = o.status(d)
    return {
        "class_uid": 3002,
        "class_name": "Authentication",
        "category_uid": 3,
        "category_name": "Identity & Access Management",
        "activity_id": 1,
        "activity_name": "Logon",
        "user": o.user(d),
        "service": {"name": "OCI Console"},
        "src_endpoint": o.endpoint(d),
        "http_request": o.http_request(d),
        "status_id": status_id,
        "status": status,
        "status_code": d["responseStatus"],
    }


def _finding(d: dict) -> dict[str, Any]:
    activity_id, activity_name, status_id, status = _FINDING.get(d["lifecycle"] or "detected", _FINDING["detected"])
    detection = d["kind"] is Kind.DETECTION
    details = (d["details"] or {}) if detection else {}
    rule = {"uid": details.get("ruleId"), "name": details.get("ruleName")} if detection else {"name": d["problemName"]}
    info: dict[str, Any] = {
        "uid": d["problemId"] or d["eventId"],
        "title": d["title"],
        "desc": d["description"],
        "types": [d["problemType"]] if d["problemType"] else None,
        "analytic": {**rule, "type_id": 1, "type": "Rule"},
        "first_seen_time": o.ms(d["firstDetected"]),
        "last_seen_time": o.ms(d["lastDetected"]),
        "product": {"name": "Sigma rule pack" if detection else "Cloud Guard", "vendor_name": VENDOR},
    }
    if detection:
        tactics = [{"uid": t["id"], "name": t["name"]} for t in details.get("tactics") or []]
        attacks = [
            {
                "technique": {"uid": t["id"], "name": t["name"]},
                "tactics": tactics,
                "version": details.get("attackVersion"),
            }
            for t in details.get("techniques") or []
        ]
        info["attacks"] = attacks or None
    risk_id, risk = _RISK.get(d["riskLevel"] or "", (None, None))
    return {
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "finding_info": info,
        "status_id": status_id,
        "status": status,
        "risk_level_id": risk_id,
        "risk_level": risk,
        "is_alert": True,
        "remediation": {"desc": d["recommendation"]} if d["recommendation"] else None,
        "resources": o.resources(d),
        "evidences": [{"actor": {"user": o.user(d)}, "src_endpoint": o.endpoint(d)}] if o.has_principal(d) else None,
    }
