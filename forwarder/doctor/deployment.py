"""Doctor's checks of the deployment around the function: the function itself (GetFunction), the Events rules
that invoke it and the Connector Hub connectors that target it, each existing, enabled and pointing at it.

Which function: the task's own (FN_FN_ID, set by OCI Functions), or `doctor --function OCID` from the CLI.
Rules are read in the tenancy's root compartment (where the module puts them) and the function's own;
connectors in the function's compartment. A rule or connector is found by its action or target naming the
function's OCID. The function's own policy does not let it read rules, connectors or functions (the data
path does not need to): from the function a refused read is a warning naming the statement; from the CLI,
an operator's principal usually reads them.
"""

from __future__ import annotations

import os

from forwarder.doctor import DENIED, FAIL, OK, WARN, Check
from forwarder.oci.calls import call, pages
from forwarder.retry import Failure

#: Most rules read (GetRule) per compartment: a tenancy with more is checked on the first ones, said so.
MOST_RULES = 100


def deployment(probe) -> list[Check]:
    """The function, its Events rules and its connectors (nothing when no function is named)."""
    function = probe.function_id or os.environ.get("FN_FN_ID")
    if not function:
        return []
    grant = "read fn-function in compartment id <the function's compartment>"
    get_function = probe.clients.get("functions").get_function
    data = probe.read("function", grant, get_function, function, severity=WARN, resource=function) or {}
    state, compartment = data.get("lifecycleState"), data.get("compartmentId")
    name = data.get("displayName") or function
    fix = None if state == "ACTIVE" else "see the function's work requests in the Console, or terraform apply again"
    checks = [Check("function", OK if state == "ACTIVE" else FAIL, f"{name}: {state}", fix)]
    checks += _rules(probe, function, name, [probe.clients.tenancy, compartment])
    checks += _connectors(probe, function, compartment)
    return checks


deployment.needs_principal = True


def _rules(probe, function: str, name: str, compartments: list[str | None]) -> list[Check]:
    events = probe.clients.get("events")
    found, notes = [], []
    for compartment in dict.fromkeys(c for c in compartments if c):
        try:
            listed = pages(events.list_rules, compartment, deadline=probe.step(), limit=50)
            summaries = [rule for page, _ in listed for rule in page or ()]
        except Failure as failure:
            if failure.status not in DENIED:
                raise
            grant = f"read cloudevents-rules in compartment id {compartment}"
            return [probe.refusal("events rules", failure, grant, WARN)]
        if len(summaries) > MOST_RULES:
            notes.append(f"{len(summaries)} rules in {compartment}: the first {MOST_RULES} checked")
        for summary in summaries[:MOST_RULES]:
            rule = call(events.get_rule, summary["id"], deadline=probe.step()).data or {}
            actions = [a for a in (rule.get("actions") or {}).get("actions") or () if a.get("functionId") == function]
            if actions:
                found.append((rule, actions))
    push = not probe.settings.collect.sources and not probe.settings.report.bucket
    if not found:
        if not push:  # a collector or a reporter is run by schedules, not rules
            return []
        return [
            Check(
                "events rules",
                FAIL,
                f"no Events rule in {probe.clients.home} invokes {name}" + (f" ({'; '.join(notes)})" if notes else ""),
                "terraform apply creates them (the Cloud Guard rule in Cloud Guard's reporting region); a rule "
                "in another compartment than the tenancy's root or the function's is not looked for",
            )
        ]
    checks = []
    for rule, actions in found:
        enabled = rule.get("isEnabled") and rule.get("lifecycleState") == "ACTIVE"
        enabled = enabled and all(a.get("isEnabled", True) for a in actions)
        label = f"events rule {rule.get('displayName')}"
        if enabled:
            checks.append(Check(label, OK, f"enabled, invokes {name}"))
        else:
            fix = f"enable it: oci events rule update --rule-id {rule.get('id')} --is-enabled true (and its action)"
            checks.append(Check(label, FAIL, f"{rule.get('lifecycleState')}, enabled {rule.get('isEnabled')}", fix))
    return checks


def _connectors(probe, function: str, compartment: str | None) -> list[Check]:
    if not compartment:
        return []
    sch = probe.clients.get("sch")
    try:
        listed = pages(sch.list_service_connectors, compartment, deadline=probe.step())
        items = [item for page, _ in listed for item in (page or {}).get("items") or ()]
    except Failure as failure:
        if failure.status not in DENIED:
            raise
        grant = f"read serviceconnectors in compartment id {compartment}"
        return [probe.refusal("connectors", failure, grant, WARN)]
    checks = []
    for item in items[:MOST_RULES]:
        connector = call(sch.get_service_connector, item["id"], deadline=probe.step()).data or {}
        target = connector.get("target") or {}
        if target.get("kind") != "functions" or target.get("functionId") != function:
            continue
        label, state = f"connector {connector.get('displayName')}", connector.get("lifecycleState")
        if state == "ACTIVE":
            checks.append(Check(label, OK, "active, targets this function"))
            continue
        fix = (
            f"Connector Hub deactivates a connector whose target fails for long: fix the function (this doctor), "
            f"then oci sch service-connector activate --service-connector-id {connector.get('id')}"
        )
        checks.append(Check(label, FAIL, f"{state}: {connector.get('lifecycleDetails') or 'not running'}", fix))
    return checks


CHECKS = (deployment,)
