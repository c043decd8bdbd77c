"""A loopback stand-in of OCI Monitoring's ingestion endpoint: PostMetricData (POST /20180401/metrics), as its
documentation and the SDK's model describe it, every request's signature checked.

Refused with 400, as the service does: more than 50 metric streams in one call; a namespace not of
a-z, 0-9 and _ starting with a letter, or starting with `oci_` / `oracle_`; a metric name not of letters,
digits, `.`, `_`, `-`; fewer than 1 or more than 20 dimensions, an empty dimension name or value; a datapoint
more than two hours old or ten minutes ahead; no compartmentId. `refuse` (metric names) are answered in
`failedMetrics` (NON_ATOMIC: the rest posted). `fail = status` answers every request with that status.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta

from werkzeug import Request, Response

from tests.support.oci import _error, signature_problem
from tests.support.oci_apis import Loopback, parse


class MonitoringStandIn(Loopback):
    def __init__(self, principal):
        self.principal = principal
        #: every accepted metric stream: {namespace, compartmentId, name, dimensions, value}
        self.posted: list[dict] = []
        self.calls = 0
        self.refuse: set[str] = set()
        self.fail = 0
        self.bad: list[str] = []
        self.throttle = 0
        self._lock = threading.Lock()
        self._serve()

    @property
    def endpoint(self) -> str:
        return self.base

    def by_name(self, name: str) -> list[dict]:
        return [m for m in self.posted if m["name"] == name]

    def _bad(self, message: str) -> Response:
        self.bad.append(message)
        return _error(400, "InvalidParameter", message)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.calls += 1
        problem = signature_problem(request, self.principal)
        if problem:
            return _error(401, "NotAuthenticated", problem)
        if self.fail:
            return _error(self.fail, "NotAuthorizedOrNotFound" if self.fail == 404 else "Failure", "failing on purpose")
        if request.method != "POST" or request.path != "/20180401/metrics":
            return _error(404, "NotFound", request.path)
        body = json.loads(request.get_data())
        data = body.get("metricData") or []
        if len(data) > 50:
            return self._bad(f"{len(data)} metric streams: at most 50 a call")
        now, failed = datetime.now(UTC), []
        for metric in data:
            namespace, name, dims = metric.get("namespace", ""), metric.get("name", ""), metric.get("dimensions") or {}
            if not re.fullmatch(r"[a-z][a-z0-9_]*", namespace) or namespace.startswith(("oci_", "oracle_")):
                return self._bad(f"namespace {namespace!r}")
            if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
                return self._bad(f"metric name {name!r}")
            if not metric.get("compartmentId"):
                return self._bad("compartmentId is required")
            if not 1 <= len(dims) <= 20 or not all(k and isinstance(v, str) and v for k, v in dims.items()):
                return self._bad(f"dimensions {dims!r}: 1 to 20, names and values not empty")
            for point in metric.get("datapoints") or ():
                when = parse(point["timestamp"])
                if not now - timedelta(hours=2) < when < now + timedelta(minutes=10):
                    return self._bad(f"datapoint timestamp {point['timestamp']} out of range")
            if name in self.refuse:
                failed.append({"metricData": metric, "message": f"metric {name} refused on purpose"})
                continue
            with self._lock:
                for point in metric.get("datapoints") or ():
                    self.posted.append(
                        {
                            "namespace": namespace,
                            "compartmentId": metric["compartmentId"],
                            "name": name,
                            "dimensions": dims,
                            "value": point["value"],
                        }
                    )
        answer = {"failedMetricsCount": len(failed), "failedMetrics": failed}
        return Response(json.dumps(answer), content_type="application/json")
