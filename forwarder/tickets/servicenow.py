"""ServiceNow incidents through the Table API (`/api/now/table/incident`), basic auth.

- find: `GET /api/now/table/incident?sysparm_query=correlation_id=<key>^active=true`
  `&sysparm_fields=sys_id,number,state&sysparm_limit=1`
- create: `POST /api/now/table/incident` (201) with short_description, description, urgency, impact,
  correlation_id (the problem key), correlation_display, category.
- update: `PATCH /api/now/table/incident/<sys_id>` with `work_notes`.
- resolve: `PATCH` with state 6 (Resolved), close_code and close_notes.
"""

from __future__ import annotations

import httpx

from forwarder.normalize.record import Kind, Record
from forwarder.tickets.api import call_json, need, remembered
from forwarder.tickets.content import closing_heading, plain_text, summary_line, update_heading

#: (urgency, impact) by risk level: "1" high .. "3" low.
PRIORITY = {"CRITICAL": ("1", "1"), "HIGH": ("2", "2")}
RESOLVED = "6"


class ServiceNow:
    name = "servicenow"
    can_find = True

    def __init__(self, base_url: str, username: str, password: str, *, close_code: str, timeout: float = 10.0):
        self.base = base_url.rstrip("/") + "/api/now/table/incident"
        self.close_code = close_code
        self.timeout = timeout
        self._client = httpx.Client(auth=(username, password), headers={"Accept": "application/json"}, timeout=timeout)
        self._sys_ids: dict[str, str] = {}  # incident number -> sys_id

    def _call(self, method: str, url: str, deadline: float | None, **kwargs):
        """The Table API's `result` (an object, or a list for queries)."""
        body = call_json(self._client, method, url, deadline=deadline, timeout=self.timeout, **kwargs)
        return body.get("result")

    def _incident(self, incident, where: str) -> str:
        """Remember an incident's sys_id by number; return the number."""
        incident = need(incident, "result", dict, where)
        number = need(incident.get("number"), "result.number", str, where)
        self._sys_ids[number] = need(incident.get("sys_id"), "result.sys_id", str, where)
        return number

    def find(self, key: str, deadline: float | None) -> str | None:
        params = {
            "sysparm_query": f"correlation_id={key}^active=true",
            "sysparm_fields": "sys_id,number,state",
            "sysparm_limit": "1",
        }
        found = need(self._call("GET", self.base, deadline, params=params), "result", list, f"GET {self.base}")
        return self._incident(found[0], f"GET {self.base}") if found else None

    def create(self, key: str, record: Record, deadline: float | None) -> str:
        urgency, impact = PRIORITY.get(record.risk_level or "", ("3", "3"))
        body = {
            "short_description": summary_line(record, 160),
            "description": plain_text(record),
            "urgency": urgency,
            "impact": impact,
            "category": "security",
            "correlation_id": key,
            "correlation_display": "OCI detection" if record.kind is Kind.DETECTION else "OCI Cloud Guard",
        }
        return self._incident(self._call("POST", self.base, deadline, json=body), f"POST {self.base}")

    def update(self, ref: str, key: str, record: Record, deadline: float | None) -> None:
        note = plain_text(record, update_heading(record))
        self._call("PATCH", f"{self.base}/{self._sys_id(ref, key, deadline)}", deadline, json={"work_notes": note})

    def resolve(self, ref: str, key: str, record: Record, deadline: float | None) -> bool:
        body = {
            "state": RESOLVED,
            "close_code": self.close_code,
            "close_notes": plain_text(record, closing_heading(record)),
        }
        self._call("PATCH", f"{self.base}/{self._sys_id(ref, key, deadline)}", deadline, json=body)
        return True

    def _sys_id(self, ref: str, key: str, deadline: float | None) -> str:
        return remembered(self._sys_ids, ref, lambda: self.find(key, deadline), f"correlation_id {key}")
