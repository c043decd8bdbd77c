"""A tenancy to collect from, on loopback: the OCI read API stand-ins (3 regions, a root and 4
compartments), an Object Storage checkpoint bucket, and a SIEM webhook that records what it receives.
Every OCI request is signed by the real SDK and checked by the stand-ins."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from werkzeug import Request, Response

from tests.conftest import sample
from tests.support.oci import TENANCY, ObjectStorageStandIn, resource_principal
from tests.support.oci_apis import OciApis, audit_record

COMPARTMENTS = [f"ocid1.compartment.oc1..aaaaaaaacompartment{i}" for i in range(4)]
BASE = sample("audit-batch-listevents.json")[0]


class Siem:
    """A JSON webhook receiver (SIEM_HTTP_URL) counting the event ids it was sent."""

    def __init__(self, httpserver):
        self.ids: Counter = Counter()
        self.records: list[dict] = []
        self.lock = threading.Lock()
        self.url = httpserver.url_for("/siem")
        httpserver.expect_request("/siem", method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        records = json.loads(request.get_data())
        with self.lock:
            self.records += records
            self.ids.update(r["eventId"] for r in records)
        return Response("{}", content_type="application/json")

    def duplicates(self) -> dict[str, int]:
        return {i: n for i, n in self.ids.items() if n > 1}


class World:
    def __init__(self, httpserver, tmp_path, monkeypatch, method: str = "search"):
        self.principal = resource_principal(tmp_path)
        self.apis = OciApis(self.principal, compartments=COMPARTMENTS, page_size=7)
        self.apis.search_page = 9  # the API gives at most 1000 a page; fewer here, so every test pages
        self.bucket = ObjectStorageStandIn(
            httpserver, self.principal, bucket="checkpoints", extra_buckets=("dead-letters",)
        )
        self.siem = Siem(httpserver)
        self.now = datetime.now(UTC)
        self.env = {
            **self.principal.env,
            **self.apis.endpoints,
            "SIEM_HTTP_URL": self.siem.url,
            "CHECKPOINT_BUCKET": "checkpoints",
            "OCI_OBJECTSTORAGE_ENDPOINT": self.bucket.endpoint,
            "COLLECT_AUDIT_METHOD": method,
            "COLLECT_SOURCES": "audit",
        }
        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        self.monkeypatch = monkeypatch

    def fill(
        self, per_scope: int = 10, minutes_ago: int = 5, regions=None, hidden: bool = False, tag: str = ""
    ) -> list[str]:
        """`per_scope` audit events in every region and compartment (root included); their ids."""
        ids = []
        for region in regions or self.apis.regions:
            for c in [TENANCY, *COMPARTMENTS]:
                for k in range(per_scope):
                    event_id = f"ev{tag}-{region}-{c[-1]}-{k}"
                    moment = self.now - timedelta(minutes=minutes_ago, seconds=k * 7)
                    self.apis.add(region, audit_record(BASE, event_id, moment, c), hidden=hidden)
                    ids.append(event_id)
        return ids

    def collector(self, **env):
        """A fresh collector (a new container or CLI run) with the environment plus `env`."""
        from forwarder import collect, wiring
        from forwarder.oci import auth as oci_auth
        from forwarder.settings import load_settings

        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        oci_auth.reset()
        settings = load_settings()
        return collect.build(settings, wiring.build(settings))

    def run(self, sources=("audit",), **kwargs):
        collector = self.collector()
        try:
            return collector.run(sources, **kwargs)
        finally:
            collector.pipeline.close()

    def at_once(self, sources: tuple[str, ...], count: int = 2) -> list:
        """`count` collectors (containers) running `sources` at the same time; their outcomes (None for one
        that did not end within two minutes)."""
        collectors = [self.collector() for _ in range(count)]
        outcomes: list = [None] * count

        def run(n: int) -> None:
            outcomes[n] = collectors[n].run(sources)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        for collector in collectors:
            collector.pipeline.close()
        return outcomes

    def checkpoints(self) -> dict[str, dict]:
        return {n: json.loads(b) for n, b in self.bucket.objects.items() if n.startswith("checkpoints/")}

    def close(self) -> None:
        self.apis.close()

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
