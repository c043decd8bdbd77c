"""10. Enrich and shape, over a realistic day of audit events (tests/report_day.py, the demo's day: reads and
changes by people, a pipeline, an instance and a function in five compartments) and the samples:
- bytes per event sent, per payload format, with and without `original`, and what a sink that also drops
  reads (`request.action` GET/HEAD, the volume filter) sends of the day;
- enrichment: API calls per 1,000 events and CPU per event with a cold cache (a new container) and a warm
  one, as a ratio to normalizing the same events (the stage it follows), against identity stand-ins on
  loopback (real SDK, real signer)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench import corpus

EVENTS = 2_000
ROUNDS = 3


def _day_events() -> list[dict]:
    from forwarder.report import day
    from tests.report_day import REALISTIC_PRINCIPALS, generate

    events, _ = generate(
        day.yesterday("UTC"), ["us-ashburn-1"], EVENTS, principals=REALISTIC_PRINCIPALS, realistic=True
    )
    return [e for records in events.values() for e in records]


def volume() -> None:
    from forwarder.formats import cef, leef, ocsf, record_json
    from forwarder.formats.shape import shaper
    from forwarder.normalize import normalize

    day = [normalize(e) for e in _day_events()]
    samples = [normalize(e) for e in corpus.samples()]
    lean = record_json.shaped(shaper(False, None))
    formats = {
        "json": record_json.encode,
        "json without original": lean,
        "cef": cef.encode,
        "leef": leef.encode,
        "ocsf": ocsf.encode,
        "ocsf without raw_data": lambda r: ocsf.encode(r, original=False),
    }
    print(f"\n## Volume: payload bytes per event ({len(day):,} events of a realistic day; {len(samples)} samples)")
    print(f"{'format':24} {'day':>8} {'samples':>8}")
    for name, encode in formats.items():
        per_day = sum(len(encode(r)) for r in day) / len(day)
        per_sample = sum(len(encode(r)) for r in samples) / len(samples)
        print(f"{name:24} {per_day:8,.0f} {per_sample:8,.0f}")
    reads = sum(1 for r in day if r.data["request"]["action"] in ("GET", "HEAD"))
    whole = sum(len(record_json.encode(r)) for r in day)
    kept = sum(len(lean(r)) for r in day if r.data["request"]["action"] not in ("GET", "HEAD"))
    print(
        f"the day in JSON: {whole / 1e6:.2f} MB; without original and reads ({reads / len(day):.0%} of events "
        f"are reads): {kept / 1e6:.2f} MB, {1 - kept / whole:.0%} less"
    )


def enrichment(work: Path) -> None:
    from forwarder.enrich.cache import NameCache
    from forwarder.enrich.stage import Enricher
    from forwarder.normalize import normalize
    from forwarder.oci.clients import Clients
    from tests.report_day import REALISTIC_COMPARTMENTS, REALISTIC_PRINCIPALS
    from tests.support.oci import resource_principal
    from tests.support.oci_apis import OciApis

    principal = resource_principal(work)
    compartments = [c for c, _ in REALISTIC_COMPARTMENTS[1:]]
    apis = OciApis(principal, compartments=compartments, name="acme-prod")
    apis.groups.update({f"ocid1.group.oc1..aaaaaaaag{i}": f"group-{i}" for i in range(3)})
    for ocid, name, kind in REALISTIC_PRINCIPALS:
        if kind == "natv":
            apis.users[ocid] = {"name": name, "email": f"{name}@example.com", "groups": list(apis.groups)[:2]}
    os.environ.update(principal.env)
    events = _day_events()
    try:
        endpoints = {"identity": apis.base + "/{region}/identity", "cloudguard": apis.base + "/{region}/cloudguard"}
        results = {"cold": [], "warm": []}
        base = []
        calls = {}
        for _ in range(ROUNDS):
            started = time.process_time()
            records = [normalize(e) for e in events]
            base.append(time.process_time() - started)
            enricher = Enricher(Clients("resource_principal", endpoints, timeout=10), NameCache(3600))
            for label in ("cold", "warm"):
                records = [normalize(e) for e in events]
                started = time.process_time()
                outcome = enricher.enrich(records, None)
                results[label].append(time.process_time() - started)
                calls[label] = outcome["lookups"]
        normalize_cpu = sorted(base)[ROUNDS // 2]
        print(f"\n## Enrichment: {len(events):,} audit events, 4 users in 2 groups, 5 compartments (stand-ins)")
        print(f"{'cache':6} {'API calls / 1,000 events':>26} {'CPU vs normalize':>18}")
        for label, times in results.items():
            ratio = sorted(times)[ROUNDS // 2] / normalize_cpu
            print(f"{label:6} {calls[label] * 1000 / len(events):26.1f} {1 + ratio:17.2f}x")
    finally:
        apis.close()
