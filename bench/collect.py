"""Collection throughput: events collected and delivered per second, API calls per 1,000 events, and wall
time as regions x compartments grow, from a stand-in holding 100,000 audit events (bench/collect_standin.py,
its own process), through the real OCI SDK with a real signer, to the log sink (to /dev/null).
Both audit methods; each grid is a fresh tenancy read from the look-back (no checkpoints). The baseline, in
the same run: the same collection with a pipeline that discards each page (the API reading alone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

EVENTS = 100_000
GRIDS = ((1, 1, 1), (1, 3, 10), (1, 3, 100), (3, 3, 10))  #: tenancies x regions x compartments


class _Discard:
    """A pipeline that counts each page as delivered and does nothing: the baseline (API reading only)."""

    def process_items(self, items, deadline=None, region=None, tenancy=None):
        from forwarder.delivery.summary import Summary

        summary = Summary()
        summary.received = len(items)
        summary.delivered["log"] = len(items)
        return summary

    def close(self):
        pass


def _run(
    work: Path, method: str, regions: int, compartments: int, discard: bool = False, tenancies: int = 1
) -> tuple[float, int, int, bool]:
    from bench.collect_standin import tenancy_ocid
    from tests.support.oci import resource_principal

    principal = resource_principal(work)
    command = [sys.executable, "-m", "bench.collect_standin", str(work), str(EVENTS), str(regions), str(compartments)]
    command.append(str(tenancies))
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    base = server.stdout.readline().strip()
    env = {
        **principal.env,
        "COLLECT_AUDIT_METHOD": method,
        "COLLECT_WORKERS": "8",
        "OCI_IDENTITY_ENDPOINT": base + "/{region}/identity",
        "OCI_AUDIT_ENDPOINT": base + "/{region}/audit",
        "OCI_LOGGING_SEARCH_ENDPOINT": base + "/{region}/logging",
    }
    if tenancies > 1:  # one collector for all, each reached by its own principal across tenancies
        listed = [{"name": f"t{t}", "tenancy": tenancy_ocid(t)} for t in range(tenancies)]
        env["COLLECT_TENANCIES"] = json.dumps(listed)
    try:
        elapsed, report = run_collector(env, ("audit",), discard)
    finally:
        server.stdin.close()
        server.wait(30)
    detections = (report.delivery.detection or {}).get("detections", 0)  # delivered too, beside the events
    delivered = report.delivery.delivered.get("log", 0) - detections
    return elapsed, delivered, report.api_calls, report.ok


def run_collector(env: dict[str, str], sources: tuple[str, ...], discard: bool = False):
    """(seconds, outcome) of one collection run of `sources` with `env` set, the log sink to /dev/null (or
    each page discarded); the environment is put back after."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    stdout = sys.stdout
    try:
        from forwarder import collect, wiring
        from forwarder.oci import auth as oci_auth
        from forwarder.settings import load_settings

        oci_auth.reset()
        settings = load_settings()
        collector = collect.build(settings, _Discard() if discard else wiring.build(settings))
        sys.stdout = open(os.devnull, "w")  # the log sink writes here  # noqa: SIM115
        started = time.perf_counter()
        outcome = collector.run(sources)
        return time.perf_counter() - started, outcome
    finally:
        sys.stdout.close() if sys.stdout is not stdout else None
        sys.stdout = stdout
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def collection(work: Path) -> None:
    print(f"\n## Collection: {EVENTS:,} audit events from a stand-in (own process), real SDK and signer, log sink")
    print(
        f"{'method':12} {'tenancies x regions x compartments':>34} {'wall s':>8} {'events/s':>10} "
        f"{'calls/1k events':>16} {'read only s':>12} {'ratio':>6}  ok"
    )
    for method in ("search", "list-events"):
        for tenancies, regions, compartments in GRIDS:
            directory = work / f"collect-{method}-{tenancies}x{regions}x{compartments}"
            (directory / "read").mkdir(parents=True)
            elapsed, delivered, calls, ok = _run(directory, method, regions, compartments, tenancies=tenancies)
            floor, read, _, _ = _run(directory / "read", method, regions, compartments, True, tenancies)
            rate = delivered / elapsed if elapsed else 0
            per_k = calls / (delivered / 1000) if delivered else float("nan")
            grid = f"{tenancies} x {regions} x {compartments}"
            good = ok and delivered == read == EVENTS // tenancies * tenancies
            print(
                f"{method:12} {grid:>34} {elapsed:8.1f} {rate:10,.0f} {per_k:16.1f} {floor:12.1f} "
                f"{elapsed / floor:5.2f}x  {good}"
            )


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        collection(Path(d))
