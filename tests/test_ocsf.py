"""The `ocsf` payload: every sample and every rule's detection is a valid OCSF 1.5.0 event of its class,
checked against OCSF's classes compiled to JSON Schema (tests/data/ocsf, tools/ocsf_schemas.py)."""

from __future__ import annotations

import json
from functools import cache

import pytest
from jsonschema import Draft202012Validator

from forwarder.formats import ocsf
from forwarder.normalize import normalize
from tests.detect_events import DATA, fired, scenario
from tests.support import golden

CLASSES = {6003: "api_activity", 3002: "authentication", 2004: "detection_finding"}
CASES = json.loads((DATA / "detections" / "cases.json").read_text())


@cache
def validator(class_uid: int) -> Draft202012Validator:
    schema = json.loads((DATA / "ocsf" / f"{CLASSES[class_uid]}.json").read_text())
    return Draft202012Validator(schema)


def check(event: dict) -> None:
    """Valid for its class's schema, with what the schema does not check: type_uid, product, cloud."""
    errors = sorted(validator(event["class_uid"]).iter_errors(event), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]
    assert event["metadata"]["version"] == ocsf.VERSION and event["metadata"]["profiles"] == ["cloud"]
    assert event["metadata"]["product"]["name"] == "OCI Security Event Forwarder"
    assert event["cloud"]["provider"] == "OCI"


def test_the_shipped_schemas_are_ocsf_1_5_0():
    source = json.loads((DATA / "ocsf" / "source.json").read_text())
    assert source["ocsf"] == ocsf.VERSION and source["profiles"] == ["cloud"]
    for uid, name in CLASSES.items():
        schema = json.loads((DATA / "ocsf" / f"{name}.json").read_text())
        assert schema["properties"]["class_uid"]["const"] == uid
        assert schema["$id"] == f"https://schema.ocsf.io/schema/{ocsf.VERSION}/classes/{name}?profiles=cloud"


def test_every_sample_is_a_valid_ocsf_event_of_its_class():
    seen = set()
    for record in golden.records():
        event = json.loads(ocsf.encode(record))
        check(event)
        seen.add(event["class_uid"])
        assert json.loads(event["raw_data"]) == record.data["original"]
        assert event["metadata"]["uid"] == record.event_id
    assert seen == {6003, 2004}  # the samples hold audit events and problems (sign-ins: below)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_rule_detection_is_a_valid_detection_finding(name):
    (detection,) = fired(scenario(CASES[name]["match"]), name)
    event = ocsf.event(detection)
    check(event)
    assert event["class_uid"] == 2004 and event["finding_info"]["analytic"]["name"] == name
    techniques = [a["technique"]["uid"] for a in event["finding_info"]["attacks"]]
    assert techniques == [t["id"] for t in detection.details["techniques"]]


def test_audit_event_maps_actor_api_endpoint_and_status():
    (record,) = [r for r in golden.records() if r.event_type == "com.oraclecloud.objectstorage.createbucket"][:1]
    event = ocsf.event(record)
    assert (event["class_uid"], event["activity_id"], event["activity_name"]) == (6003, 1, "Create")
    assert event["actor"]["user"] == {"name": "jane.doe@example.com", "uid": record.data["principal"]["id"]}
    assert event["api"]["operation"] == "createbucket" and event["api"]["service"] == {"name": "ObjectStorage"}
    assert event["src_endpoint"] == {"ip": "198.51.100.24"} and (event["status_id"], event["status"]) == (1, "Success")
    assert event["resources"][0]["name"] == "customer-exports"
    assert event["unmapped"]["details"]["publicAccessType"] == "ObjectRead"


def test_console_sign_in_is_authentication_and_a_failed_one_is_a_failure():
    (success,) = scenario(CASES["oci_console_login_after_failures"]["match"])[-1:]
    failed = scenario(CASES["oci_console_login_after_failures"]["match"])[0]
    for raw, status in ((success, "Success"), (failed, "Failure")):
        event = ocsf.event(normalize(raw))
        check(event)
        assert (event["class_uid"], event["activity_name"], event["status"]) == (3002, "Logon", status)
        assert event["user"]["name"]


def test_problem_lifecycle_maps_to_finding_activity_and_status():
    problem = normalize(json.loads((DATA / "cloudguard-problemdetected-bucket-public-critical.json").read_text()))
    event = ocsf.event(problem)
    assert (event["activity_name"], event["status"], event["risk_level"], event["severity"]) == (
        "Create",
        "New",
        "Critical",
        "Critical",
    )
    assert event["finding_info"]["uid"] == problem.data["problemId"]
    assert event["remediation"]["desc"].startswith("Ensure that the bucket")
    assert "raw_data" not in ocsf.event(problem, original=False)
