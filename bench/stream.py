"""OCI Streaming: messages collected and delivered per second from a 4-partition stream with a consumer group
(tests/support/streaming.py on loopback, the real SDK and signer) to the log sink (to /dev/null), in
batches of 500 committed after delivery. The baseline, in the same run: the same reading with a pipeline
that discards each batch (reading and committing alone). Memory: the peak RSS of `collect --source stream`
in a child process (the stand-in stays in this one), at 10k and 50k messages: flat when batches bound it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bench.collect import run_collector
from bench.measure import child_env, run

SIZES = (10_000, 50_000)


def _stream(work: Path, count: int):
    """(principal, stand-in, stream OCID) holding `count` audit records over 4 partitions."""
    from tests.support.oci import resource_principal
    from tests.support.oci_apis import audit_record
    from tests.support.streaming import StreamingStandIn, stream_ocid

    work.mkdir(parents=True)
    principal = resource_principal(work)
    streaming = StreamingStandIn(principal)
    ocid = stream_ocid("iad", "bench")
    streaming.add_stream(ocid, 4)
    base = json.loads((Path(__file__).resolve().parents[1] / "tests/data/audit-batch-listevents.json").read_text())[0]
    now = datetime.now(UTC)
    for partition in range(4):
        values = [
            json.dumps(audit_record(base, f"b-{partition}-{n}", now, "ocid1.compartment.oc1..x"))
            for n in range(count // 4)
        ]
        streaming.put(ocid, values, partition)
    return principal, streaming, ocid


def _run(work: Path, count: int, discard: bool) -> tuple[float, int, bool]:
    principal, streaming, ocid = _stream(work, count)
    env = {**principal.env, **streaming.endpoints, "COLLECT_STREAMS": ocid, "COLLECT_STREAM_BATCH": "500"}
    try:
        elapsed, outcome = run_collector(env, ("stream",), discard)
    finally:
        streaming.close()
    read = sum(r["events"] for r in outcome.to_dict()["sources"]["stream"].values())
    return elapsed, read, outcome.ok and read == count


def _peak(work: Path, count: int) -> float:
    """Peak RSS (MB) of `python -m forwarder collect --source stream` reading `count` messages."""
    principal, streaming, ocid = _stream(work, count)
    env = child_env(**principal.env, **streaming.endpoints, COLLECT_STREAMS=ocid, COLLECT_STREAM_BATCH="500")
    try:
        command = ["-m", "forwarder", "-q", "collect", "--source", "stream", "--auth", "resource_principal"]
        return run(command, env=env).peak_mb
    finally:
        streaming.close()


def stream_collection(work: Path) -> None:
    print("\n## OCI Streaming: a 4-partition stream, consumer group, batches of 500, log sink")
    print(f"{'messages':>9} {'wall s':>8} {'messages/s':>11} {'read only s':>12} {'ratio':>6} {'CLI peak MB':>12}  ok")
    for count in SIZES:
        elapsed, read, ok = _run(work / f"stream-{count}", count, discard=False)
        floor, _, _ = _run(work / f"stream-{count}-read", count, discard=True)
        peak = _peak(work / f"stream-{count}-cli", count)
        rate, ratio = read / elapsed, elapsed / floor
        print(f"{count:9,} {elapsed:8.1f} {rate:11,.0f} {floor:12.1f} {ratio:5.2f}x {peak:12.1f}  {ok}")
