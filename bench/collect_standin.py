"""The OCI read API stand-in (tests/support/oci_apis.py) in its own process, for the collection benchmark,
holding `N` synthetic audit events spread over regions x compartments without keeping N dicts: each
event is (id, time, compartment), made into a log record from one sample when a page is served.

`python -m bench.collect_standin DIR N REGIONS COMPARTMENTS [TENANCIES]` reads the resource principal's key and token
from DIR (tests/support/oci.py `resource_principal`), prints the base URL, and serves until stdin closes.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.support.oci import TENANCY
from tests.support.oci_apis import OciApis, rest_event

BASE = json.loads((Path(__file__).resolve().parents[1] / "tests" / "data" / "audit-batch-listevents.json").read_text())[
    0
]
REGIONS = ["us-ashburn-1", "eu-frankfurt-1", "ap-tokyo-1"]


class Principal:
    def __init__(self, directory: Path):
        self.key_id = "ST$" + (directory / "rpst").read_text()
        key = serialization.load_pem_private_key((directory / "rp.pem").read_bytes(), password=None)
        self.public_key = key.public_key()


class Synthetic(OciApis):
    """Events as (id, epoch seconds, compartment) per region, sorted by time; records made per page."""

    def __init__(self, principal, n: int, regions: int, compartments: int, span_minutes: int = 50, number: int = 0):
        names = [f"ocid1.compartment.oc1..aaaaaaaabench{number}x{i:04d}" for i in range(compartments - 1)]
        tenancy = tenancy_ocid(number)
        super().__init__(
            principal,
            tenancy=tenancy,
            regions=REGIONS[:regions],
            home=REGIONS[0],
            compartments=names,
            page_size=200,
            compartment_page=100,
        )
        scopes = [tenancy, *names]
        now = datetime.now(UTC)
        self.events: dict[str, list[tuple[str, float, str]]] = {r: [] for r in self.regions}
        for i in range(n):
            region = self.regions[i % regions]
            moment = (now - timedelta(minutes=5, seconds=(i * span_minutes * 60) / n)).timestamp()
            self.events[region].append((f"bench-{number}-{i:07d}", moment, scopes[(i // regions) % len(scopes)]))

        self.by_scope: dict[tuple[str, str], list[tuple[str, float, str]]] = {}
        for region, events in self.events.items():
            for event in events:
                self.by_scope.setdefault((region, event[2]), []).append(event)
        self._cache: dict[tuple, list[dict]] = {}

    def _listed(self, region, start, end, compartment):  # every page of a shard asks again: made once
        key = (region, start, end, compartment)
        if key not in self._cache:
            self._cache[key] = [rest_event(r) for r in self._visible(region, start, end, compartment)]
        return self._cache[key]

    def _visible(self, region, start, end, compartment=None):
        key = (region, start, end, None)
        if compartment is None and key in self._cache:
            return self._cache[key]
        low, high = start.timestamp(), end.timestamp()
        out = []
        events = self.events.get(region, ()) if compartment is None else self.by_scope.get((region, compartment), ())
        for event_id, moment, scope in events:
            if low <= moment < high:
                record = dict(
                    BASE,
                    id=event_id,
                    time=datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")[:23] + "Z",
                )
                record["data"] = dict(BASE["data"], compartmentId=scope)
                out.append(record)
        if compartment is None:
            self._cache[key] = out
        return out


def tenancy_ocid(number: int) -> str:
    """The OCID of tenancy `number` of the stand-in (0: the collector's own)."""
    return TENANCY if number == 0 else f"ocid1.tenancy.oc1..aaaaaaaabenchtenancy{number}"


def main() -> None:
    directory, n, regions, compartments = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 1  # tenancies: n events shared out among them
    principal = Principal(directory)
    every = [Synthetic(principal, n // count, regions, compartments, number=t) for t in range(count)]
    for other in every[1:]:  # the first server answers for every tenancy
        every[0].join(other)
    print(every[0].base, flush=True)
    sys.stdin.read()
    for apis in every:
        apis.close()


if __name__ == "__main__":
    main()
