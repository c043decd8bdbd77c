"""Stand-ins for the ticket APIs on pytest-httpserver, following each documented contract.

Each keeps the state a user would check (tickets, notes, comments, states) and can be told to
answer the next requests with given statuses (`fail_next`), e.g. 429 with Retry-After or 401, or
with a body of their own (a proxy's HTML page, a redirect).
"""

from __future__ import annotations

import base64
import json
import re
import uuid

from werkzeug import Request, Response


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


class StandIn:
    """Common parts: basic or no auth, injected failures, a request log."""

    def __init__(self, httpserver, credentials: tuple[str, str] | None = None):
        self.httpserver = httpserver
        self.credentials = credentials
        #: (status, headers) or (status, headers, text body) answered before any handling
        self.fail_next: list[tuple] = []
        self.requests: list[tuple[str, str]] = []

    def url(self) -> str:
        return self.httpserver.url_for("/").rstrip("/")

    def _authorized(self, request: Request) -> bool:
        if self.credentials is None:
            return True
        expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
        return request.headers.get("Authorization") == expected

    def _dispatch(self, request: Request) -> Response:
        self.requests.append((request.method, request.path))
        if self.fail_next:
            status, headers, *text = self.fail_next.pop(0)
            if text:
                return Response(text[0], status=status, headers=headers, content_type="text/html")
            return _json({"error": f"injected {status}"}, status, headers)
        if not self._authorized(request):
            return self.unauthorized()
        return self.handle(request)

    def unauthorized(self) -> Response:
        return _json({"error": "unauthorized"}, 401)

    def handle(self, request: Request) -> Response:  # pragma: no cover - overridden
        raise NotImplementedError


class ServiceNowStandIn(StandIn):
    """Table API: /api/now/table/incident (GET by sysparm_query, POST 201) and /<sys_id> (PATCH)."""

    def __init__(self, httpserver, credentials=("svc-oci", "sn-password")):
        super().__init__(httpserver, credentials)
        self.incidents: dict[str, dict] = {}
        httpserver.expect_request(re.compile(r"^/api/now/table/incident(/[0-9a-f]+)?$")).respond_with_handler(
            self._dispatch
        )

    def unauthorized(self) -> Response:
        return _json(
            {
                "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
                "status": "failure",
            },
            401,
        )

    def handle(self, request: Request) -> Response:
        parts = request.path.rstrip("/").split("/")
        if request.method == "GET" and len(parts) == 5:
            query = dict(term.split("=", 1) for term in request.args.get("sysparm_query", "").split("^") if term)
            found = [
                i for i in self.incidents.values() if all(str(i.get(k)).lower() == v.lower() for k, v in query.items())
            ]
            fields = request.args.get("sysparm_fields", "").split(",")
            limit = int(request.args.get("sysparm_limit", "10000"))
            return _json({"result": [{f: i[f] for f in fields if f in i} for i in found[:limit]]})
        if request.method == "POST" and len(parts) == 5:
            body = request.get_json()
            if not body.get("short_description"):
                return _json({"error": {"message": "short_description is mandatory"}, "status": "failure"}, 400)
            sys_id = uuid.uuid4().hex
            number = f"INC{10001 + len(self.incidents):07d}"
            incident = {**body, "sys_id": sys_id, "number": number, "state": "1", "active": "true", "work_notes": []}
            self.incidents[sys_id] = incident
            return _json({"result": {k: v for k, v in incident.items() if k != "work_notes"}}, 201)
        if request.method == "PATCH" and len(parts) == 6 and parts[5] in self.incidents:
            incident, body = self.incidents[parts[5]], request.get_json()
            if body.get("state") == "6" and not (body.get("close_code") and body.get("close_notes")):
                return _json(
                    {
                        "error": {"message": "Data Policy Exception: Resolution code, Resolution notes are mandatory"},
                        "status": "failure",
                    },
                    403,
                )
            if "work_notes" in body:
                incident["work_notes"].append(body.pop("work_notes"))
            incident.update(body)
            if incident["state"] in ("6", "7", "8"):
                incident["active"] = "false"
            return _json({"result": {k: v for k, v in incident.items() if k != "work_notes"}})
        return _json({"error": {"message": "No Record found"}, "status": "failure"}, 404)


class JiraStandIn(StandIn):
    """Jira Cloud REST v3: issue create, /search/jql (indexed with a lag), comments, transitions.

    `index_lag`: how many searches a new issue stays invisible to search (eventual consistency).
    """

    DONE = {"id": "31", "name": "Done", "to": {"statusCategory": {"key": "done"}}}
    TODO = {"id": "11", "name": "To Do", "to": {"statusCategory": {"key": "new"}}}

    def __init__(self, httpserver, credentials=("secops@example.com", "jira-api-token"), index_lag: int = 1000):
        super().__init__(httpserver, credentials)
        self.index_lag = index_lag
        self.issues: dict[str, dict] = {}
        httpserver.expect_request(re.compile(r"^/rest/api/3/.*")).respond_with_handler(self._dispatch)

    def unauthorized(self) -> Response:
        message = "You are not authenticated. Authentication required to perform this operation."
        return _json({"errorMessages": [message]}, 401)

    def handle(self, request: Request) -> Response:
        path = request.path[len("/rest/api/3") :]
        if path == "/search":
            return _json(
                {"errorMessages": ["The requested API has been removed. Please use /rest/api/3/search/jql"]}, 410
            )
        if path == "/search/jql" and request.method == "GET":
            return self._search(request.args.get("jql", ""))
        if path == "/issue" and request.method == "POST":
            fields = request.get_json()["fields"]
            problems = [name for name in ("project", "issuetype", "summary") if not fields.get(name)]
            if fields.get("description", {}).get("type") != "doc":
                problems.append("description must be an Atlassian Document")
            if any(" " in label for label in fields.get("labels", [])):
                problems.append("labels cannot contain spaces")
            if problems:
                return _json({"errorMessages": [], "errors": {p: "invalid" for p in problems}}, 400)
            key = f"{fields['project']['key']}-{len(self.issues) + 1}"
            self.issues[key] = {
                "fields": fields,
                "category": "new",
                "comments": [],
                "searches_until_indexed": self.index_lag,
            }
            return _json(
                {"id": str(10000 + len(self.issues)), "key": key, "self": f"{self.url()}/rest/api/3/issue/{key}"}, 201
            )
        match = re.fullmatch(r"/issue/([A-Z]+-\d+)/(comment|transitions)", path)
        if not match or match.group(1) not in self.issues:
            return _json({"errorMessages": ["Issue does not exist or you do not have permission to see it."]}, 404)
        issue, what = self.issues[match.group(1)], match.group(2)
        if what == "comment" and request.method == "POST":
            body = request.get_json()["body"]
            if body.get("type") != "doc":
                return _json({"errorMessages": ["Comment body must be an Atlassian Document"]}, 400)
            issue["comments"].append(body)
            return _json({"id": str(len(issue["comments"]))}, 201)
        if what == "transitions" and request.method == "GET":
            return _json({"transitions": [self.TODO] if issue["category"] == "done" else [self.TODO, self.DONE]})
        if what == "transitions" and request.method == "POST":
            wanted = request.get_json()["transition"]["id"]
            allowed = {"11": "new", "31": "done"} if issue["category"] != "done" else {"11": "new"}
            if wanted not in allowed:
                return _json({"errorMessages": ["Transition id is not valid for this issue."]}, 400)
            issue["category"] = allowed[wanted]
            return Response(status=204)
        return _json({"errorMessages": ["Method not allowed"]}, 405)

    def _search(self, jql: str) -> Response:
        label = re.search(r'labels\s*=\s*"([^"]+)"', jql)
        not_done = re.search(r"statusCategory\s*!=\s*Done", jql, re.I)
        found = []
        for key, issue in self.issues.items():
            if issue["searches_until_indexed"] > 0:
                issue["searches_until_indexed"] -= 1
                continue
            if label and label.group(1) not in issue["fields"].get("labels", []):
                continue
            if not_done and issue["category"] == "done":
                continue
            found.append({"id": key, "key": key, "fields": {"status": {"statusCategory": {"key": issue["category"]}}}})
        return _json({"issues": found, "isLast": True})


class PagerDutyStandIn(StandIn):
    """Events API v2: POST /v2/enqueue -> 202; incidents deduplicated by dedup_key."""

    ROUTING_KEY = "R0123456789ABCDEF0123456789ABCDE"  # 32 characters, as PagerDuty integration keys are
    SEVERITIES = {"critical", "error", "warning", "info"}

    def __init__(self, httpserver):
        super().__init__(httpserver, None)
        self.incidents: dict[str, dict] = {}
        self.events: list[dict] = []
        httpserver.expect_request("/v2/enqueue", method="POST").respond_with_handler(self._dispatch)

    def url(self) -> str:
        return self.httpserver.url_for("/v2/enqueue")

    def handle(self, request: Request) -> Response:
        event = request.get_json()
        errors = []
        if event.get("routing_key") != self.ROUTING_KEY:
            errors.append("Invalid routing key")
        if event.get("event_action") not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        if event.get("event_action") != "trigger" and not event.get("dedup_key"):
            errors.append("'dedup_key' is required")
        if event.get("event_action") == "trigger":
            payload = event.get("payload") or {}
            if (
                not payload.get("summary")
                or not payload.get("source")
                or payload.get("severity") not in self.SEVERITIES
            ):
                errors.append("'payload' needs summary, source and a valid severity")
            if len(payload.get("summary", "")) > 1024:
                errors.append("'summary' is longer than 1024")
        if errors:
            return _json({"status": "invalid event", "message": "Event object is invalid", "errors": errors}, 400)
        self.events.append(event)
        key = event["dedup_key"]
        incident = self.incidents.get(key)
        if event["event_action"] == "trigger":
            if incident and incident["status"] == "triggered":
                incident["alerts"] += 1
            else:
                self.incidents[key] = {"status": "triggered", "alerts": 1, "payload": event["payload"]}
        elif event["event_action"] == "resolve" and incident and incident["status"] == "triggered":
            incident["status"] = "resolved"
            incident["resolutions"] = incident.get("resolutions", 0) + 1
        return _json({"status": "success", "message": "Event processed", "dedup_key": key}, 202)


class ServiceCloudStandIn(StandIn):
    """Oracle B2C Service Connect for REST API v1.4: /services/rest/connect/v1.4/incidents (GET with a ROQL
    `q`, POST 201 with id and lookupName) and /incidents/<id> (PATCH: 200 with no body). Every request must
    carry `OSvC-CREST-Application-Context`; an incident needs a subject and a primary contact."""

    PATH = "/services/rest/connect/v1.4/incidents"
    CONTACT_ID = 1339

    def __init__(self, httpserver, credentials=("svc-oci", "osvc-password"), key_field="oci_problem_key"):
        super().__init__(httpserver, credentials)
        self.key_field = key_field
        self.incidents: dict[int, dict] = {}
        httpserver.expect_request(re.compile(r"^/services/rest/connect/v1\.4/incidents(/\d+)?$")).respond_with_handler(
            self._dispatch
        )

    @staticmethod
    def _error(status: int, title: str, detail: str) -> Response:
        return _json(
            {"type": "https://www.rfc-editor.org/rfc/rfc9110", "title": title, "status": status, "detail": detail},
            status,
        )

    def unauthorized(self) -> Response:
        return self._error(401, "Unauthorized", "Access Denied")

    def handle(self, request: Request) -> Response:
        if not request.headers.get("OSvC-CREST-Application-Context"):
            return self._error(400, "Bad Request", "OSvC-CREST-Application-Context header is required")
        parts = request.path.rstrip("/").split("/")
        if request.method == "GET" and len(parts) == 6:
            found = re.fullmatch(
                rf"customFields\.c\.{self.key_field} = '((?:[^'\\]|\\.)*)' and statusWithType\.statusType\.id != 2",
                request.args.get("q", ""),
            )
            if found is None:
                return self._error(400, "Bad Request", "unsupported query")
            key = re.sub(r"\\(.)", r"\1", found.group(1))
            items = [
                {"id": i["id"], "lookupName": i["lookupName"]}
                for i in self.incidents.values()
                if i["customFields"]["c"].get(self.key_field) == key and i["statusType"] != 2
            ]
            return _json({"items": items[: int(request.args.get("limit", "1000"))], "hasMore": False})
        if request.method == "POST" and len(parts) == 6:
            body = request.get_json()
            if not body.get("subject") or not (body.get("primaryContact") or {}).get("id"):
                return self._error(400, "Bad Request", "subject and primaryContact are required")
            incident_id = 100 + len(self.incidents)
            incident = {**body, "id": incident_id, "lookupName": f"261207-{incident_id:06d}", "statusType": 1}
            incident["threads"] = list(body.get("threads", []))
            self.incidents[incident_id] = incident
            return _json({"id": incident_id, "lookupName": incident["lookupName"], "links": []}, 201)
        if request.method == "PATCH" and len(parts) == 7 and int(parts[6]) in self.incidents:
            incident, body = self.incidents[int(parts[6])], request.get_json()
            incident["threads"] += body.pop("threads", [])
            status = ((body.get("statusWithType") or {}).get("status") or {}).get("lookupName")
            if status == "Solved":
                incident["statusType"] = 2
            incident.update(body)
            return Response(b"", status=200)  # Connect answers an update with no body
        return self._error(404, "Not Found", "no such incident")
