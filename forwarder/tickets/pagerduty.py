"""PagerDuty Events API v2 (`POST https://events.pagerduty.com/v2/enqueue`, 202 Accepted).

The dedup_key is the problem key, so PagerDuty itself keeps one incident per problem: `trigger`
opens it (a repeated trigger adds an alert to the open incident: the update), `resolve` closes it.
The Events API cannot look incidents up.
"""

from __future__ import annotations

import httpx

from forwarder.normalize.record import Record
from forwarder.tickets.api import call_json, need
from forwarder.tickets.content import console_url, facts, summary_line

SEVERITY = {"CRITICAL": "critical", "HIGH": "error", "MEDIUM": "warning"}


class PagerDuty:
    name = "pagerduty"
    can_find = False

    def __init__(self, url: str, routing_key: str, timeout: float = 10.0):
        self.url = url
        self.routing_key = routing_key
        self.timeout = timeout
        self._client = httpx.Client(timeout=timeout)

    def _send(self, action: str, key: str, record: Record, deadline: float | None) -> None:
        event: dict = {"routing_key": self.routing_key, "event_action": action, "dedup_key": key[:255]}
        if action == "trigger":
            event["payload"] = {
                "summary": summary_line(record, 1024),
                "source": record.resource.id or record.resource.name or record.problem_id or "oci",
                "severity": SEVERITY.get(record.risk_level or "", "info"),
                "timestamp": record.time_iso,
                "component": record.resource.type,
                "group": record.compartment_name,
                "class": record.problem_name,
                "custom_details": dict(facts(record)),
            }
            event["payload"] = {k: v for k, v in event["payload"].items() if v is not None}
            if console_url(record):
                event["links"] = [{"href": console_url(record), "text": "Problem in the OCI Console"}]
        answer = call_json(self._client, "POST", self.url, deadline=deadline, timeout=self.timeout, json=event)
        need(answer.get("status"), "status", str, f"POST {self.url}")  # {"status": "success", "dedup_key": ...}

    def find(self, key: str, deadline: float | None) -> str | None:
        return None

    def create(self, key: str, record: Record, deadline: float | None) -> str:
        self._send("trigger", key, record, deadline)
        return key

    def update(self, ref: str, key: str, record: Record, deadline: float | None) -> None:
        self._send("trigger", key, record, deadline)

    def resolve(self, ref: str, key: str, record: Record, deadline: float | None) -> bool:
        self._send("resolve", key, record, deadline)
        return True
