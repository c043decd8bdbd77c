"""Loopback stand-ins of the APIs around a deployed function, as their REST contracts (and the SDK's models)
describe them, every request's signature checked:

- Functions: GetFunction (GET /<version>/functions/{id}: 20181201 in the API reference, 20260325 in the
  pinned SDK);
- Events: ListRules (GET /20181201/rules?compartmentId, at most 50 a page, `opc-next-page`), GetRule (with
  `actions.actions[]`: actionType FAAS, functionId, isEnabled);
- Connector Hub: ListServiceConnectors (GET /20200909/serviceConnectors?compartmentId: `items`),
  GetServiceConnector (`target.kind`, `target.functionId`, `lifecycleState`).

A service's endpoint is `<base>/{region}/<service>`; `endpoints` gives them as configuration keys.
`fail[service] = status` answers that service's every request with it (404: a policy missing).
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import parse_qs

from werkzeug import Request, Response

from tests.support.oci import _error, signature_problem
from tests.support.oci_apis import Loopback


class DeploymentApis(Loopback):
    def __init__(self, principal):
        self.principal = principal
        self.functions: dict[str, dict] = {}
        self.rules: list[dict] = []  #: each a whole Rule (GetRule's answer), with its compartmentId
        self.connectors: list[dict] = []  #: each a whole ServiceConnector
        self.fail: dict[str, int] = {}
        self.throttle = 0
        self.bad: list[str] = []
        self._lock = threading.Lock()
        self._serve()

    @property
    def endpoints(self) -> dict[str, str]:
        return {
            "OCI_FUNCTIONS_ENDPOINT": self.base + "/{region}/functions",
            "OCI_EVENTS_ENDPOINT": self.base + "/{region}/events",
            "OCI_CONNECTOR_HUB_ENDPOINT": self.base + "/{region}/sch",
        }

    def add_function(self, ocid: str, compartment: str, name: str = "oci-forwarder-fn", state: str = "ACTIVE") -> None:
        self.functions[ocid] = {"id": ocid, "displayName": name, "compartmentId": compartment, "lifecycleState": state}

    def add_rule(self, name: str, compartment: str, function: str, enabled: bool = True) -> dict:
        rule = {
            "id": f"ocid1.eventrule.oc1.iad.{name}",
            "displayName": name,
            "compartmentId": compartment,
            "lifecycleState": "ACTIVE",
            "isEnabled": enabled,
            "condition": "{}",
            "actions": {"actions": [{"actionType": "FAAS", "functionId": function, "isEnabled": True}]},
        }
        self.rules.append(rule)
        return rule

    def add_connector(self, name: str, compartment: str, function: str, state: str = "ACTIVE") -> None:
        self.connectors.append(
            {
                "id": f"ocid1.serviceconnector.oc1.iad.{name}",
                "displayName": name,
                "compartmentId": compartment,
                "lifecycleState": state,
                "target": {"kind": "functions", "functionId": function},
            }
        )

    def _handle(self, request: Request) -> Response:
        problem = signature_problem(request, self.principal)
        if problem:
            self.bad.append(problem)
            return _error(401, "NotAuthenticated", problem)
        parts = request.path.strip("/").split("/")
        service, path = parts[1], "/" + "/".join(parts[2:])
        if self.fail.get(service):
            return _error(self.fail[service], "NotAuthorizedOrNotFound", "failing on purpose")
        args = {k: v[-1] for k, v in parse_qs(request.query_string.decode()).items()}
        if service == "functions" and re.fullmatch(r"/\d{8}/functions/[^/]+", path):  # the SDK's API version
            found = self.functions.get(path.rsplit("/", 1)[1])
            return _json(found) if found else _error(404, "NotAuthorizedOrNotFound", path)
        if service == "events" and path == "/20181201/rules":
            if int(args.get("limit") or 10) > 50:
                self.bad.append("ListRules limit over 50")
                return _error(400, "InvalidParameter", "limit must be at most 50")
            listed = [
                {k: r[k] for k in ("id", "displayName", "compartmentId", "lifecycleState", "isEnabled", "condition")}
                for r in self.rules
                if r["compartmentId"] == args.get("compartmentId")
            ]
            start, size = int(args.get("page") or 0), int(args.get("limit") or 10)
            headers = {"opc-next-page": str(start + size)} if start + size < len(listed) else {}
            return _json(listed[start : start + size], headers)
        if service == "events" and path.startswith("/20181201/rules/"):
            found = [r for r in self.rules if r["id"] == path.rsplit("/", 1)[1]]
            return _json(found[0]) if found else _error(404, "NotAuthorizedOrNotFound", path)
        if service == "sch" and path == "/20200909/serviceConnectors":
            items = [
                {k: c[k] for k in ("id", "displayName", "compartmentId", "lifecycleState")}
                for c in self.connectors
                if c["compartmentId"] == args.get("compartmentId")
            ]
            return _json({"items": items})
        if service == "sch" and path.startswith("/20200909/serviceConnectors/"):
            found = [c for c in self.connectors if c["id"] == path.rsplit("/", 1)[1]]
            return _json(found[0]) if found else _error(404, "NotAuthorizedOrNotFound", path)
        return _error(404, "NotFound", request.path)


def _json(body, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), content_type="application/json", headers=headers or {})
