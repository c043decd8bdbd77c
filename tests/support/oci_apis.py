"""Loopback stand-ins for the OCI read APIs of the pull side, following each API's documented contract
and checking every request's signature (the real SDK signs them):

- Identity: GetTenancy (`name`), ListRegionSubscriptions; ListCompartments (subtree, paged with
  `opc-next-page`, root left out);
- Audit: GetConfiguration (`retention`); ListEvents per compartment (`startTime`/`endTime` must be whole
  minutes: 400 otherwise), paged;
- Logging Search: POST /search over `"<tenancy>/_Audit_Include_Subcompartment"` or a named custom log,
  at most 14 days (400 otherwise), `limit` at most 1000, paged;
- Cloud Guard: GetConfiguration (reporting region), ListProblems (timeLastDetected window, paged);
- Logging Search filter stages `| <field> = '<value>' or <field> = '<value>' ...` and a last stage
  `| summarize count() as <n> by rounddown(datetime, '<k>m') | <field> as <name>` (anything else: 400);
- Notifications: GetTopic (its `apiEndpoint` is this server's `/{region}/onsdp`) and PublishMessage there
  (`messages` holds what was published; at most 64 KB a message).

One threaded server for every region: a service's endpoint is `<base>/{region}/<service>`. Audit events
are held as the CloudEvents 1.0 log records Connector Hub delivers, and served in the REST envelope by
ListEvents and inside `logContent` by Logging Search, as OCI does. Faults: `fail[(service, region, scope)]
= status`, `throttle = n` (the next n requests answer 429 with Retry-After: 0), `hidden` events (late:
not visible until `reveal()`).

Several tenancies: `join(other)` makes this server answer for another `OciApis` too (its tenancy, its
compartments, regions, records and principal): a request naming the other tenancy or one of its
compartments (path, query or body) is answered by it, and its signature checked against its principal.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from werkzeug import Request, Response
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.oci import TENANCY, _error, signature_problem

SERVICES = ("identity", "audit", "logging", "cloudguard", "notification", "onsdp")
TOPIC = "ocid1.onstopic.oc1.iad.aaaaaaaatesttopic"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # thousands of requests: no access log
        pass


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def rest_event(record: dict) -> dict:
    """The Audit API's envelope of one audit log record (GET /20190901/auditEvents items)."""
    return {
        "eventType": record["type"],
        "cloudEventsVersion": "0.1",
        "eventTypeVersion": "2.0",
        "source": record.get("source"),
        "eventId": record["id"],
        "eventTime": record["time"],
        "contentType": "application/json",
        "data": record["data"],
    }


class Loopback:
    """A WSGI stand-in served on 127.0.0.1 (a free port) from a thread: `_handle(request)` answers, a bug in
    it answers 500 with the reason; `base` is its URL, `close()` (or leaving a `with` block) stops it.
    Subclasses hold `throttle` (requests still to answer 429) and `_lock`."""

    def _serve(self) -> None:
        self._server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=_Quiet)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _throttled(self) -> Response | None:
        """429 with Retry-After: 0 while `self.throttle` (requests still to refuse) is above 0, else None."""
        with self._lock:
            if self.throttle <= 0:
                return None
            self.throttle -= 1
        return Response(
            json.dumps({"code": "TooManyRequests", "message": "user-rate limit exceeded"}),
            status=429,
            headers={"retry-after": "0"},
            content_type="application/json",
        )

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._handle(request)
        except Exception as exc:  # a stand-in bug shows as a 500 with the reason
            response = _error(500, "StandInError", f"{type(exc).__name__}: {exc}")
        return response(environ, start_response)


class OciApis(Loopback):
    """The read APIs on one loopback server. `endpoints` maps our config keys to `{region}` URLs."""

    def __init__(
        self,
        principal,
        regions=("us-ashburn-1", "eu-frankfurt-1", "ap-tokyo-1"),
        home="us-ashburn-1",
        compartments=(),
        tenancy=TENANCY,
        page_size=50,
        compartment_page=2,
        name="acme",
    ):
        self.principal = principal
        self.tenancy = tenancy
        self.name = name  #: what GetTenancy answers
        self.others: list[OciApis] = []  #: other tenancies this server answers for (`join`)
        self.regions = list(regions)
        self.home = home
        self.compartments = list(compartments)  #: OCIDs below the root
        self.records: dict[str, list[dict]] = {r: [] for r in self.regions}  #: region -> audit log records
        self.logs: dict[str, dict[str, list[dict]]] = {}  #: region -> search target -> log records
        self.problems: list[dict] = []  #: Cloud Guard problems (REST camelCase, as GetProblem returns them)
        self.gone_problems: set[str] = set()  #: problem ids GetProblem answers 404 for (deleted after listing)
        self.reporting_region = home
        self.retention = 365  #: Audit GetConfiguration's retentionPeriodDays
        self.page_size = page_size
        self.summaries: list[str] = []  #: the aggregating queries answered
        self.search_page = 1000  #: most results a search page holds (the API's maximum; tests lower it)
        self.compartment_page = compartment_page
        self.fail: dict[tuple[str, str, str], int] = {}
        self.throttle = 0
        self.hidden: set[str] = set()
        #: compartment -> its parent (default the root): a tree, as ListCompartments gives it
        self.parents: dict[str, str] = {}
        self.calls: Counter = Counter()
        self.user_agents: Counter = Counter()
        self.bad: list[str] = []  #: requests refused for a bad signature or parameters
        self.delay = 0.0  #: seconds each data page waits (a slow API: a run can be killed half-way)
        self.messages: list[dict] = []  #: published Notifications messages (`{"topic", "title", "body"}`)
        self.queries: list[str] = []  #: Logging Search queries received
        self.compartment_names: dict[str, str] = {}  #: compartment -> name (default its last 6 characters)
        #: user OCID -> {"name", "email", "groups": [group OCIDs]} (GetUser, ListUserGroupMemberships)
        self.users: dict[str, dict] = {}
        self.groups: dict[str, str] = {}  #: group OCID -> name (GetGroup)
        self.targets: dict[str, str] = {}  #: Cloud Guard target OCID -> display name (GetTarget)
        self._lock = threading.Lock()
        self._serve()

    @property
    def endpoints(self) -> dict[str, str]:
        return {
            "OCI_IDENTITY_ENDPOINT": self.base + "/{region}/identity",
            "OCI_AUDIT_ENDPOINT": self.base + "/{region}/audit",
            "OCI_LOGGING_SEARCH_ENDPOINT": self.base + "/{region}/logging",
            "OCI_CLOUDGUARD_ENDPOINT": self.base + "/{region}/cloudguard",
            "OCI_NOTIFICATION_ENDPOINT": self.base + "/{region}/notification",
        }

    def add(self, region: str, record: dict, hidden: bool = False) -> None:
        self.records.setdefault(region, []).append(record)
        if hidden:
            self.hidden.add(record["id"])

    def reveal(self) -> None:
        self.hidden.clear()

    def join(self, other: OciApis) -> None:
        """Answer for `other`'s tenancy on this server too (it keeps its own data, faults and counts)."""
        self.others.append(other)

    def _owns(self, request: Request) -> bool:
        text = request.full_path + request.get_data(as_text=True)
        return self.tenancy in text or any(c in text for c in self.compartments)

    def _handle(self, request: Request) -> Response:
        for other in self.others:
            if other._owns(request):
                return other._handle(request)
        parts = request.path.strip("/").split("/")
        region, service, path = parts[0], parts[1], "/" + "/".join(parts[2:])
        self.calls[(service, region)] += 1
        self.user_agents[request.headers.get("User-Agent", "")] += 1
        problem = signature_problem(request, self.principal)
        if problem:
            self.bad.append(f"{request.path}: {problem}")
            return _error(401, "NotAuthenticated", problem)
        throttled = self._throttled()
        if throttled is not None:
            return throttled
        if region not in self.regions:
            return _error(404, "NotAuthorizedOrNotFound", f"region {region} is not subscribed")
        args = {k: v[-1] for k, v in parse_qs(request.query_string.decode()).items()}
        scope = args.get("compartmentId", "")
        status = self.fail.get((service, region, scope)) or self.fail.get((service, region, ""))
        if status:
            return _error(status, "NotAuthorizedOrNotFound" if status == 404 else "Failure", "failing on purpose")
        handler = getattr(self, "_" + service)
        return handler(request, path, args, region)

    def _page(self, items: list, args: dict, size: int, key: str | None = None, wrap=None) -> Response:
        start = int(args.get("page") or 0)
        limit = min(int(args.get("limit") or size), size)
        chunk = items[start : start + limit]
        if wrap is not None:
            chunk = [wrap(item) for item in chunk]
        body = {key: chunk} if key else chunk
        headers = {"opc-next-page": str(start + limit)} if start + limit < len(items) else {}
        if self.delay:
            threading.Event().wait(self.delay)
        return Response(json.dumps(body), content_type="application/json", headers=headers)

    def _identity(self, request, path, args, region) -> Response:
        if path == f"/20160918/tenancies/{self.tenancy}/regionSubscriptions":
            subs = [
                {"regionKey": r[:3].upper(), "regionName": r, "status": "READY", "isHomeRegion": r == self.home}
                for r in self.regions
            ]
            return Response(json.dumps(subs), content_type="application/json")
        if path == f"/20160918/tenancies/{self.tenancy}":
            body = {"id": self.tenancy, "name": self.name, "homeRegionKey": self.home[:3].upper()}
            return Response(json.dumps(body), content_type="application/json")
        if path.startswith("/20160918/compartments/"):  # GetCompartment
            wanted = path.rsplit("/", 1)[1]
            if wanted not in self.compartments:
                return _error(404, "NotAuthorizedOrNotFound", f"compartment {wanted}")
            body = {
                "id": wanted,
                "compartmentId": self.parents.get(wanted, self.tenancy),
                "name": self.compartment_names.get(wanted, wanted[-6:]),
                "lifecycleState": "ACTIVE",
            }
            return Response(json.dumps(body), content_type="application/json")
        if path.startswith("/20160918/users/"):  # GetUser
            user = self.users.get(path.rsplit("/", 1)[1])
            if user is None:
                return _error(404, "NotAuthorizedOrNotFound", path)
            body = {
                "id": path.rsplit("/", 1)[1],
                "compartmentId": self.tenancy,
                "name": user["name"],
                "email": user.get("email"),
                "lifecycleState": "ACTIVE",
            }
            return Response(json.dumps(body), content_type="application/json")
        if path == "/20160918/userGroupMemberships":  # ListUserGroupMemberships
            if args.get("compartmentId") != self.tenancy:
                return _error(400, "InvalidParameter", "memberships are listed in the tenancy")
            user = self.users.get(args.get("userId", ""), {})
            items = [
                {
                    "id": f"ocid1.groupmembership.oc1..{i}",
                    "groupId": g,
                    "userId": args["userId"],
                    "compartmentId": self.tenancy,
                    "lifecycleState": "ACTIVE",
                }
                for i, g in enumerate(user.get("groups", ()))
            ]
            return self._page(items, args, 1)  # one per page: paging is followed
        if path.startswith("/20160918/groups/"):  # GetGroup
            name = self.groups.get(path.rsplit("/", 1)[1])
            if name is None:
                return _error(404, "NotAuthorizedOrNotFound", path)
            body = {"id": path.rsplit("/", 1)[1], "name": name, "compartmentId": self.tenancy}
            return Response(json.dumps(body), content_type="application/json")
        if path == "/20160918/compartments":
            if args.get("compartmentId") != self.tenancy or args.get("compartmentIdInSubtree") != "true":
                return _error(400, "InvalidParameter", "subtree listing works only from the root")
            items = [
                {
                    "id": c,
                    "compartmentId": self.parents.get(c, self.tenancy),
                    "name": c[-6:],
                    "lifecycleState": "ACTIVE",
                }
                for c in self.compartments
            ]
            return self._page(items, args, self.compartment_page)
        return _error(404, "NotFound", path)

    def within(self, compartment: str | None, top: str) -> bool:
        """Whether `compartment` is `top` or in its subtree (the root holds every compartment)."""
        while compartment:
            if compartment == top:
                return True
            if compartment == self.tenancy:
                return False
            compartment = self.parents.get(compartment, self.tenancy)
        return False

    def _visible(self, region: str, start: datetime, end: datetime) -> list[dict]:
        return [
            r for r in self.records.get(region, ()) if r["id"] not in self.hidden and start <= parse(r["time"]) < end
        ]

    def _audit(self, request, path, args, region) -> Response:
        if path == "/20190901/configuration":  # GetConfiguration: the tenancy's retention
            return Response(json.dumps({"retentionPeriodDays": self.retention}), content_type="application/json")
        if path != "/20190901/auditEvents":
            return _error(404, "NotFound", path)
        start, end = parse(args["startTime"]), parse(args["endTime"])
        if start.second or start.microsecond or end.second or end.microsecond:
            self.bad.append(f"ListEvents {args['startTime']} {args['endTime']}")
            return _error(400, "InvalidParameter", "startTime and endTime: seconds and milliseconds must be 0")
        return self._page(self._listed(region, start, end, args["compartmentId"]), args, self.page_size)

    def _listed(self, region: str, start: datetime, end: datetime, compartment: str) -> list[dict]:
        """ListEvents items: the REST envelope of the visible events of one compartment."""
        return [
            rest_event(r) for r in self._visible(region, start, end) if r["data"].get("compartmentId") == compartment
        ]

    def _logging(self, request, path, args, region) -> Response:
        if path != "/20190909/search" or request.method != "POST":
            return _error(404, "NotFound", path)
        body = json.loads(request.get_data())
        start, end = parse(body["timeStart"]), parse(body["timeEnd"])
        if end - start > timedelta(days=14):
            self.bad.append(f"search window {body['timeStart']} {body['timeEnd']}")
            return _error(400, "InvalidParameter", "the time range must be at most 14 days")
        if int(args.get("limit") or 100) > 1000:
            return _error(400, "InvalidParameter", "limit must be at most 1000")
        self.queries.append(body["searchQuery"])
        target = body["searchQuery"].split('"')[1]
        top, _, log = target.partition("/")
        if log == "_Audit_Include_Subcompartment" and (top == self.tenancy or top in self.compartments):
            records = [r for r in self._visible(region, start, end) if self.within(r["data"].get("compartmentId"), top)]
        else:
            records = [r for r in self.logs.get(region, {}).get(target, ()) if start <= parse(r["time"]) < end]
        for stage in body["searchQuery"].split('"', 2)[2].split("|")[1:]:
            if stage.strip().startswith("summarize"):
                rows = _summarize(stage, records)
                if rows is None:
                    return _error(400, "InvalidParameter", f"the stand-in does not know the stage {stage.strip()!r}")
                self.summaries.append(body["searchQuery"])
                return self._page(rows, args, self.search_page, key="results", wrap=lambda row: {"data": row})
            test = _filter(stage)
            if test is None:
                return _error(400, "InvalidParameter", f"the stand-in does not know the stage {stage.strip()!r}")
            records = [r for r in records if test(r)]
        return self._page(records, args, self.search_page, key="results", wrap=_result)

    def _notification(self, request, path, args, region) -> Response:
        prefix = "/20181201/topics/"
        if request.method != "GET" or not path.startswith(prefix) or path[len(prefix) :] != TOPIC:
            return _error(404, "NotAuthorizedOrNotFound", f"no topic {path[len(prefix) :]}")
        topic = {
            "topicId": TOPIC,
            "name": "reports",
            "apiEndpoint": f"{self.base}/{region}/onsdp",
            "lifecycleState": "ACTIVE",
            "compartmentId": self.tenancy,
            "timeCreated": "2026-01-01T00:00:00Z",
        }
        return Response(json.dumps(topic), content_type="application/json")

    def _onsdp(self, request, path, args, region) -> Response:
        if request.method != "POST" or path != f"/20181201/topics/{TOPIC}/messages":
            return _error(404, "NotAuthorizedOrNotFound", path)
        if len(request.get_data()) > 64 * 1024:
            return _error(400, "InvalidParameter", "the message is larger than 64 KB")
        body = json.loads(request.get_data())
        if not isinstance(body.get("body"), str):
            return _error(400, "InvalidParameter", "body is required")
        with self._lock:
            self.messages.append({"topic": TOPIC, "title": body.get("title"), "body": body["body"]})
            number = len(self.messages)
        return Response(
            json.dumps({"messageId": f"msg-{number}", "timeStamp": "2026-01-01T00:00:00Z"}),
            content_type="application/json",
        )

    def _cloudguard(self, request, path, args, region) -> Response:
        if path == "/20200131/configuration":
            return Response(
                json.dumps({"reportingRegion": self.reporting_region, "status": "ENABLED"}),
                content_type="application/json",
            )
        if path.startswith("/20200131/targets/"):  # GetTarget
            name = self.targets.get(path.rsplit("/", 1)[1])
            if name is None:
                return _error(404, "NotAuthorizedOrNotFound", path)
            body = {"id": path.rsplit("/", 1)[1], "displayName": name, "lifecycleState": "ACTIVE"}
            return Response(json.dumps(body), content_type="application/json")
        if region != self.reporting_region:
            return _error(400, "InvalidParameter", "problems are read in the reporting region")
        if path.startswith("/20200131/problems/"):  # GetProblem: the whole Problem
            wanted = path.rsplit("/", 1)[1]
            found = [p for p in self.problems if p["id"] == wanted and wanted not in self.gone_problems]
            if not found:
                return _error(404, "NotAuthorizedOrNotFound", f"problem {wanted}")
            return Response(json.dumps(found[0]), content_type="application/json")
        if path != "/20200131/problems":
            return _error(404, "NotFound", path)
        top = args.get("compartmentId", "")
        if top != self.tenancy and args.get("compartmentIdInSubtree") != "true":
            return _error(400, "InvalidParameter", "the stand-in reads problems of a subtree only")
        low = parse(args["timeLastDetectedGreaterThanOrEqualTo"])
        high = parse(args["timeLastDetectedLessThanOrEqualTo"]) if "timeLastDetectedLessThanOrEqualTo" in args else None
        items = [  # ProblemSummary: a Problem without what only GetProblem returns
            {k: v for k, v in p.items() if k not in PROBLEM_ONLY}
            for p in self.problems
            if parse(p["timeLastDetected"]) >= low
            and (high is None or parse(p["timeLastDetected"]) <= high)
            and self.within(p.get("compartmentId") or self.tenancy, top)
        ]
        return self._page(items, args, self.page_size, key="items")


#: Problem fields ListProblems leaves out (oci.cloud_guard.models: Problem minus ProblemSummary).
PROBLEM_ONLY = frozenset(
    {
        "additionalDetails",
        "autoResolveDate",
        "comment",
        "description",
        "impactedResourceId",
        "impactedResourceName",
        "impactedResourceType",
        "peakRiskScore",
        "peakRiskScoreDate",
        "peakRiskScoreLookupPeriodInDays",
        "recommendation",
    }
)


def _summarize(stage: str, records: list[dict]) -> list[dict] | None:
    """The rows of `summarize count() as <n> by rounddown(datetime, '<k>m') as <slot>` (slot starts as epoch
    milliseconds) or `summarize count() as <n> by <field> as <name>`, else None."""
    import re

    found = re.fullmatch(
        r"\s*summarize count\(\) as (\w+) by (?:rounddown\(datetime, '(\d+)m'\)|([A-Za-z_][\w.]*)) as (\w+)\s*", stage
    )
    if not found:
        return None
    counted, minutes, field, name = found.groups()
    groups: Counter = Counter()
    for record in records:
        if minutes:
            step = int(minutes) * 60_000
            groups[int(parse(record["time"]).timestamp() * 1000) // step * step] += 1
        else:
            value = record
            for key in field.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            groups[value] += 1
    return [{name: key, counted: n} for key, n in sorted(groups.items(), key=lambda kv: str(kv[0]))]


def _filter(stage: str):
    """A test for one filter stage `a.b = 'x' or a.b = 'y'` (the Logging query language), else None."""
    import re

    clauses = [re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*=\s*'([^']*)'\s*", part) for part in stage.split(" or ")]
    if not clauses or not all(clauses):
        return None
    wanted = [(m.group(1).split("."), m.group(2)) for m in clauses]

    def value(record, path):
        for key in path:
            record = record.get(key) if isinstance(record, dict) else None
        return record

    return lambda record: any(value(record, path) == expected for path, expected in wanted)


def _result(record: dict) -> dict:
    """One Logging Search result holding a log record."""
    return {"data": {"datetime": int(parse(record["time"]).timestamp() * 1000), "logContent": record}}


def audit_record(base: dict, event_id: str, moment: datetime, compartment: str, name: str = "UpdateBucket") -> dict:
    """A copy of the audit log record `base` with a new id, time, compartment and event name."""
    record = json.loads(json.dumps(base))
    record["id"] = event_id
    record["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    record["type"] = f"com.oraclecloud.objectstorage.{name}"
    record["data"]["compartmentId"] = compartment
    record["data"]["eventName"] = name
    record["oracle"]["compartmentid"] = compartment
    return record


#: The OCIDs of the audit sample `audit-objectstorage-createbucket-public.json` (its tenancy, compartment and
#: user), and the parent compartment `named_sample` puts it in.
SAMPLE_TENANCY = "ocid1.tenancy.oc1..aaaaaaaaexampletenancy000000000000000000000000000000000000"
SAMPLE_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaexamplecompartment0000000000000000000000000000000"
SAMPLE_USER = "ocid1.user.oc1..aaaaaaaaexampleuser00000000000000000000000000000000000000"
APPS = "ocid1.compartment.oc1..aaaaaaaaapps"


def named_sample(principal, groups: dict[str, str], name: str) -> OciApis:
    """Identity stand-ins naming the audit sample's OCIDs (tenancy `name`): its compartment `prod` in `apps` in
    the root, its user jane.doe@example.com in `groups` (OCID -> name). The sample names another tenancy than
    `principal`'s: move a body into it with `body.replace(SAMPLE_TENANCY, TENANCY)`."""
    apis = OciApis(principal, compartments=[APPS, SAMPLE_COMPARTMENT], name=name)
    apis.parents[SAMPLE_COMPARTMENT] = APPS
    apis.compartment_names.update({APPS: "apps", SAMPLE_COMPARTMENT: "prod"})
    apis.groups.update(groups)
    apis.users[SAMPLE_USER] = {"name": "jane.doe@example.com", "email": "jane.doe@example.com", "groups": list(groups)}
    return apis
