"""`doctor` on the deployment around the function: the function, the Events rules invoking it and the Connector
Hub connectors targeting it (the real SDK against signature-checking stand-ins): each found, enabled, and what
to do when one is not; a refused read is a warning naming the statement (the function's own policy does not
grant these reads)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from tests.support.deployment_apis import DeploymentApis
from tests.support.oci import TENANCY, resource_principal
from tests.support.oci_apis import OciApis

COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaasecops"
FUNCTION = "ocid1.fnfunc.oc1.iad.aaaaaaaaforwarder"


@pytest.fixture
def world(tmp_path, monkeypatch):
    principal = resource_principal(tmp_path)
    with OciApis(principal) as apis, DeploymentApis(principal) as around:
        for key, value in {**principal.env, **apis.endpoints, **around.endpoints}.items():
            monkeypatch.setenv(key, value)
        around.add_function(FUNCTION, COMPARTMENT)
        around.add_rule("oci-forwarder-cloudguard-problems", TENANCY, FUNCTION)
        around.add_rule("oci-forwarder-audit-events", TENANCY, FUNCTION)
        around.add_rule("someone-elses-rule", TENANCY, "ocid1.fnfunc.oc1.iad.aaaaaaaaother")
        around.add_connector("oci-forwarder-audit-connector", COMPARTMENT, FUNCTION)
        yield around


def doctor(*args: str) -> tuple[int, dict[str, dict]]:
    from forwarder.cli import main
    from forwarder.oci import auth

    auth.reset()
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["doctor", "--json", "--auth", "resource_principal", *args])
    return status, {c["check"]: c for c in json.loads(out.getvalue())["checks"]}


def test_the_function_its_rules_and_its_connector_are_found_enabled(world):
    status, checks = doctor("--function", FUNCTION)
    assert status == 0, checks
    found = {name: c["status"] for name, c in checks.items() if name.startswith(("function", "events", "connector"))}
    assert found == {
        "function": "ok",
        "events rule oci-forwarder-cloudguard-problems": "ok",
        "events rule oci-forwarder-audit-events": "ok",
        "connector oci-forwarder-audit-connector": "ok",
    }
    assert world.bad == []


def test_in_the_function_its_own_ocid_is_used(world, monkeypatch):
    from forwarder import handler

    monkeypatch.setenv("FN_FN_ID", FUNCTION)
    status, answer = handler.handle(b'{"task": "doctor"}', 30)
    assert status == 200 and "events rule oci-forwarder-audit-events" in {c["check"] for c in answer["checks"]}


def test_a_disabled_rule_a_deactivated_connector_and_no_rule_at_all_fail_with_their_fix(world):
    world.rules[0]["isEnabled"] = False
    world.connectors[0]["lifecycleState"] = "INACTIVE"
    status, checks = doctor("--function", FUNCTION)
    assert status == 1
    rule = checks["events rule oci-forwarder-cloudguard-problems"]
    assert rule["status"] == "fail" and "oci events rule update --rule-id ocid1.eventrule" in rule["fix"]
    connector = checks["connector oci-forwarder-audit-connector"]
    assert connector["status"] == "fail" and "oci sch service-connector activate" in connector["fix"]
    world.rules[:] = [r for r in world.rules if r["actions"]["actions"][0]["functionId"] != FUNCTION]
    status, checks = doctor("--function", FUNCTION)
    assert status == 1 and checks["events rules"]["status"] == "fail"
    assert "no Events rule in us-ashburn-1 invokes oci-forwarder-fn" in checks["events rules"]["detail"]


def test_a_collector_needs_no_rule_and_rules_are_paged(world, monkeypatch):
    world.rules[:] = []
    for n in range(60):  # more than a ListRules page (50 at most)
        world.add_rule(f"rule-{n:02d}", TENANCY, "ocid1.fnfunc.oc1.iad.aaaaaaaaother")
    world.add_rule("oci-forwarder-last", TENANCY, FUNCTION)
    status, checks = doctor("--function", FUNCTION)
    assert checks["events rule oci-forwarder-last"]["status"] == "ok"  # found on the second page
    assert world.bad == []
    world.rules[:] = []
    monkeypatch.setenv("COLLECT_SOURCES", "audit")
    monkeypatch.setenv("COLLECT_AUDIT_METHOD", "list-events")
    status, checks = doctor("--function", FUNCTION)
    assert status == 0 and "events rules" not in checks, checks  # run by schedules, not rules


@pytest.mark.parametrize(
    ("service", "check", "statement"),
    [
        ("functions", "function", "to read fn-function in compartment id"),
        ("events", "events rules", f"to read cloudevents-rules in compartment id {TENANCY}"),
        ("sch", "connectors", f"to read serviceconnectors in compartment id {COMPARTMENT}"),
    ],
)
def test_a_refused_read_is_a_warning_naming_the_statement(world, service, check, statement):
    world.fail[service] = 404
    status, checks = doctor("--function", FUNCTION)
    assert status == 0  # the function's own policy does not grant these reads: a warning
    assert checks[check]["status"] == "warn" and statement in checks[check]["fix"], checks[check]


def test_a_bad_function_ocid_is_a_usage_error(world):
    with pytest.raises(SystemExit) as usage:
        doctor("--function", "not-an-ocid")
    assert usage.value.code == 2
