"""The benchmark: `make bench` (or `python -m bench.run [--quick]`). Prints numbers; asserts nothing.

Every figure is a ratio to a baseline measured in the same run, on this machine:
1. throughput of `replay` per format (log sink, JSON/CEF/LEEF over TCP to rsyslog) vs the stdlib,
   msgspec and orjson floors (bench/throughput.py);
2. peak RSS of `replay` at 50k / 500k / 5M events, and of one 6 MB invocation (bench/memory.py);
3. cold start vs `import oci`, `python -c pass` and the fdk alone (bench/startup.py);
4. syslog TCP delivery rate vs one sendall (bench/delivery.py);
5. collection from OCI API stand-ins: events/s, API calls per 1,000 events, wall time by regions x
   compartments, for both audit methods (bench/collect.py);
6. detection: replay with the rule pack off, on, and eleven times larger (bench/detection.py);
7. the change report: peak RSS over 10k / 100k / 1M changes vs a floor that only makes the pages, and the
   report of a period of 1 and 30 days: peak RSS and time (bench/report.py);
8. the function image's dependency tree: installed, pruned and as shipped, in MB (bench/image.py);
9. OCI Streaming with a consumer group: messages/s from a 4-partition stream vs reading alone (bench/stream.py);
10. enrich and shape: bytes per event per format with and without `original` and reads; enrichment's API
    calls per 1,000 events and CPU, cold and warm cache, vs normalizing (bench/shape.py).
`--quick` stops the memory runs at 500k events (the 5M run takes minutes); `--only N` runs section N.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from bench.collect import collection
from bench.delivery import delivery
from bench.detection import detection
from bench.image import image_size
from bench.memory import SIZES, invocation_memory, replay_memory
from bench.report import period_memory, report_memory
from bench.shape import enrichment, volume
from bench.startup import cold_start, compiled_copy
from bench.stream import stream_collection
from bench.throughput import throughput
from tests.support.rsyslog import start_rsyslog


def main() -> None:
    args = sys.argv[1:]
    quick = "--quick" in args
    only = {int(args[args.index("--only") + 1])} if "--only" in args else {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
    started = time.monotonic()
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="forwarder-bench-") as directory:
        work = Path(directory)
        function = compiled_copy(work)  # the code as the image ships it (bytecode, read-only)
        receiver = start_rsyslog(work / "rsyslog")
        try:
            if 1 in only:
                throughput(work, function, receiver)
            if 2 in only:
                replay_memory(SIZES[:2] if quick else SIZES)
                invocation_memory(work, receiver)
            if 3 in only:
                cold_start(function)
            if 4 in only:
                delivery(receiver)
            if 5 in only:
                collection(work)
            if 6 in only:
                detection(work, function)
            if 7 in only:
                report_memory(work)
                period_memory(work)
            if 8 in only:
                image_size(work)
            if 9 in only:
                stream_collection(work)
            if 10 in only:
                volume()
                enrichment(work)
        finally:
            receiver.stop()
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
