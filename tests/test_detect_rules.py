"""The built-in rule pack: every rule fires on its matching events and stays quiet on the others,
through the whole path (raw event -> normalize -> detector); the pack is what rules/ compiles to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forwarder.detect import attack, pack
from tests.detect_events import AUDIT_FORMS, DATA, FLOW_FORMS, fired, scenario

CASES = json.loads((DATA / "detections" / "cases.json").read_text())


def forms(name: str) -> tuple[str, ...]:
    """The forms a case's events are tried in: both audit forms, or both flow-log forms."""
    specs = CASES[name]["match"]["events"]
    return FLOW_FORMS if any(spec.get("form") in FLOW_FORMS for spec in specs) else AUDIT_FORMS


FORMS = [(name, form) for name in sorted(CASES) for form in forms(name)]
EMITTING = pack.emitting(pack.builtin())


@pytest.mark.parametrize(("name", "form"), FORMS)
def test_rule_fires_once_on_its_events(name, form):
    """Every event of the case in one form: the Events Service's and the `_Audit` log's for audit rules,
    Connector Hub's and Logging Search's for flow-log rules."""
    (detection,) = fired(scenario(CASES[name]["match"], form), name)
    assert detection.kind == "detection" and detection.details["techniques"]
    assert detection.details["count"] >= 1 and detection.event_id.startswith("detection:")


@pytest.mark.parametrize(("name", "form"), FORMS)
def test_rule_stays_quiet_on_other_events(name, form):
    assert fired(scenario(CASES[name]["nomatch"], form), name) == []


def test_every_rule_of_the_pack_has_cases():
    assert sorted(r["name"] for r in EMITTING) == sorted(CASES)


def test_every_rule_carries_what_an_analyst_needs():
    t = attack.table()
    for rule in EMITTING:
        assert rule["title"] and rule["description"] and rule["remediation"] and rule["falsepositives"], rule["name"]
        assert rule["level"] in ("low", "medium", "high", "critical"), rule["name"]
        assert rule["techniques"] and all(x in t.techniques for x in rule["techniques"]), rule["name"]
        assert rule["tactics"] and all(x in t.tactics for x in rule["tactics"]), rule["name"]
        assert rule["file"] == ("correlation_" if "correlation" in rule else "") + rule["name"] + ".yml"


def test_pack_json_is_what_the_rule_files_compile_to():
    assert json.loads(Path(pack.PACK).read_text()) == json.loads(json.dumps(pack.compile_builtin())), (
        "forwarder/detect/pack.json is stale: run python -m forwarder.detect.pack"
    )


def test_attack_table_names_its_version_and_the_seed_technique():
    t = attack.table()
    assert t.version == "18.1"
    assert t.techniques["T1098.001"][0] == "Account Manipulation: Additional Cloud Credentials"
    assert t.tactics["TA0003"][0] == "Persistence"


def test_seed_rule_is_the_fortisiem_rule():
    (rule,) = [r for r in pack.builtin() if r["name"] == "oci_api_key_uploaded"]
    c = rule["correlation"]
    assert (c["type"], c["timespan"], c["op"], c["count"]) == ("event_count", 120, "gte", 1)
    assert rule["techniques"] == ["T1098.001"] and "TA0003" in rule["tactics"]
    assert "intentionally created an API key" in rule["remediation"]


def test_a_failed_upload_or_another_type_form_is_told_apart():
    events = scenario({"events": [{"form": "events", "type": "com.oraclecloud.identitycontrolplane.uploadapikey"}]})
    (detection,) = fired(events, "oci_api_key_uploaded")  # the Events Service form matches too
    assert detection.principal.name == "jane.doe"


def test_readme_tables_of_rules_and_fields_are_the_generated_ones():
    from forwarder.detect.fields import markdown_table as fields_table

    page = (DATA.parent.parent / "docs" / "detections.md").read_text()
    assert pack.markdown_table() in page, "docs/detections.md: paste forwarder.detect.pack.markdown_table()"
    assert fields_table() in page, "docs/detections.md: paste forwarder.detect.fields.markdown_table()"
