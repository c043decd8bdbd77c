"""Oracle B2C Service (Oracle Service Cloud, formerly RightNow) incidents through Connect for REST API v1.4,
basic auth (a staff account), every request with the `OSvC-CREST-Application-Context` header it requires.

- find: `GET /services/rest/connect/v1.4/incidents?q=customFields.c.<field> = '<key>' and
  statusWithType.statusType.id != 2` (ROQL; status type 2 is Solved): `{"items": [{"id", "lookupName"}]}`.
- create: `POST .../incidents` (201) with subject, primaryContact (a contact id), the problem key in the
  custom text field `customFields.c.<field>` and the facts as the first thread entry (a private Note);
  answers the incident with `id` and `lookupName` (its reference number, e.g. `261207-000012`).
- update: `PATCH .../incidents/<id>` with one new thread entry (Connect answers 200 with no body).
- resolve: `PATCH` with `statusWithType.status` Solved and a closing thread entry.
"""

from __future__ import annotations

import httpx

from forwarder.normalize.record import Record
from forwarder.retry import Failure
from forwarder.tickets.api import call_json, need, remembered
from forwarder.tickets.content import closing_heading, plain_text, summary_line, update_heading

#: The Connect for REST API's incidents collection, under the site URL.
PATH = "/services/rest/connect/v1.4/incidents"
#: The status type id of Solved incidents (ROQL `statusWithType.statusType.id`).
SOLVED_TYPE = 2


def _note(text: str) -> dict:
    """A private thread entry (entry type Note)."""
    return {"entryType": {"lookupName": "Note"}, "contentType": {"lookupName": "text/plain"}, "text": text}


def roql_text(value: str) -> str:
    """A ROQL string literal: single-quoted, with backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class OracleServiceCloud:
    name = "oracle-service-cloud"
    can_find = True

    def __init__(
        self,
        site: str,
        username: str,
        password: str,
        *,
        contact_id: int,
        key_field: str,
        timeout: float = 10.0,
    ):
        self.base = site.rstrip("/") + PATH
        self.contact_id = contact_id
        self.key_field = key_field
        self.timeout = timeout
        headers = {"Accept": "application/json", "OSvC-CREST-Application-Context": "OCI security event forwarder"}
        self._client = httpx.Client(auth=(username, password), headers=headers, timeout=timeout)
        self._ids: dict[str, int] = {}  # reference number (lookupName) -> incident id

    def _call(self, method: str, url: str, deadline: float | None, **kwargs) -> dict:
        # PATCH answers 200 with an empty body (documented); anything else must be a JSON object.
        return call_json(
            self._client, method, url, deadline=deadline, timeout=self.timeout, empty_ok=method == "PATCH", **kwargs
        )

    def _remember(self, incident, where: str) -> str:
        incident = need(incident, "incident", dict, where)
        ref = need(incident.get("lookupName"), "lookupName", str, where)
        incident_id = incident.get("id")
        if not isinstance(incident_id, int) or isinstance(incident_id, bool):
            raise Failure(f"{where}: the response has no int id", permanent=True)
        self._ids[ref] = incident_id
        return ref

    def find(self, key: str, deadline: float | None) -> str | None:
        query = f"customFields.c.{self.key_field} = {roql_text(key)} and statusWithType.statusType.id != {SOLVED_TYPE}"
        where = f"GET {self.base}"
        answer = self._call("GET", self.base, deadline, params={"q": query, "limit": "1"})
        items = need(answer.get("items"), "items", list, where)
        return self._remember(items[0], where) if items else None

    def create(self, key: str, record: Record, deadline: float | None) -> str:
        body = {
            "subject": summary_line(record, 240),
            "primaryContact": {"id": self.contact_id},
            "customFields": {"c": {self.key_field: key}},
            "threads": [_note(plain_text(record))],
        }
        return self._remember(self._call("POST", self.base, deadline, json=body), f"POST {self.base}")

    def update(self, ref: str, key: str, record: Record, deadline: float | None) -> None:
        body = {"threads": [_note(plain_text(record, update_heading(record)))]}
        self._call("PATCH", f"{self.base}/{self._id(ref, key, deadline)}", deadline, json=body)

    def resolve(self, ref: str, key: str, record: Record, deadline: float | None) -> bool:
        body = {
            "statusWithType": {"status": {"lookupName": "Solved"}},
            "threads": [_note(plain_text(record, closing_heading(record)))],
        }
        self._call("PATCH", f"{self.base}/{self._id(ref, key, deadline)}", deadline, json=body)
        return True

    def _id(self, ref: str, key: str, deadline: float | None) -> int:
        return remembered(self._ids, ref, lambda: self.find(key, deadline), f"{self.key_field} {key}")
