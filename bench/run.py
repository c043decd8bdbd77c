"""The benchmark: `make bench` (or `python -m bench.run`). Prints numbers; asserts nothing.

1. Throughput of parse + normalize + format (records/s) per syslog payload format, on a corpus of
   10,000+ mixed events built from tests/data, beside the floor: json.loads + json.dumps of the
   same events in the same run, and the ratio.
2. Cold start of a fresh process (import func, handle one event, no OCI call) in ms and peak
   RSS, beside `python -c "import oci"` and `python -c pass`.
3. Syslog delivery over TCP to a local rsyslogd (records/s until rsyslog has written them all),
   beside the same pre-framed bytes written with one sendall (the floor); best of 3 each.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from forwarder.formats import PAYLOADS
from forwarder.formats import syslog as syslog_format
from forwarder.normalize import normalize
from forwarder.sources import read_body

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPUS_SIZE = 10_000


def corpus() -> list[bytes]:
    """10,000 events (one JSON document each) cycling through every sample, with distinct ids."""
    samples = []
    for path in sorted(DATA.glob("*.json")):
        samples += list(read_body(path.read_bytes()))
    out = []
    for i in range(CORPUS_SIZE):
        event = copy.deepcopy(samples[i % len(samples)])
        if "eventID" in event:
            event["eventID"] = f"bench-{i}"
        elif "id" in event:
            event["id"] = f"bench-{i}"
        out.append(json.dumps(event).encode())
    return out


def best_rate(work, items, repeat: int = 5) -> float:
    """Items per second of the fastest of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work(items)
        times.append(time.perf_counter() - start)
    return len(items) / min(times)


def floor(bodies):
    for body in bodies:
        json.dumps(json.loads(body))


def pipeline(bodies, payload, frame):
    for body in bodies:
        for event in read_body(body):
            record = normalize(event)
            frame(record, payload(record))


def throughput() -> None:
    bodies = corpus()
    base = best_rate(floor, bodies)
    frame = partial(syslog_format.rfc5424, facility=16, hostname="oci", app_name="oci-forwarder")
    print(f"\n1. parse + normalize + format, {len(bodies):,} mixed events (records/s, best of 5)")
    print(f"   {'json.loads + json.dumps (floor)':34} {base:>10,.0f}   1.00x of floor")
    for name, payload in PAYLOADS.items():
        rate = best_rate(partial(pipeline, payload=payload, frame=frame), bodies)
        print(f"   {'RFC 5424 + ' + name:34} {rate:>10,.0f}   {base / rate:.2f}x slower than the floor")


PEAK = (
    "import sys; print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr)"
)


def child(args: list[str], runs: int = 7) -> tuple[float, float, list[str]]:
    """Median wall ms and median peak RSS (MB, the child's VmHWM) of a fresh `python` process,
    and the last stderr line split into words (the child prints its VmHWM in kB last)."""
    walls, rss, last = [], [], []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIEM_", "OCI_"))}
    env["PYTHONPATH"] = str(ROOT)
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)  # fmt: skip
        walls.append((time.perf_counter() - start) * 1000)
        if proc.returncode:
            raise RuntimeError(f"{args} failed: {proc.stderr.decode()[-2000:]}")
        last = proc.stderr.decode().strip().splitlines()[-1].split()
        rss.append(int(last[-1]) / 1024)
    return statistics.median(walls), statistics.median(rss), last


def cold_start() -> None:
    event = str(DATA / "cloudguard-problemdetected-bucket-public-critical.json")
    base_ms, base_rss, _ = child(["-c", PEAK])
    oci_ms, oci_rss, _ = child(["-c", "import oci\n" + PEAK])
    fn_ms, fn_rss, out = child([str(ROOT / "bench" / "cold_start.py"), event])
    print("\n2. cold start of a fresh process (wall time and peak RSS, median of 7)")
    print(f"   {'python (empty)':34} {base_ms:8.0f} ms {base_rss:7.1f} MB")
    label = 'python -c "import oci"'
    print(f"   {label:34} {oci_ms:8.0f} ms {oci_rss:7.1f} MB")
    print(f"   {'import func + handle one event':34} {fn_ms:8.0f} ms {fn_rss:7.1f} MB "
          f"(in-process {float(out[0]):.0f} ms; oci imported: {'yes' if out[1] == '1' else 'no'}; "
          f"{fn_ms / oci_ms:.2f}x the time of import oci)")  # fmt: skip


def delivery() -> None:
    import socket

    from forwarder.sinks.syslog import SyslogSink
    from tests.support.rsyslog import start_rsyslog

    count = 20_000
    frame = partial(syslog_format.rfc5424, facility=16, hostname="oci", app_name="oci-forwarder")
    bodies = corpus()
    records = [normalize(next(read_body(bodies[i % len(bodies)]))) for i in range(count)]
    messages = [frame(r, PAYLOADS["json"](r)) for r in records]
    receiver = start_rsyslog(Path(tempfile.mkdtemp(prefix="bench-rsyslog-")))
    try:

        def timed(send) -> float:
            receiver.clear()
            start = time.perf_counter()
            send()
            end = time.monotonic() + 120
            while receiver.count() < count and time.monotonic() < end:
                time.sleep(0.005)
            rate = count / (time.perf_counter() - start)
            got = receiver.count()
            if got != count:
                raise RuntimeError(f"rsyslog received {got} of {count}")
            return rate

        def raw():
            with socket.create_connection(("127.0.0.1", receiver.tcp)) as sock:
                sock.sendall(b"".join(b"%d %s" % (len(m), m) for m in messages))

        sink = SyslogSink("tcp", "127.0.0.1", receiver.tcp)
        floor_rate = max(timed(raw) for _ in range(3))
        sink_rate = max(timed(lambda: sink.send(messages)) for _ in range(3))
        sink.close()
    finally:
        receiver.stop()
    size = sum(map(len, messages)) / count
    print(f"\n3. syslog over TCP to a local rsyslogd, {count:,} records (~{size:,.0f} bytes each), until written")
    print(f"   {'one sendall of pre-framed bytes':34} {floor_rate:>10,.0f} records/s (floor)")
    print(
        f"   {'SyslogSink (octet counting)':34} {sink_rate:>10,.0f} records/s   {floor_rate / sink_rate:.2f}x of floor"
    )


def main() -> None:
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores")
    throughput()
    cold_start()
    delivery()


if __name__ == "__main__":
    main()
