"""A loopback OCI Streaming service following the documented contract, every request's signature checked
(the real SDK signs them):

- Stream admin API (`/{region}/admin`): GetStream `GET /20180418/streams/{streamId}` -> the stream with its
  `messagesEndpoint` (where a stream's messages are read) and `partitions`;
- Messages API (`/{region}/messages`, the messages endpoint), under `/20180418/streams/{streamId}`:
  `POST /groupCursors` (CreateGroupCursor: `groupName`, `instanceName`, `type` TRIM_HORIZON / LATEST /
  AT_TIME used only when the group is new, `timeoutInMs`, `commitOnGet` default true), `GET /messages`
  (GetMessages: `cursor`, `limit` at most 10000; messages of one partition a call; the next cursor in
  `opc-next-cursor`), `POST /commit` and `POST /heartbeat` (`cursor`; both answer `{"value": cursor}`),
  `GET /groups/{groupName}` (GetGroup: reservations and committed offsets).

Consumer groups: an instance that is silent (no call with its cursor) for its `timeoutInMs` loses its
partitions; partitions are shared out among the live instances as evenly as possible (a joining instance
takes partitions from the instances holding most). A cursor is opaque: it names the group, the instance and
the offset reached in each partition it reserves. A commit moves the committed offset of the partitions the
instance still reserves (others are ignored, and counted in `stale_commits`); with `commitOnGet` a
GetMessages first commits its cursor. Every commit is logged in `commits` as (instance, partition, from,
to), so a test can check no offset was committed by two instances. Faults: `throttle = n` (the next n
requests answer 429), `fail_commits = n` (the next n commits answer 500).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

from werkzeug import Request, Response

from tests.support.oci import _error, signature_problem
from tests.support.oci_apis import Loopback


def stream_ocid(region_key: str = "iad", name: str = "events") -> str:
    return f"ocid1.stream.oc1.{region_key}.aaaaaaaa{name}stream"


class _Group:
    def __init__(self, partitions: int, start: list[int]):
        self.committed = list(start)  #: partition -> next offset to read
        self.owner: list[str | None] = [None] * partitions  #: partition -> instance
        self.seen: dict[str, tuple[float, float]] = {}  #: instance -> (last call, timeout seconds)


class StreamingStandIn(Loopback):
    """Streams on one loopback server: `add_stream(ocid, partitions)`, `put(ocid, values, partition)`."""

    def __init__(self, principal, region: str = "us-ashburn-1"):
        self.principal = principal
        self.region = region
        self.streams: dict[str, list[list[dict]]] = {}  #: stream -> partition -> messages
        self.groups: dict[tuple[str, str], _Group] = {}
        self.commits: list[tuple[str, int, int, int]] = []
        self.stale_commits = 0
        self.calls: dict[str, int] = {}
        self.bad: list[str] = []
        self.throttle = 0
        self.fail_commits = 0
        self.delay = 0.0  #: seconds each GetMessages waits
        self._lock = threading.RLock()
        self._serve()

    @property
    def endpoints(self) -> dict[str, str]:
        return {"OCI_STREAMING_ENDPOINT": self.base + "/{region}/admin"}

    def add_stream(self, ocid: str, partitions: int = 1) -> None:
        self.streams[ocid] = [[] for _ in range(partitions)]

    def put(self, ocid: str, values: list[bytes | str], partition: int = 0, key: bytes | None = None) -> None:
        """Append messages (raw bytes, or text encoded as UTF-8) to one partition."""
        with self._lock:
            log = self.streams[ocid][partition]
            for value in values:
                raw = value.encode() if isinstance(value, str) else value
                log.append(
                    {
                        "stream": ocid.rsplit(".", 1)[-1],
                        "partition": str(partition),
                        "key": base64.b64encode(key).decode() if key else None,
                        "value": base64.b64encode(raw).decode(),
                        "offset": len(log),
                        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                    }
                )

    def committed(self, ocid: str, group: str) -> list[int]:
        return list(self.groups[(ocid, group)].committed)

    def _handle(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        region, api, rest = parts[0], parts[1], parts[2:]
        problem = signature_problem(request, self.principal)
        if problem:
            self.bad.append(f"{request.path}: {problem}")
            return _error(401, "NotAuthenticated", problem)
        if region != self.region:
            return _error(404, "NotAuthorizedOrNotFound", f"no streams in {region}")
        if rest[:2] != ["20180418", "streams"] or len(rest) < 3 or rest[2] not in self.streams:
            return _error(404, "NotAuthorizedOrNotFound", "no such stream")
        stream, action = rest[2], "/".join(rest[3:])
        with self._lock:
            self.calls[action or "get"] = self.calls.get(action or "get", 0) + 1
        throttled = self._throttled()
        if throttled is not None:
            return throttled
        args = {k: v[-1] for k, v in parse_qs(request.query_string.decode()).items()}
        if api == "admin" and not action and request.method == "GET":
            return self._json(self._stream(stream, region))
        if api != "messages":
            return _error(404, "NotFound", f"{api}/{action}")
        if action == "groupCursors" and request.method == "POST":
            return self._create(stream, json.loads(request.get_data() or b"{}"))
        if action.startswith("groups/") and request.method == "GET":
            return self._group(stream, action.split("/", 1)[1])
        cursor = self._decode(args.get("cursor"))
        if cursor is None:
            return _error(400, "InvalidParameter", "cursor: not a group cursor of this stream")
        if action == "messages" and request.method == "GET":
            return self._messages(stream, cursor, args)
        if action in ("commit", "heartbeat") and request.method == "POST":
            return self._commit(stream, cursor, commit=action == "commit")
        return _error(404, "NotFound", action)

    def _stream(self, stream: str, region: str) -> dict:
        return {
            "id": stream,
            "name": stream.rsplit(".", 1)[-1],
            "partitions": len(self.streams[stream]),
            "lifecycleState": "ACTIVE",
            "messagesEndpoint": f"{self.base}/{region}/messages",
            "retentionInHours": 24,
            "compartmentId": "ocid1.compartment.oc1..aaaaaaaastreams",
            "streamPoolId": "ocid1.streampool.oc1.iad.aaaaaaaapool",
            "timeCreated": "2026-11-01T00:00:00.000Z",
        }

    def _create(self, stream: str, details: dict) -> Response:
        name, instance = details.get("groupName"), details.get("instanceName")
        kind = details.get("type")
        if not name or kind not in ("TRIM_HORIZON", "LATEST", "AT_TIME"):
            return _error(400, "InvalidParameter", "groupName and type (TRIM_HORIZON, LATEST, AT_TIME) are required")
        instance = instance or f"uuid-{time.monotonic_ns()}"
        timeout = float(details.get("timeoutInMs") or 30000) / 1000.0
        with self._lock:
            logs = self.streams[stream]
            group = self.groups.get((stream, name))
            if group is None:  # the type is used only when the group is created
                start = [0 if kind == "TRIM_HORIZON" else len(log) for log in logs]
                group = self.groups[(stream, name)] = _Group(len(logs), start)
            group.seen[instance] = (time.monotonic(), timeout)
            self._balance(group)
            commit_on_get = details.get("commitOnGet", True) is not False
            positions = {p: group.committed[p] for p, owner in enumerate(group.owner) if owner == instance}
            return self._json({"value": self._encode(name, instance, positions, commit_on_get)})

    def _messages(self, stream: str, cursor: dict, args: dict) -> Response:
        limit = int(args.get("limit") or 10000)
        if not 1 <= limit <= 10000:
            return _error(400, "InvalidParameter", "limit: 1 to 10000")
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            group, positions = self._touch(stream, cursor)
            if cursor["c"]:  # commit-on-get: what the previous call returned is committed now
                self._move(group, cursor, positions, stream)
            logs, out = self.streams[stream], []
            order = sorted(positions, key=lambda p: (p - cursor.get("last", -1) - 1) % len(logs))
            for partition in order:  # one partition a call, taking turns
                out = logs[partition][positions[partition] : positions[partition] + limit]
                if out:
                    positions[partition] += len(out)
                    break
            last = int(out[0]["partition"]) if out else cursor.get("last", -1)
            value = self._encode(cursor["g"], cursor["i"], positions, cursor["c"], last)
            return Response(json.dumps(out), content_type="application/json", headers={"opc-next-cursor": value})

    def _commit(self, stream: str, cursor: dict, commit: bool) -> Response:
        with self._lock:
            if commit and self.fail_commits > 0:
                self.fail_commits -= 1
                return _error(500, "InternalServerError", "failing on purpose")
            group, positions = self._touch(stream, cursor)
            if commit:
                self._move(group, cursor, positions, stream)
            return self._json({"value": self._encode(cursor["g"], cursor["i"], positions, cursor["c"])})

    def _group(self, stream: str, name: str) -> Response:
        group = self.groups.get((stream, name))
        if group is None:
            return _error(404, "NotAuthorizedOrNotFound", "no such group")
        reservations = [
            {"partition": str(p), "committedOffset": group.committed[p], "reservedInstance": group.owner[p]}
            for p in range(len(group.owner))
        ]
        return self._json({"streamId": stream, "groupName": name, "reservations": reservations})

    def _touch(self, stream: str, cursor: dict) -> tuple[_Group, dict[int, int]]:
        """The group after the instance's call (alive again, partitions rebalanced), and its positions: the
        cursor's for partitions it still reserves, the committed offset for partitions it gained."""
        group = self.groups[(stream, cursor["g"])]
        instance = cursor["i"]
        timeout = group.seen.get(instance, (0.0, 30.0))[1]
        group.seen[instance] = (time.monotonic(), timeout)
        self._balance(group)
        given = {int(p): o for p, o in cursor["p"].items()}
        return group, {p: given.get(p, group.committed[p]) for p, owner in enumerate(group.owner) if owner == instance}

    def _move(self, group: _Group, cursor: dict, positions: dict[int, int], stream: str) -> None:
        for partition, offset in cursor["p"].items():
            partition = int(partition)
            if group.owner[partition] != cursor["i"]:
                self.stale_commits += 1
                continue
            if offset > group.committed[partition]:
                self.commits.append((cursor["i"], partition, group.committed[partition], offset))
                group.committed[partition] = offset

    @staticmethod
    def _balance(group: _Group) -> None:
        now = time.monotonic()
        live = [i for i, (seen, timeout) in group.seen.items() if now - seen <= timeout]
        group.owner = [o if o in live else None for o in group.owner]
        if not live:
            return
        held = {i: [p for p, o in enumerate(group.owner) if o == i] for i in live}
        for partition, owner in enumerate(group.owner):  # free partitions to whoever holds fewest
            if owner is None:
                fewest = min(live, key=lambda i: len(held[i]))
                group.owner[partition] = fewest
                held[fewest].append(partition)
        while True:  # then even out: a joining instance takes from the one holding most
            most = max(live, key=lambda i: len(held[i]))
            fewest = min(live, key=lambda i: len(held[i]))
            if len(held[most]) - len(held[fewest]) <= 1:
                return
            partition = held[most].pop()
            group.owner[partition] = fewest
            held[fewest].append(partition)

    @staticmethod
    def _encode(group: str, instance: str, positions: dict[int, int], commit_on_get: bool, last: int = -1) -> str:
        body = {"g": group, "i": instance, "p": {str(p): o for p, o in positions.items()}, "c": commit_on_get}
        return base64.urlsafe_b64encode(json.dumps({**body, "last": last}).encode()).decode()

    @staticmethod
    def _decode(value: str | None) -> dict | None:
        try:
            cursor = json.loads(base64.urlsafe_b64decode((value or "").encode()))
        except ValueError:
            return None
        return cursor if isinstance(cursor, dict) and {"g", "i", "p", "c"} <= set(cursor) else None

    @staticmethod
    def _json(body: dict) -> Response:
        return Response(json.dumps(body), content_type="application/json")
