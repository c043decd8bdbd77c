"""Jira Cloud issues through REST API v3, basic auth with account email and API token.

- find: `GET /rest/api/3/search/jql?jql=labels = "<label>" AND statusCategory != Done&fields=key,status`
  (the search index is eventually consistent: the tracker also remembers what it opened).
- create: `POST /rest/api/3/issue` with summary, an Atlassian Document Format description and labels
  (`oci-cloud-guard` and one derived from the problem key).
- update: `POST /rest/api/3/issue/<key>/comment`.
- resolve: a comment, then `GET .../transitions` and `POST .../transitions` to the first transition whose
  target status is in the Done category.
"""

from __future__ import annotations

import hashlib

import httpx

from forwarder import retry
from forwarder.normalize.record import Record
from forwarder.tickets.api import call_json, need
from forwarder.tickets.content import closing_heading, facts, summary_line, update_heading


def problem_label(key: str) -> str:
    """The Jira label of a problem key: `oci-problem-<20 hex digits>` (labels take no spaces)."""
    return "oci-problem-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def adf(record: Record, heading: str | None = None) -> dict:
    """An Atlassian Document Format document: an optional heading paragraph, then `Label: value` lines."""
    content = []
    if heading:
        content.append({"type": "paragraph", "content": [{"type": "text", "text": heading}]})
    for label, value in facts(record):
        text: list[dict] = [{"type": "text", "text": f"{label}: ", "marks": [{"type": "strong"}]}]
        if value.startswith("https://"):
            text.append({"type": "text", "text": value, "marks": [{"type": "link", "attrs": {"href": value}}]})
        else:
            text.append({"type": "text", "text": value})
        content.append({"type": "paragraph", "content": text})
    return {"type": "doc", "version": 1, "content": content}


class Jira:
    name = "jira"
    can_find = True

    def __init__(self, site: str, email: str, api_token: str, *, project: str, issue_type: str, timeout: float = 10.0):
        self.api = site.rstrip("/") + "/rest/api/3"
        self.project = project
        self.issue_type = issue_type
        self.timeout = timeout
        self._client = httpx.Client(auth=(email, api_token), headers={"Accept": "application/json"}, timeout=timeout)

    def _call(self, method: str, path: str, deadline: float | None, **kwargs) -> dict:
        return call_json(self._client, method, self.api + path, deadline=deadline, timeout=self.timeout, **kwargs)

    def _post(self, path: str, deadline: float | None, body: dict) -> None:
        """POST whose answer Jira leaves empty (204, transitions) or that we do not read (comments)."""
        retry.request(self._client, "POST", self.api + path, deadline=deadline, timeout=self.timeout, json=body)

    def find(self, key: str, deadline: float | None) -> str | None:
        jql = f'labels = "{problem_label(key)}" AND statusCategory != Done ORDER BY created ASC'
        found = self._call("GET", "/search/jql", deadline, params={"jql": jql, "fields": "key,status"})
        issues = need(found.get("issues", []), "issues", list, "GET /search/jql")
        if not issues:
            return None
        first = issues[0] if isinstance(issues[0], dict) else {}
        return need(first.get("key"), "issues[0].key", str, "GET /search/jql")

    def create(self, key: str, record: Record, deadline: float | None) -> str:
        fields = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": summary_line(record, 255),
            "description": adf(record),
            "labels": ["oci-cloud-guard", problem_label(key)],
        }
        created = self._call("POST", "/issue", deadline, json={"fields": fields})
        return need(created.get("key"), "key", str, "POST /issue")

    def update(self, ref: str, key: str, record: Record, deadline: float | None) -> None:
        body = adf(record, update_heading(record))
        self._post(f"/issue/{ref}/comment", deadline, {"body": body})

    def resolve(self, ref: str, key: str, record: Record, deadline: float | None) -> bool:
        where = f"GET /issue/{ref}/transitions"
        transitions = need(
            self._call("GET", f"/issue/{ref}/transitions", deadline).get("transitions", []), "transitions", list, where
        )
        done = [
            t
            for t in transitions
            if isinstance(t, dict) and ((t.get("to") or {}).get("statusCategory") or {}).get("key") == "done"
        ]
        if not done:
            return False
        self._post(f"/issue/{ref}/comment", deadline, {"body": adf(record, closing_heading(record))})
        transition = need(done[0].get("id"), "id", str, where)
        self._post(f"/issue/{ref}/transitions", deadline, {"transition": {"id": transition}})
        return True
