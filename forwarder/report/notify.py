"""Telling people a report is ready: OCI Notifications PublishMessage on REPORT_TOPIC_OCID.

The message (plain text; at most 64 KB, kept far below) gives the day or period, the totals and their
change against the previous one, the call-outs, the principals with most changes and new principals,
and where the report is: its pre-authenticated link when REPORT_LINK_HOURS is set, else its object
names. PublishMessage must be sent to the topic's own endpoint (`apiEndpoint` from GetTopic, API
20181201), so the topic is read first; both calls go through `sources.api.calls` (retried, bounded by the deadline).
"""

from __future__ import annotations

from typing import Any

from forwarder.oci.calls import call
from forwarder.retry import Failure

#: Most characters of a title (the service takes a short subject line for email).
TITLE_MAX = 200
#: The message body is cut to this many characters (PublishMessage allows 64 KB).
BODY_MAX = 16_000


class NotifyError(RuntimeError):
    """The message could not be published (naming the topic and why)."""


def message(report: dict[str, Any], where: dict[str, str]) -> tuple[str, str]:
    """(title, body) for a report's JSON mapping and its locations (format -> URL or object name)."""
    t = report["totals"]
    state = "" if report["complete"] else " (INCOMPLETE)"
    name = report.get("tenancyName")
    which = f" {name}" if name else ""
    day = report.get("kind", "day") == "day"
    span = report["date"] if day else f"{report['kind']} {report['period']}"
    title = f"OCI changes{which} {span} ({report['timezone']}): {t['changes']} changes{state}"[:TITLE_MAX]
    tenancy = f"{name} ({report['tenancy']})" if name else report["tenancy"]
    when = f"on {report['date']}" if day else f"in the {span} ({report['since']} to {report['until']}, exclusive)"
    lines = [
        f"Changes in tenancy {tenancy} {when} ({report['timezone']}){state}:",
        f"  {t.get('events', 0)} audit events, reads included; {t['changes']} changes: "
        f"{t['create']} created, {t['update']} updated, {t['delete']} deleted",
        f"  {t['failed']['total']} failed attempts (not counted as changes)",
    ]
    trend = report.get("trends")
    if trend:
        shown = ", ".join(
            f"{key} {e['now']} ({'+' if e['change'] > 0 else ''}{e['change']})"
            for key, e in trend["totals"].items()
            if e["change"] is not None
        )
        lines.append(f"  Against {trend['previous']}: {shown}")
    callouts = report["callouts"]
    lines.append(
        "  "
        + ", ".join(
            f"{name}: {c['changes']}" + (f" (+{c['failed']} failed)" if c["failed"] else "")
            for name, c in callouts.items()
        )
    )
    for name, label in (("deletions", "Deletions"), ("iam", "IAM changes")):
        rows = callouts[name]["rows"][:3]
        if rows:
            lines.append(f"{label} (first {len(rows)} of {callouts[name]['changes'] + callouts[name]['failed']}):")
            lines += [
                f"  {r['time']} {r['principal_name'] or r['principal_id']} {r['event_name']} "
                f"{r['resource_name'] or r['resource_id']} ({r['outcome']})"
                for r in rows
            ]
    if report["topPrincipals"]:
        lines.append("Most changes by:")
        lines += [
            f"  {p['name'] or p['id']}: {p['changes']}" + (" (new)" if p.get("new") else "")
            for p in report["topPrincipals"][:5]
        ]
    new = report["newPrincipals"]
    if new:
        shown = ", ".join(p["name"] or p["id"] for p in new[:10])
        lines.append(f"New principals (not in the previous report): {shown}" + (" ..." if len(new) > 10 else ""))
    if not report["complete"]:
        lines.append("Not read: " + "; ".join(report["problems"][:5]))
    lines.append("Report:")
    lines += [f"  {name}: {url}" for name, url in where.items()]
    return title, "\n".join(lines)[:BODY_MAX]


def publish(clients, region: str, topic: str, title: str, body: str, deadline: float | None, counter=None) -> str:
    """Publish one message; returns the message id.

    Raises:
        NotifyError: the topic cannot be read or the message not published.
    """
    from oci.ons.models import MessageDetails

    try:
        control = clients.get("notification", region)
        endpoint = call(control.get_topic, topic, deadline=deadline, counter=counter).data.api_endpoint
        data_plane = clients.get("notification-topic", region, endpoint)
        response = call(
            data_plane.publish_message,
            topic,
            MessageDetails(title=title, body=body),
            deadline=deadline,
            counter=counter,
        )
    except Failure as exc:
        raise NotifyError(f"REPORT_TOPIC_OCID {topic}: {exc.reason}") from None
    return response.data.message_id
