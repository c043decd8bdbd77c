"""Benchmark inputs, generated on the fly (never committed): JSON lines of mixed sample events.

Every event of every tests/data sample (Events Service envelopes, `_Audit` log records, the events
inside stream messages and Logging Search results), cycled with distinct ids, one per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from forwarder.sources import Reject, read_body

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def samples() -> list[dict]:
    """The sample events, decoded (each a JSON object as the pipeline reads it)."""
    events = []
    for path in sorted(DATA.glob("*.json")):
        events += [item for item in read_body(path.read_bytes()) if not isinstance(item, Reject)]
    return events


def lines(count: int) -> Iterator[bytes]:
    """`count` JSON lines (each ending in LF) cycling through the samples, ids `bench-<n>`."""
    templates = []
    for event in samples():
        key = "eventID" if "eventID" in event else "id"
        event[key] = "@ID@"
        templates.append(json.dumps(event, ensure_ascii=False).encode().split(b'"@ID@"'))
    for n in range(count):
        head, tail = templates[n % len(templates)]
        yield b'%s"bench-%d"%s\n' % (head, n, tail)


def write(path: Path, count: int) -> tuple[int, float]:
    """Write `count` lines to `path`; returns (bytes written, mean bytes per event)."""
    size = 0
    with open(path, "wb") as out:
        for line in lines(count):
            out.write(line)
            size += len(line)
    return size, size / count


def connector_hub_batch(limit: int = 5_900_000) -> bytes:
    """A Service Connector Hub `_Audit` batch (a JSON array of log records) just under `limit` bytes."""
    record = json.loads((DATA / "audit-batch-listevents.json").read_bytes())[0]
    record["id"] = "@ID@"
    head, tail = json.dumps(record).encode().split(b'"@ID@"')
    items, size, n = [], 2, 0
    while True:
        item = b'%s"hub-%d"%s' % (head, n, tail)
        if size + len(item) + 1 > limit:
            return b"[" + b",".join(items) + b"]"
        items.append(item)
        size += len(item) + 1
        n += 1


if __name__ == "__main__":  # python -m bench.corpus N: N JSON lines on standard output
    import sys

    out = sys.stdout.buffer
    for data in lines(int(sys.argv[1])):
        out.write(data)
