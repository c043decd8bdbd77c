"""What a ticket says about a problem: the facts an on-call engineer needs, and the problem key."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from forwarder.normalize.record import Kind, Lifecycle, Record

#: Longest problem key (ServiceNow `correlation_id` holds 100 characters).
MAX_KEY = 100


def problem_key(record: Record) -> str:
    """The ticket key of a problem: its OCID, or `sha256:<digest>` of it when longer than 100 characters."""
    problem = record.problem_id or record.event_id
    if len(problem) <= MAX_KEY:
        return problem
    return "sha256:" + hashlib.sha256(problem.encode()).hexdigest()[:40]


def console_url(record: Record) -> str | None:
    """The problem's page in the OCI Console of its realm (Cloud Guard > Problems > details):
    `https://cloud.oracle.com/cloud-guard/problems/details/<OCID>?region=<region>` in the commercial realm,
    `https://console.<region>.<realm domain>/cloud-guard/...` in the others (`forwarder.oci.realms`)."""
    if not record.problem_id:
        return None
    from forwarder.oci import realms

    base = realms.console(record.region, record.problem_id)
    url = f"{base}/cloud-guard/problems/details/{quote(record.problem_id)}"
    return f"{url}?region={quote(record.region)}" if record.region else url


def summary_line(record: Record, limit: int = 250) -> str:
    """One-line ticket title: `[OCI Cloud Guard] CRITICAL: Bucket is public (Bucket)`, or for a detection
    `[OCI detection] HIGH: OCI user API key uploaded (jane.doe@example.com)` (the group-by values)."""
    resource = f" ({record.resource.name})" if record.resource.name else ""
    origin = "OCI Cloud Guard"
    if record.kind is Kind.DETECTION:
        group = ", ".join(v for v in (record.details.get("groupBy") or {}).values() if v)
        resource, origin = (f" ({group})" if group else ""), "OCI detection"
    text = f"[{origin}] {record.risk_level or 'UNKNOWN'}: {record.title or record.problem_name}{resource}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _resource(name: str | None, type_: str | None, id_: str | None) -> str | None:
    if not (name or id_):
        return None
    kind = f" [{type_}]" if type_ else ""
    ident = f" — {id_}" if id_ and id_ != name else ""
    return f"{name or id_}{kind}{ident}"


def facts(record: Record) -> list[tuple[str, str]]:
    """(label, value) pairs for the ticket body, absent ones left out."""
    if record.kind is Kind.DETECTION:
        return detection_facts(record)
    compartment = record.compartment_name or record.compartment_id
    if record.compartment_name and record.compartment_id:
        compartment = f"{record.compartment_name} — {record.compartment_id}"
    pairs = [
        ("Problem", record.title),
        ("Risk level", record.risk_level),
        ("Problem name", record.problem_name),
        ("Problem type", record.problem_type),
        ("Status", record.status),
        ("Lifecycle", record.lifecycle.value if record.lifecycle else None),
        ("Resource", _resource(record.resource.name, record.resource.type, record.resource.id)),
        (
            "Impacted resource",
            _resource(record.impacted_resource.name, record.impacted_resource.type, record.impacted_resource.id),
        ),
        ("Compartment", compartment),
        ("Region", record.region),
        ("First detected", record.first_detected),
        ("Last detected", record.last_detected),
        ("Labels", ", ".join(record.labels) or None),
        ("Description", record.description),
        ("Recommendation", record.recommendation),
        ("Problem OCID", record.problem_id),
        ("Console", console_url(record)),
        ("Event", f"{record.event_type} {record.event_id}"),
    ]
    return [(label, value) for label, value in pairs if value]


def detection_facts(record: Record) -> list[tuple[str, str]]:
    """A detection's facts: rule, ATT&CK, group, matched events, what to do."""
    d = record.details
    principal = record.principal
    pairs = [
        ("Detection", record.title),
        ("Risk level", record.risk_level),
        ("Rule", f"{d.get('ruleName') or ''} {d.get('ruleId')}".strip()),
        ("ATT&CK tactics", ", ".join(f"{t['id']} {t['name']}" for t in d.get("tactics") or [])),
        ("ATT&CK techniques", ", ".join(f"{t['id']} {t['name']}" for t in d.get("techniques") or [])),
        ("Group", ", ".join(f"{k}={v}" for k, v in (d.get("groupBy") or {}).items())),
        ("Matched events", f"{d.get('count')} from {d.get('firstTime')} to {d.get('lastTime')}"),
        ("Event ids", ", ".join(d.get("matchedEventIds") or [])),
        ("Principal", " ".join(x for x in (principal.name, principal.ip) if x)),
        ("Compartment", record.compartment_name or record.compartment_id),
        ("Region", record.region),
        ("Description", record.description),
        ("Remediation", record.recommendation),
        ("False positives", "; ".join(d.get("falsePositives") or [])),
        ("Detection id", record.event_id),
    ]
    return [(label, value) for label, value in pairs if value]


def plain_text(record: Record, heading: str | None = None) -> str:
    """The facts as plain text lines (`Label: value`), after an optional heading line."""
    lines = [heading] if heading else []
    lines += [f"{label}: {value}" for label, value in facts(record)]
    return "\n".join(lines)


def update_heading(record: Record) -> str:
    """First line of an update note or comment."""
    return f"Cloud Guard updated this problem ({record.reason or record.event_type})."


def closing_heading(record: Record) -> str:
    """First line of a resolution note: remediated or dismissed."""
    how = "remediated" if record.lifecycle is Lifecycle.REMEDIATED else "dismissed"
    return f"Cloud Guard reports the problem {how}."
