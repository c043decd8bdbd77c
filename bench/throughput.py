"""1. Throughput: CPU time (user + system) of fresh processes over the same 50,000 mixed events (JSON
lines generated from tests/data), beside three floors that only decode and encode each line: the
stdlib, msgspec and orjson. Each round runs every floor and route once. The goals: JSON to
the log sink and over TCP at most 2.0x the stdlib floor, CEF and LEEF at most 2.5x. These goals are the
forwarding path's, so the rule pack is off here (DETECTION_DISABLE=all); its cost on top, with the
detection records it makes, is section 6 (bench/detection.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench import corpus
from bench.measure import ROOT, child_env, median, run

EVENTS = 50_000
ROUNDS = 7
FLOORS = ("stdlib", "msgspec", "orjson")
#: name -> (payload, SIEM_SYSLOG_URL transport or None for the log sink, goal as a ratio to the stdlib floor)
ROUTES = {
    "replay, JSON to the log sink": ("json", None, 2.0),
    "replay, JSON over TCP (rsyslog)": ("json", "tcp", 2.0),
    "replay, CEF over TCP (rsyslog)": ("cef", "tcp", 2.5),
    "replay, LEEF over TCP (rsyslog)": ("leef", "tcp", 2.5),
}


def _settle(output: Path, quiet: float = 0.5, timeout: float = 120.0) -> None:
    """Wait until rsyslog's output file stops growing (it writes after our process has exited)."""
    end, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < end:
        size = output.stat().st_size if output.exists() else 0
        if size != last:
            last, since = size, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


def throughput(work: Path, function: Path, receiver) -> dict[str, float]:
    """Print the table for `function` (the code as deployed: bench.startup.compiled_copy); returns
    name -> ratio to the stdlib floor."""
    events = work / "events.jsonl"
    size, mean = corpus.write(events, EVENTS)
    cpu: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for floor in FLOORS:
            floor_run = run([str(ROOT / "bench" / "floor.py"), floor, str(events)], cwd=function)
            cpu.setdefault(f"floor: {floor}", []).append(floor_run.cpu)
        for name, (payload, transport, _) in ROUTES.items():
            config = {"SIEM_SYSLOG_URL": receiver.url(transport), "SIEM_SYSLOG_PAYLOAD": payload} if transport else {}
            env = child_env(PYTHONPATH=str(function), PYTHONDONTWRITEBYTECODE="1", DETECTION_DISABLE="all", **config)
            result = run(["-m", "forwarder", "replay", str(events)], env, cwd=function)
            summary = json.loads(result.stderr.decode().strip().splitlines()[-1])
            if summary["received"] != EVENTS or not summary["ok"]:
                raise RuntimeError(f"{name}: {summary}")
            cpu.setdefault(name, []).append(result.cpu)
            if transport:
                _settle(receiver.output)
                receiver.clear()
    # Ratios are taken within each round (a route and its floors measured minutes apart drift with
    # the machine's load), then the median over rounds.
    ratios = {
        name: median([t / f for t, f in zip(times, cpu["floor: stdlib"], strict=True)]) for name, times in cpu.items()
    }
    fast = {
        name: median([t / f for t, f in zip(times, cpu["floor: msgspec"], strict=True)]) for name, times in cpu.items()
    }
    print(
        f"\n1. throughput: {EVENTS:,} mixed events ({size / 1e6:.0f} MB, {mean:,.0f} bytes each), CPU time of "
        f"fresh processes; ratios to the floors of the same round, median of {ROUNDS} rounds; rule pack off "
        "(section 6)"
    )
    print(f"   {'':36} {'records/s':>10} {'x stdlib':>9} {'x msgspec':>10}  goal")
    for name, times in cpu.items():
        goal = ROUTES[name][2] if name in ROUTES else None
        verdict = "" if goal is None else f"<= {goal}x: {'met' if ratios[name] <= goal else 'NOT met'}"
        rate = EVENTS / median(times)
        print(f"   {name:36} {rate:>10,.0f} {ratios[name]:>8.2f}x {fast[name]:>9.2f}x  {verdict}")
    return ratios
