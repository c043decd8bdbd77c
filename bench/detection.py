"""6. Detection: CPU time of `replay` (JSON to the log sink) over the same 50,000 mixed events with the
built-in pack off (DETECTION_DISABLE=all), on (the default), and on beside ten more copies of it as user
rules (DETECTION_RULES) that name other operations (`.uploadapikeycopy3`...): a pack eleven times larger
whose extra rules are indexed apart, as new rules for other event types are (the copies of the two rules
that name no event type are tried on every record). Each round runs the three once; ratios to "off" within
a round, median of the rounds. One in five events of the sample corpus fires a rule (a public bucket, a
policy granting manage all-resources, ...): the cost includes building and delivering those detection
records. Goal: the pack costs at most 1.3x."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from bench import corpus
from bench.measure import child_env, median, run

EVENTS = 50_000
ROUNDS = 5
COPIES = 10
GOAL = 1.3


def _copies(directory: Path, function: Path) -> Path:
    """COPIES copies of the built-in rule files, with new ids and names (user rules)."""
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(COPIES):
        for path in sorted((function / "forwarder" / "detect" / "rules").glob("*.yml")):
            text = re.sub(r"(?m)^id: .*$", lambda _: f"id: {uuid.uuid4()}", path.read_text())
            text = re.sub(r"(?m)^(name: |    - )(oci_\w+)$", rf"\g<1>copy{n}_\g<2>", text)
            text = re.sub(r"(?m)^(      - \.[a-z]+)", rf"\g<1>copy{n}", text)  # other operations: indexed apart
            (directory / f"copy{n}_{path.name}").write_text(text)
    return directory


def detection(work: Path, function: Path) -> dict[str, float]:
    """Print the table; returns name -> ratio to the pack off."""
    events = work / "detect-events.jsonl"
    corpus.write(events, EVENTS)
    rules = _copies(work / "rule-copies", function)
    configs = {
        "pack off (DETECTION_DISABLE=all)": {"DETECTION_DISABLE": "all"},
        "built-in pack (default)": {},
        f"built-in pack + {COPIES} copies": {"DETECTION_RULES": str(rules)},
    }
    cpu: dict[str, list[float]] = {}
    found: dict[str, int] = {}
    startup: dict[str, list[float]] = {}  # CPU of `rules list`: start-up and compiling the rules, no event
    for _ in range(ROUNDS):
        for name, config in configs.items():
            env = child_env(PYTHONPATH=str(function), PYTHONDONTWRITEBYTECODE="1", **config)
            result = run(["-m", "forwarder", "replay", str(events)], env, cwd=function)
            summary = json.loads(result.stderr.decode().strip().splitlines()[-1])
            if summary["received"] != EVENTS or not summary["ok"]:
                raise RuntimeError(f"{name}: {summary}")
            found[name] = (summary.get("detection") or {}).get("detections", 0)
            cpu.setdefault(name, []).append(result.cpu)
            startup.setdefault(name, []).append(run(["-m", "forwarder", "rules", "list"], env, cwd=function).cpu)
    base = cpu["pack off (DETECTION_DISABLE=all)"]
    ratios = {name: median([t / b for t, b in zip(times, base, strict=True)]) for name, times in cpu.items()}
    rules_in_pack = len(json.loads((function / "forwarder" / "detect" / "pack.json").read_text())["rules"])
    print(
        f"\n6. detection: {EVENTS:,} mixed events, replay JSON to the log sink, CPU time of fresh processes; "
        f"ratios to the pack off in the same round, median of {ROUNDS} rounds ({rules_in_pack} compiled rules "
        "in the pack)"
    )
    print(f"   {'':36} {'records/s':>10} {'x off':>7} {'detections':>11} {'start-up':>9}  goal")
    for name, times in cpu.items():
        goal = name.startswith("built-in pack (")
        verdict = f"<= {GOAL}x: {'met' if ratios[name] <= GOAL else 'NOT met'}" if goal else ""
        print(
            f"   {name:36} {EVENTS / median(times):>10,.0f} {ratios[name]:>6.2f}x {found[name]:>11,} "
            f"{median(startup[name]):>8.2f}s  {verdict}"
        )
    print(
        "   (start-up: CPU of `rules list` with the same rules, no event: the process start and compiling user "
        "rules with pySigma; included in the replay's time)"
    )
    return ratios
