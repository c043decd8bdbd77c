"""Cloud Guard problems (`ListProblems`) as problem events, so polling opens and closes tickets as events do.

Problems are read in the reporting region (`GetConfiguration` -> `reportingRegion`) with
`compartmentIdInSubtree=true`, `accessLevel=ACCESSIBLE` and a `timeLastDetected` window
(GET /20200131/problems, `opc-next-page`). A problem object (REST camelCase or the SDK's snake_case)
becomes the event Cloud Guard's Cloud Event responder would send:
- OPEN -> `problemdetected` ("New Problem detected" when first and last detection are the same,
  else "Existing Problem updated", which `normalize` marks UPDATED);
- RESOLVED -> `problemremediated`; DISMISSED or DELETED -> `problemdismissed`.
The event id is `cloudguard:<problem OCID>:<lifecycleDetail>:<timeLastDetected>`: a problem that has not
changed gets the same id on every poll (dropped as a repeat), and every change a new one.
ListProblems returns summaries without the description, recommendation, additional details and impacted
resource that Cloud Guard's events carry: `describe` reads them with `GetProblem` (GET
/20200131/problems/{problemId}) for the problems a run sends, new or changed ones only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from forwarder.normalize.repair import camel
from forwarder.oci.calls import Counter, call, pages
from forwarder.oci.clients import Clients
from forwarder.retry import Failure

_EVENT_TYPES = {
    "OPEN": "problemdetected",
    "RESOLVED": "problemremediated",
    "DISMISSED": "problemdismissed",
    "DELETED": "problemdismissed",
}
PREFIX = "com.oraclecloud.cloudguard."

#: Problem fields copied into `additionalDetails` under the event's names: (event name, the problem's key).
_DETAILS = (
    ("riskLevel", "riskLevel"),
    ("resourceName", "resourceName"),
    ("resourceId", "resourceId"),
    ("resourceType", "resourceType"),
    ("targetId", "targetId"),
    ("detectorId", "detectorId"),
    ("firstDetected", "timeFirstDetected"),
    ("lastDetected", "timeLastDetected"),
    ("region", "region"),
    ("riskScore", "riskScore"),
)

#: GetProblem fields the summaries lack, under the names Cloud Guard's events give them.
_DESCRIBED = (
    ("problemDescription", "description"),
    ("problemRecommendation", "recommendation"),
    ("problemAdditionalDetails", "additionalDetails"),
    ("impactedResourceName", "impactedResourceName"),
    ("impactedResourceId", "impactedResourceId"),
    ("impactedResourceType", "impactedResourceType"),
)


def reporting_region(
    clients: Clients, tenancy: str, home: str, deadline: float | None, counter: Counter | None = None
) -> str:
    """Cloud Guard's reporting region (GetConfiguration), where problems are listed.

    Raises:
        retry.Failure: the configuration cannot be read (Cloud Guard not enabled: 404).
    """
    client = clients.get("cloudguard", home)
    data = call(client.get_configuration, tenancy, deadline=deadline, counter=counter).data or {}
    return data.get("reportingRegion") or data.get("reporting_region") or home


def problems(
    clients: Clients,
    region: str,
    tenancy: str,
    since: datetime,
    until: datetime | None,
    deadline: float | None,
    counter: Counter | None = None,
) -> Iterator[list[dict]]:
    """Pages of problem objects last detected at or after `since` (and at or before `until`), in the
    subtree of `tenancy` (the tenancy OCID for all, or a compartment OCID: COLLECT_COMPARTMENT_OCID).

    Raises:
        retry.Failure: a page cannot be read.
    """
    client = clients.get("cloudguard", region)
    kwargs: dict[str, Any] = {
        "compartment_id_in_subtree": True,
        "access_level": "ACCESSIBLE",
        "time_last_detected_greater_than_or_equal_to": since,
        "limit": 1000,
    }
    if until is not None:
        kwargs["time_last_detected_less_than_or_equal_to"] = until
    for data, _ in pages(client.list_problems, tenancy, deadline=deadline, counter=counter, **kwargs):
        yield [p for p in (data or {}).get("items") or () if isinstance(p, dict)]


def _title(rule: str | None) -> str | None:
    """`BUCKET_IS_PUBLIC` -> `Bucket is public` (the display name Cloud Guard's events carry)."""
    if not rule:
        return None
    text = rule.replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:]


def event(problem: dict, tenancy: str | None = None) -> dict[str, Any]:
    """The problem event for one problem object (camelCase or snake_case keys)."""
    problem = {camel(key): value for key, value in problem.items()}  # the SDK's snake_case as the REST API's
    get = problem.get
    problem_id, first, last, rule = get("id"), get("timeFirstDetected"), get("timeLastDetected"), get("detectorRuleId")
    detail = str(get("lifecycleDetail") or "OPEN").upper()  # OPEN, RESOLVED, DISMISSED or DELETED
    labels = get("labels")
    if isinstance(labels, list):
        labels = ",".join(map(str, labels))  # the events' form: one comma-separated string
    details: dict[str, Any] = {"tenantId": tenancy, "status": detail, "problemName": rule, "labels": labels}
    for name, key in _DETAILS:
        value = get(key)
        if value is not None:
            details[name] = value if isinstance(value, (str, int, float)) else str(value)
    if detail == "OPEN":
        new = first is not None and first == last
        details["reason"] = "New Problem detected by CloudGuard" if new else "Existing Problem updated by CloudGuard"
    return {
        "eventType": PREFIX + _EVENT_TYPES.get(detail, "problemdetected"),
        "cloudEventsVersion": "0.1",
        "eventTypeVersion": "2.0",
        "source": "CloudGuard",
        "eventTime": str(last) if last is not None else None,
        "contentType": "application/json",
        "eventID": f"cloudguard:{problem_id}:{detail}:{last}",
        "data": {
            "compartmentId": get("compartmentId"),
            "resourceName": _title(rule),
            "resourceId": problem_id,
            "additionalDetails": {k: v for k, v in details.items() if v is not None},
        },
    }


def describe(
    clients: Clients, region: str, events: list[dict], deadline: float | None, counter: Counter | None = None
) -> list[str]:
    """Complete problem events from `event` with GetProblem, in place (one call per event).

    A problem refused for good (404: deleted since it was listed; 403) is sent as listed.
    Returns:
        One line per problem that could not be read.
    Raises:
        retry.Failure: a transient failure outlasted its retries or the deadline came: the shard is
            deferred or failed, and its problems are read again on the next run.
    """
    client = clients.get("cloudguard", region)
    unread = []
    for item in events:
        data = item["data"]
        try:
            found = call(client.get_problem, data["resourceId"], deadline=deadline, counter=counter).data or {}
        except Failure as exc:
            if exc.transient:
                raise
            unread.append(f"{data['resourceId']}: {exc.reason}")
            continue
        problem = {camel(key): value for key, value in found.items()}
        details = data["additionalDetails"]
        for name, key in _DESCRIBED:
            if problem.get(key) not in (None, "", {}):
                details[name] = problem[key]
    return unread
