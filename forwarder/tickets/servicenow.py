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

from forwarder import retry
from forwarder.record import Record
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

    def _call(self, method: str, url: str, deadline: float | None, **kwargs) -> dict:
        response = retry.request(self._client, method, url, deadline=deadline, timeout=self.timeout, **kwargs)
        return response.json().get("result") or {}

    def find(self, key: str, deadline: float | None) -> str | None:
        params = {
            "sysparm_query": f"correlation_id={key}^active=true",
            "sysparm_fields": "sys_id,number,state",
            "sysparm_limit": "1",
        }
        found = self._call("GET", self.base, deadline, params=params)
        if not found:
            return None
        self._sys_ids[found[0]["number"]] = found[0]["sys_id"]
        return found[0]["number"]

    def create(self, key: str, record: Record, deadline: float | None) -> str:
        urgency, impact = PRIORITY.get(record.risk_level or "", ("3", "3"))
        body = {
            "short_description": summary_line(record, 160),
            "description": plain_text(record),
            "urgency": urgency,
            "impact": impact,
            "category": "security",
            "correlation_id": key,
            "correlation_display": "OCI Cloud Guard",
        }
        created = self._call("POST", self.base, deadline, json=body)
        self._sys_ids[created["number"]] = created["sys_id"]
        return created["number"]

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
        if ref not in self._sys_ids:
            self.find(key, deadline)
        return self._sys_ids[ref]
