"""Tickets for Cloud Guard problems against stand-ins of ServiceNow, Jira and PagerDuty."""

from __future__ import annotations

import copy
import json
from datetime import UTC

import pytest

from forwarder.handler import handle
from tests.conftest import sample
from tests.support.ticket_apis import JiraStandIn, PagerDutyStandIn, ServiceCloudStandIn, ServiceNowStandIn

CRITICAL = "cloudguard-problemdetected-bucket-public-critical.json"
SYSTEMS = ["servicenow", "jira", "pagerduty", "oracle-service-cloud"]


def event(kind: str = "detected", event_id: str = "e-1", risk: str | None = None, source: str = CRITICAL) -> bytes:
    """A problem event of the given life stage for the critical sample's problem."""
    e = copy.deepcopy(sample(source))
    e["eventID"] = event_id
    details = e["data"]["additionalDetails"]
    if risk:
        details["riskLevel"] = risk
    if kind == "updated":
        details["reason"] = "Existing Problem updated by CloudGuard"
        details["lastDetected"] = "2021-08-29T09:00:00.000Z"
    elif kind in ("remediated", "dismissed"):
        e["eventType"] = f"com.oraclecloud.cloudguard.problem{kind}"
        details["status"] = "RESOLVED" if kind == "remediated" else "DISMISSED"
    return json.dumps(e).encode()


#: Systems with basic auth: their stand-in and the keys they need besides URL and credentials.
BASIC_AUTH = {
    "servicenow": (ServiceNowStandIn, {}),
    "jira": (JiraStandIn, {"TICKET_JIRA_PROJECT": "SEC"}),
    "oracle-service-cloud": (
        ServiceCloudStandIn,
        {"TICKET_SERVICE_CLOUD_CONTACT_ID": str(ServiceCloudStandIn.CONTACT_ID)},
    ),
}


class Tickets:
    """One stand-in plus what a test needs to ask of it, the same way for every system."""

    def __init__(self, system: str, httpserver):
        self.system = system
        if system in BASIC_AUTH:  # a user and a password (Jira: an e-mail and an API token)
            stand_in, extra = BASIC_AUTH[system]
            self.api = stand_in(httpserver)
            user, secret = self.api.credentials
            self.config = {"TICKET_URL": self.api.url(), "TICKET_USERNAME": user, "TICKET_PASSWORD": secret, **extra}
        else:
            self.api = PagerDutyStandIn(httpserver)
            self.config = {"TICKET_URL": self.api.url(), "TICKET_ROUTING_KEY": PagerDutyStandIn.ROUTING_KEY}
        self.config["TICKET_SYSTEM"] = system

    def tickets(self) -> list[dict]:
        return list((self.api.incidents if self.system != "jira" else self.api.issues).values())

    def updates(self, ticket: dict) -> int:
        if self.system == "servicenow":
            return len(ticket["work_notes"])
        if self.system == "jira":
            return len([c for c in ticket["comments"] if "updated" in json.dumps(c)])
        if self.system == "oracle-service-cloud":
            return len([t for t in ticket["threads"][1:] if "updated" in t["text"]])
        return ticket["alerts"] - 1

    def resolved(self, ticket: dict) -> bool:
        if self.system == "servicenow":
            return ticket["state"] == "6" and ticket["active"] == "false"
        if self.system == "jira":
            return ticket["category"] == "done"
        if self.system == "oracle-service-cloud":
            return ticket["statusType"] == 2
        return ticket["status"] == "resolved" and ticket["resolutions"] == 1

    def text(self, ticket: dict) -> str:
        if self.system == "servicenow":
            return ticket["short_description"] + "\n" + ticket["description"]
        if self.system == "jira":
            return ticket["fields"]["summary"] + json.dumps(ticket["fields"]["description"], ensure_ascii=False)
        if self.system == "oracle-service-cloud":
            return ticket["subject"] + "\n" + ticket["threads"][0]["text"]
        return json.dumps(ticket["payload"], ensure_ascii=False) + json.dumps(self.api.events[0].get("links"))


@pytest.fixture(params=SYSTEMS)
def tickets(request, httpserver, monkeypatch) -> Tickets:
    t = Tickets(request.param, httpserver)
    for key, value in t.config.items():
        monkeypatch.setenv(key, value)
    return t


def actions(*bodies: bytes) -> list[str]:
    out = []
    for body in bodies:
        status, summary = handle(body)
        assert status == 200, summary
        out += [t["action"] for t in summary["tickets"]]
    return out


def test_one_ticket_per_problem_updated_once_resolved_once(tickets):
    detected = event("detected", "e-1")
    got = actions(detected, detected, detected, event("updated", "e-2"), event("remediated", "e-3"))
    assert got == ["opened", "none", "none", "updated", "resolved"]
    (ticket,) = tickets.tickets()
    assert tickets.updates(ticket) == 1 and tickets.resolved(ticket)


def test_repeated_detection_from_another_container_leaves_the_open_ticket_alone(tickets):
    from forwarder import handler

    if tickets.system == "jira":
        tickets.api.index_lag = 0  # by the time another container sees the event, search has caught up
    assert actions(event("detected", "e-1")) == ["opened"]
    handler.reset()  # a new container: no memory of what was handled
    got = actions(event("detected", "e-1"))
    assert got == (["none"] if tickets.system != "pagerduty" else ["opened"])  # PagerDuty dedups by key
    # Still one ticket; PagerDuty records the re-trigger as a second alert on the same incident.
    assert len(tickets.tickets()) == 1
    assert tickets.updates(tickets.tickets()[0]) == (1 if tickets.system == "pagerduty" else 0)


def test_dismissed_resolves_and_a_duplicate_resolution_is_left_alone(tickets):
    got = actions(event("detected", "e-1"), event("dismissed", "e-2"), event("dismissed", "e-2"))
    assert got == ["opened", "resolved", "none"]
    assert tickets.resolved(tickets.tickets()[0])


def test_high_problem_opens_nothing_at_the_default_threshold(tickets):
    status, summary = handle(event("detected", "h-1", risk="High"))
    assert status == 200 and summary["tickets"][0]["action"] == "none"
    assert "HIGH is below CRITICAL" in summary["tickets"][0]["reason"]
    assert tickets.tickets() == []


def test_high_problem_opens_one_at_min_risk_high(tickets, monkeypatch):
    monkeypatch.setenv("TICKET_MIN_RISK", "high")
    assert actions(event("detected", "h-1", risk="High")) == ["opened"]
    assert len(tickets.tickets()) == 1


def test_first_seen_remediated_opens_nothing(tickets):
    assert actions(event("remediated", "r-1")) == ["none" if tickets.system != "pagerduty" else "resolved"]
    assert [t for t in tickets.tickets() if not tickets.resolved(t)] == []


def test_audit_events_and_other_records_make_no_ticket(tickets):
    status, summary = handle(json.dumps(sample("audit-objectstorage-createbucket-public.json")).encode())
    assert status == 200 and tickets.tickets() == []
    # the event itself is no problem; its detection (a public bucket, HIGH) is below the CRITICAL default
    assert [(t["eventId"][:10], t["action"], t["reason"]) for t in summary["tickets"]] == [
        ("detection:", "none", "risk level HIGH is below CRITICAL")
    ]


def test_429_with_retry_after_is_retried_and_succeeds(tickets):
    tickets.api.fail_next = [(429, {"Retry-After": "1"})]
    status, summary = handle(event("detected", "e-1"))
    assert status == 200 and summary["tickets"][0]["action"] == "opened"
    assert len(tickets.tickets()) == 1
    assert tickets.api.requests[0] == tickets.api.requests[1]  # the same request, sent again


def test_503_is_retried(tickets):
    tickets.api.fail_next = [(503, {}), (502, {})]
    assert actions(event("detected", "e-1")) == ["opened"]


def test_retry_after_past_the_deadline_fails_without_waiting(tickets):
    tickets.api.fail_next = [(429, {"Retry-After": "3600"})]
    status, summary = handle(event("detected", "e-1"), seconds_left=5)
    assert status == 502 and "gave up" in summary["failures"][0]["reason"]
    assert summary["tickets"][0]["action"] == "failed"


def test_401_is_reported_and_fails_the_invocation_but_siem_delivery_happens(tickets, capsys):
    tickets.api.fail_next = [(401, {})]
    status, summary = handle(event("detected", "e-1"))
    assert status == 502
    assert summary["delivered"] == {"log": 1}  # the SIEM (here the log sink) still got the event
    assert summary["failed"] == {"tickets": 1} and "HTTP 401" in summary["failures"][0]["reason"]
    assert len(tickets.api.requests) == 1  # permanent: not retried
    # The invocation failed, so the event comes again and then opens its ticket.
    assert actions(event("detected", "e-1")) == ["opened"]


def test_wrong_credentials_are_a_permanent_failure(tickets, monkeypatch):
    key = "TICKET_ROUTING_KEY" if tickets.system == "pagerduty" else "TICKET_PASSWORD"
    monkeypatch.setenv(key, "R" * 32 if tickets.system == "pagerduty" else "wrong")
    status, summary = handle(event("detected", "e-1"))
    assert status == 502
    expected = "HTTP 400" if tickets.system == "pagerduty" else "HTTP 401"  # PagerDuty: invalid routing key is a 400
    assert expected in summary["failures"][0]["reason"] and len(tickets.api.requests) == 1
    assert "wrong" not in json.dumps(summary)


def test_ticket_holds_what_on_call_needs(tickets):
    assert actions(
        event("detected", "e-1", source="cloudguard-problemdetected-dhcp-option-medium.json", risk="CRITICAL")
    ) == ["opened"]
    text = tickets.text(tickets.tickets()[0])
    for fact in (
        "VCN DHCP Option changed",
        "CRITICAL",
        "VCN_DHCP_OPTION_CHANGED",
        "DHCP options control",
        "Ensure that the change to DHCP",
        "alien@mars.planet",
        "Default DHCP Options for VCN4",
        "ONUG",
        "us-ashburn-1",
        "2022-04-18T17:55:54.032Z",
        "CIS_OCI_V1.1_MONITORING",
        "https://cloud.oracle.com/cloud-guard/problems/details/ocid1.cloudguardproblem",
    ):
        assert fact in text, fact


def test_servicenow_urgency_impact_and_correlation(httpserver, monkeypatch):
    t = Tickets("servicenow", httpserver)
    for key, value in {**t.config, "TICKET_MIN_RISK": "HIGH"}.items():
        monkeypatch.setenv(key, value)
    actions(
        event("detected", "c-1"),
        event("detected", "h-1", risk="HIGH", source="cloudguard-problemdetected-suspicious-ip-critical-updated.json"),
    )
    critical, high = t.tickets()
    assert (critical["urgency"], critical["impact"], high["urgency"], high["impact"]) == ("1", "1", "2", "2")
    assert critical["correlation_id"] == sample(CRITICAL)["data"]["resourceId"]


def test_jira_search_lag_does_not_duplicate(httpserver, monkeypatch):
    t = Tickets("jira", httpserver)
    for key, value in t.config.items():
        monkeypatch.setenv(key, value)
    assert t.api.index_lag > 10  # the new issue is not searchable during this test
    assert actions(event("detected", "e-1"), event("updated", "e-2")) == ["opened", "updated"]
    assert len(t.api.issues) == 1
    assert ("GET", "/rest/api/3/search") not in t.api.requests  # the removed endpoint is never used


def test_tickets_through_the_real_fdk_server(httpserver, function_server):
    t = Tickets("servicenow", httpserver)
    fn = function_server(t.config)
    results = [
        fn.invoke(body)
        for body in (
            event("detected", "e-1"),
            event("detected", "e-1"),
            event("updated", "e-2"),
            event("remediated", "e-3"),
        )
    ]
    assert [r.status for r in results] == [200] * 4
    assert [r.summary["tickets"][0]["action"] for r in results] == ["opened", "none", "updated", "resolved"]
    (incident,) = t.tickets()
    assert len(incident["work_notes"]) == 1 and incident["state"] == "6"
    assert results[0].summary["tickets"][0]["ticket"] == incident["number"]
    t.api.fail_next = [(401, {})]
    failed = fn.invoke(
        event("detected", "e-9", source="cloudguard-problemdetected-suspicious-ip-critical-updated.json")
    )
    assert failed.status == 502 and "HTTP 401" in failed.summary["failures"][0]["reason"]
    assert "sn-password" not in fn.log()


def test_retry_after_reads_seconds_and_http_dates():
    from datetime import datetime, timedelta
    from email.utils import format_datetime

    import httpx

    from forwarder.retry import retry_after

    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after(httpx.Response(429, headers={"Retry-After": "7"})) == 7.0
    assert 25 < retry_after(httpx.Response(503, headers={"Retry-After": later})) <= 30
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(503)) is None


SUSPICIOUS_IP = "cloudguard-problemdetected-suspicious-ip-critical-updated.json"


@pytest.mark.parametrize(
    "answer, why",
    [
        ((200, {}, "<html><body>Your instance is hibernating</body></html>"), "expected a JSON body, got text/html"),
        ((302, {"Location": "https://login.example.com/sso"}, ""), "redirected to https://login.example.com/sso"),
        ((201, {}, "[1, 2]"), "expected a JSON object"),
    ],
)
def test_a_bad_answer_is_a_reported_failure_and_the_other_tickets_still_run(tickets, answer, why):
    tickets.api.fail_next = [answer]  # the first call of the batch gets it
    other = json.loads(event("detected", "e-2", source=SUSPICIOUS_IP))
    body = json.dumps([json.loads(event("detected", "e-1")), other]).encode()
    status, summary = handle(body)
    assert status == 502 and summary["delivered"] == {"log": 2}
    assert [t["action"] for t in summary["tickets"]] == ["failed", "opened"]
    assert summary["failed"] == {"tickets": 1} and why in summary["failures"][0]["reason"]
    assert len(tickets.tickets()) == 1  # the second problem got its ticket; nothing crashed


def test_an_answer_without_the_documented_fields_is_a_failure(httpserver, monkeypatch):
    httpserver.expect_request("/api/now/table/incident", method="GET").respond_with_json({"result": []})
    httpserver.expect_request("/api/now/table/incident", method="POST").respond_with_json(
        {"result": {"sys_id": "x"}}, status=201
    )
    for key, value in {
        "TICKET_SYSTEM": "servicenow",
        "TICKET_URL": httpserver.url_for("/").rstrip("/"),
        "TICKET_USERNAME": "svc",
        "TICKET_PASSWORD": "pw",
    }.items():
        monkeypatch.setenv(key, value)
    status, summary = handle(event("detected", "e-1"))
    assert status == 502 and summary["tickets"][0]["action"] == "failed"
    assert "the response has no str result.number" in summary["tickets"][0]["reason"]


def test_a_ticket_adapter_bug_is_reported_not_raised(tickets, monkeypatch):
    from forwarder.handler import get_pipeline

    def broken(*args, **kwargs):
        raise KeyError("sys_id")

    monkeypatch.setattr(get_pipeline().tracker.system, "create", broken)
    status, summary = handle(event("detected", "e-1"))
    assert status == 502 and summary["tickets"][0] == {
        "eventId": "e-1",
        "problemId": sample(CRITICAL)["data"]["resourceId"],
        "system": tickets.system,
        "action": "failed",
        "ticket": None,
        "reason": "ticket adapter error: KeyError: 'sys_id'",
    }


def test_retry_after_of_a_day_gives_up_at_once_even_without_a_deadline(tickets):
    import threading

    tickets.api.fail_next = [(429, {"Retry-After": "100000"})]
    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(handle(event("detected", "e-1"))), daemon=True)
    worker.start()
    worker.join(60)  # no Fn-Deadline: the old code slept 100000 s here
    assert not worker.is_alive(), "handle() is waiting on Retry-After"
    ((status, summary),) = answers
    assert status == 502 and "asked to wait 100000 s" in summary["failures"][0]["reason"]


def test_service_cloud_incident_names_contact_and_key_and_a_solved_one_is_not_found(httpserver, monkeypatch):
    t = Tickets("oracle-service-cloud", httpserver)
    for key, value in t.config.items():
        monkeypatch.setenv(key, value)
    assert actions(event("detected", "e-1"), event("remediated", "e-2")) == ["opened", "resolved"]
    (incident,) = t.tickets()
    assert incident["primaryContact"] == {"id": ServiceCloudStandIn.CONTACT_ID}
    assert incident["customFields"]["c"]["oci_problem_key"] == sample(CRITICAL)["data"]["resourceId"]
    assert incident["threads"][0]["entryType"] == {"lookupName": "Note"}
    # The problem comes back after it was solved: a new incident, not the solved one reopened by update.
    assert actions(event("detected", "e-3")) == ["opened"]
    assert len(t.tickets()) == 2


def test_service_cloud_html_answer_to_an_update_is_a_failure(httpserver, monkeypatch):
    t = Tickets("oracle-service-cloud", httpserver)
    for key, value in t.config.items():
        monkeypatch.setenv(key, value)
    assert actions(event("detected", "e-1")) == ["opened"]
    t.api.fail_next = [(200, {}, "<html><body>Sign in</body></html>")]  # a proxy's page where no body is due
    status, summary = handle(event("updated", "e-2"))
    assert status == 502 and summary["tickets"][0]["action"] == "failed"
    assert "expected a JSON body, got text/html" in summary["tickets"][0]["reason"]


def test_service_cloud_needs_its_contact_id(monkeypatch):
    from forwarder.config import ConfigError
    from forwarder.settings import load_settings

    for key, value in {
        "TICKET_SYSTEM": "oracle-service-cloud",
        "TICKET_URL": "https://x.custhelp.com",
        "TICKET_USERNAME": "u",
        "TICKET_PASSWORD": "p",
    }.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match="TICKET_SERVICE_CLOUD_CONTACT_ID"):
        load_settings()
