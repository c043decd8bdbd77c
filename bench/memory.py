"""2. Memory: peak RSS (the kernel's ru_maxrss of the child) of `python -m forwarder replay -` reading
50k, 500k and 5M events generated on the fly into its standard input (log sink), and of one function
invocation with a Connector Hub body near the 6 MB limit, to one sink and to two. The goal:
replay under 150 MB at every size, flat in the input's size."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import corpus
from bench.measure import ROOT, child_env, run

SIZES = (50_000, 500_000, 5_000_000)
GOAL_MB = 150


def replay_memory(sizes: tuple[int, ...] = SIZES) -> dict[int, float]:
    print("\n2. memory: peak RSS of `replay -` (log sink) over events generated into its standard input")
    peaks = {}
    for count in sizes:
        generator = subprocess.Popen(
            [sys.executable, "-m", "bench.corpus", str(count)], cwd=ROOT, env=child_env(), stdout=subprocess.PIPE
        )
        result = run(["-m", "forwarder", "replay", "-"], stdin=generator.stdout)
        generator.stdout.close()  # type: ignore[union-attr]
        generator.wait()
        summary = json.loads(result.stderr.decode().strip().splitlines()[-1])
        if summary["received"] != count or not summary["ok"]:
            raise RuntimeError(f"replay of {count}: {summary}")
        peaks[count] = result.peak_mb
        verdict = "met" if result.peak_mb < GOAL_MB else "NOT met"
        print(
            f"   {count:>10,} events  peak {result.peak_mb:6.1f} MB  ({count / result.cpu:,.0f} events/s of CPU; "
            f"goal < {GOAL_MB} MB: {verdict})"
        )
    return peaks


class _Accept(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def invocation_memory(work: Path, receiver) -> None:
    body = work / "connector-hub-6mb.json"
    body.write_bytes(corpus.connector_hub_batch())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accept)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    syslog = {"SIEM_SYSLOG_URL": receiver.url("tcp")}
    webhook = {"SIEM_HTTP_URL": f"http://127.0.0.1:{server.server_address[1]}/events"}  # plain HTTP: loopback only
    size = body.stat().st_size / 1e6
    print(f"   one invocation, a Connector Hub body of {size:.1f} MB (peak RSS after start-up -> after the invocation)")
    try:
        for name, config in (("syslog TCP", syslog), ("syslog TCP + HTTP webhook", {**syslog, **webhook})):
            result = run(["bench/invoke_memory.py", str(body)], child_env(**config))
            before, after, received = (int(x) for x in result.stderr.decode().strip().splitlines()[-1].split())
            print(
                f"   {name:28} {before / 1024:6.1f} -> {after / 1024:6.1f} MB  (+{(after - before) / 1024:.1f} MB "
                f"for {received:,} events)"
            )
    finally:
        server.shutdown()
