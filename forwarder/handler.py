"""The OCI Functions (fdk) glue: body and deadline in, JSON summary and status out.

A task body sent by Resource Scheduler runs a task instead: `{"task": "collect", "sources": [...]}` a
collection (`forwarder.collect`), refused unless COLLECT_SOURCES is set; `{"task": "report", "date":
"YYYY-MM-DD"}` (date optional: yesterday) the daily change report (`forwarder.report`), refused unless
REPORT_BUCKET is set.
200 only when every event was delivered or kept; otherwise 502 (over the fdk's unix socket only
200, 502 and 504 pass, FACTS 2), so Service Connector Hub retries the batch. The pipeline (settings,
sinks, connections, secrets) is built on the first call and kept for the life of the container.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from forwarder.delivery.pipeline import Pipeline
from forwarder.delivery.summary import Summary
from forwarder.runtime.logs import setup
from forwarder.settings import ConfigError, load_settings

log = setup()

#: Seconds kept back from the invocation deadline for answering.
DEADLINE_MARGIN = 1.0
#: Seconds allowed when `Fn-Deadline` is missing or unreadable (the fdk's own default, constants.DEFAULT_DEADLINE).
DEFAULT_SECONDS = 30.0

_pipeline: Pipeline | None = None
_settings = None
_collector = None
_reporter = None
#: What a task body may hold: `{"task": "collect", "sources": [...]}` or `{"task": "report", "date": "..."}`.
TASK_KEYS = frozenset({"task", "sources", "date"})


def get_pipeline() -> Pipeline:
    """The container's pipeline, built from the environment on first use.

    Raises:
        ConfigError, forwarder.runtime.vault.SecretError: it cannot be built; the next call tries again.
    """
    global _pipeline, _settings
    if _pipeline is None:
        from forwarder import wiring
        from forwarder.runtime import gc_tuning

        _settings = load_settings()
        _pipeline = wiring.build(_settings)
        gc_tuning.tune()
    return _pipeline


def handle(body: bytes, seconds_left: float | None = None) -> tuple[int, dict[str, Any]]:
    """Process one invocation body. Returns (HTTP status, summary dict); never raises.

    Args:
        body: the invocation body.
        seconds_left: time until the invocation deadline; None (no usable `Fn-Deadline`) means DEFAULT_SECONDS.
    """
    try:
        pipeline = get_pipeline()
    except Exception as exc:  # bad config, unreadable secret or certificate: fail loudly, retry later
        reason = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
        log.error("forwarder not configured: %s", reason)
        return 502, Summary(errors=[f"configuration: {reason}"]).to_dict()
    seconds = DEFAULT_SECONDS if seconds_left is None else seconds_left
    deadline = time.monotonic() + max(seconds - DEADLINE_MARGIN, 0.5)
    task = task_of(body)
    if task is not None:
        return run_task(task, pipeline, deadline)
    summary = pipeline.process(body, deadline).to_dict()
    log.info("summary %s", json.dumps(summary, separators=(",", ":")))
    return (200 if summary["ok"] else 502), summary


def task_of(body: bytes) -> dict[str, Any] | None:
    """The task a body asks for (a JSON object with a `task` key and no event keys), else None."""
    if b'"task"' not in body[:4096] or body.lstrip()[:1] != b"{":
        return None
    from forwarder.jsoncodec import loads

    try:
        value = loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or "task" not in value or {"data", "eventType", "type"} & value.keys():
        return None
    return value


def run_task(task: dict[str, Any], pipeline: Pipeline, deadline: float) -> tuple[int, dict[str, Any]]:
    """Run a `collect` or `report` task body. Refused (502, nothing read) when this function is not
    configured for the task (COLLECT_SOURCES and CHECKPOINT_BUCKET; REPORT_BUCKET), or the body names an
    unknown task, key, source or a bad date."""
    global _collector
    collect = _settings.collect if _settings is not None else None
    refusal = None
    unknown = sorted(set(task) - TASK_KEYS)
    sources = task.get("sources") or list(collect.sources if collect else ())
    if unknown:
        refusal = f"task: unknown key {unknown[0]!r} (a task body holds {', '.join(sorted(TASK_KEYS))})"
    elif task.get("task") == "report":
        return run_report(task, deadline)
    elif task.get("task") != "collect":
        refusal = f'task: unknown task {task.get("task")!r}; expected "collect" or "report"'
    elif "date" in task:
        refusal = "task: a collect task takes no date (backfills run from the CLI: collect --since)"
    elif collect is None or not collect.sources:
        refusal = "task collect refused: this function is not configured to collect (COLLECT_SOURCES is not set)"
    elif not collect.checkpoint_bucket:
        refusal = "task collect refused: CHECKPOINT_BUCKET is not set (a collector function keeps checkpoints)"
    elif (not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources)
          or not set(sources) <= set(collect.sources)):  # fmt: skip
        refusal = f"task: sources must be a list of configured sources ({', '.join(collect.sources)}); got {sources!r}"
    if refusal:
        log.error("%s", refusal)
        return 502, Summary(errors=[refusal]).to_dict()
    if _collector is None:
        from forwarder.collect import build

        try:
            _collector = build(_settings, pipeline)
        except Exception as exc:  # the principal or checkpoint store cannot be set up
            return 502, Summary(errors=[f"collector: {type(exc).__name__}: {exc}"]).to_dict()
    report = _collector.run(tuple(sources), deadline=deadline).to_dict()
    log.info("collect %s", json.dumps({k: v for k, v in report.items() if k != "delivery"}, separators=(",", ":")))
    return (200 if report["ok"] else 502), report


def run_report(task: dict[str, Any], deadline: float) -> tuple[int, dict[str, Any]]:
    """Make the change report of `task["date"]` (default: yesterday in REPORT_TIMEZONE) into REPORT_BUCKET."""
    global _reporter
    from forwarder.report import day

    report = _settings.report if _settings is not None else None
    try:
        if report is None or not report.bucket:
            raise ValueError("task report refused: this function is not configured to report (REPORT_BUCKET unset)")
        if "sources" in task:
            raise ValueError("task: a report task takes no sources")
        date = task.get("date")
        if date is not None and not isinstance(date, str):
            raise ValueError(f"task: date must be a string YYYY-MM-DD; got {date!r}")
        which = day.parse(date, report.timezone) if date else day.yesterday(report.timezone)
    except ValueError as exc:
        refusal = str(exc) if str(exc).startswith("task") else f"task: date: expected {exc}"
        log.error("%s", refusal)
        return 502, Summary(errors=[refusal]).to_dict()
    if _reporter is None:
        from forwarder.report import build

        _reporter = build(_settings)
    result = _reporter.run(which, deadline=deadline)
    log.info("report %s", json.dumps(result, separators=(",", ":")))
    return (200 if result["ok"] else 502), result


def seconds_until(deadline: str | None) -> float | None:
    """Seconds from now until an RFC 3339 `Fn-Deadline` value; None when absent or unparseable."""
    if not deadline:
        return None
    try:
        moment = datetime.fromisoformat(deadline)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - datetime.now(UTC)).total_seconds()


def handler(ctx, data=None):
    """fdk entry point: `handler(ctx, data: io.BytesIO)` -> fdk.response.Response with the JSON summary."""
    from fdk.response import Response

    body = data.getvalue() if hasattr(data, "getvalue") else (data.read() if data is not None else b"")
    status, summary = handle(body, seconds_until(ctx.Deadline()))
    return Response(ctx, response_data=json.dumps(summary), headers={"Content-Type": "application/json"},
                    status_code=status)  # fmt: skip
