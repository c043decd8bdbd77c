"""4. Syslog delivery over TCP to a local rsyslogd: records/s until rsyslog has written them all, beside
the same pre-framed bytes written with one sendall (the floor); best of 3 each."""

from __future__ import annotations

import socket
import time
from functools import partial

from bench import corpus
from forwarder.formats import PAYLOADS
from forwarder.formats import syslog as syslog_format
from forwarder.normalize import normalize
from forwarder.sinks.syslog import SyslogSink
from forwarder.sources import loads

COUNT = 20_000


def delivery(receiver) -> None:
    frame = partial(syslog_format.rfc5424, facility=16, hostname="oci", app_name="oci-forwarder")
    records = [normalize(loads(line)) for line in corpus.lines(COUNT)]
    messages = [frame(r, PAYLOADS["json"](r)) for r in records]

    def timed(send) -> float:
        receiver.clear()
        start = time.perf_counter()
        send()
        end = time.monotonic() + 120
        while receiver.count() < COUNT and time.monotonic() < end:
            time.sleep(0.005)
        rate = COUNT / (time.perf_counter() - start)
        if receiver.count() != COUNT:
            raise RuntimeError(f"rsyslog received {receiver.count()} of {COUNT}")
        return rate

    def raw():
        with socket.create_connection(("127.0.0.1", receiver.tcp)) as sock:
            sock.sendall(b"".join(b"%d %s" % (len(m), m) for m in messages))

    sink = SyslogSink("tcp", "127.0.0.1", receiver.tcp)
    floor_rate = max(timed(raw) for _ in range(3))
    sink_rate = max(timed(lambda: sink.send(messages)) for _ in range(3))
    sink.close()
    receiver.clear()
    size = sum(map(len, messages)) / COUNT
    print(f"\n4. syslog over TCP to a local rsyslogd, {COUNT:,} records (~{size:,.0f} bytes each), until written")
    print(f"   {'one sendall of pre-framed bytes':34} {floor_rate:>10,.0f} records/s (floor)")
    print(
        f"   {'SyslogSink (octet counting)':34} {sink_rate:>10,.0f} records/s   {floor_rate / sink_rate:.2f}x of floor"
    )
