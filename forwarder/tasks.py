"""Task bodies: a JSON object with `task` sent by Resource Scheduler, parsed into a typed task and run by a table.

- `{"task": "collect", "sources": [...]}`: a collection run (`forwarder.collect`), refused unless
  COLLECT_SOURCES is set, and CHECKPOINT_BUCKET for every source but `stream` (its consumer group is its
  checkpoint); `sources` defaults to COLLECT_SOURCES.
- `{"task": "report", "date": "YYYY-MM-DD"}`: the daily change report (`forwarder.report`; `date`
  defaults to yesterday in REPORT_TIMEZONE), refused unless REPORT_BUCKET is set.
- `{"task": "doctor"}`: every link of this configuration checked (`forwarder.doctor`), its answer the
  checks as JSON; 502 when one fails.
Each task wires only what it uses: a report never builds the forwarding pipeline (no SIEM, Vault or
rule pack), so a bad SIEM key cannot stop it. `Container` keeps what one function container built.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

log = logging.getLogger("forwarder")


class TaskError(ValueError):
    """A task body that cannot run here: the message says why (starts with `task`)."""


class Collect(NamedTuple):
    sources: tuple[str, ...]


class Report(NamedTuple):
    day: Any  #: the `report.day.Day` asked for, or None: yesterday in REPORT_TIMEZONE


class Doctor(NamedTuple):
    """Check every link of this function's configuration (`forwarder.doctor`) with its resource principal."""


#: What each task body may hold besides `task`.
FIELDS = {"collect": frozenset({"sources"}), "report": frozenset({"date"}), "doctor": frozenset()}


def is_task(body: bytes) -> dict[str, Any] | None:
    """The JSON object of a task body (a `task` key and no event keys), else None (an event body)."""
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


def parse(value: dict[str, Any], settings) -> Collect | Report | Doctor:
    """The typed task of a task body, checked against this function's settings.

    Raises:
        TaskError: an unknown task or field, a bad value, or a task this function is not configured for.
    """
    name = value.get("task")
    if name not in FIELDS:
        expected = ", ".join(f'"{n}"' for n in FIELDS)
        raise TaskError(f"task: unknown task {name!r}; expected one of {expected}")
    unknown = sorted(set(value) - FIELDS[name] - {"task"})
    if unknown:
        allowed = ", ".join(sorted(FIELDS[name] | {"task"}))
        hint = {"date": " (backfills run from the CLI: collect --since)", "sources": ""}.get(unknown[0], "")
        raise TaskError(
            f"task: unknown key {unknown[0]!r}: a {name} task takes no {unknown[0]}{hint}; it holds {allowed}"
        )
    return _PARSERS[name](value, settings)


def _collect(value: dict[str, Any], settings) -> Collect:
    c = settings.collect
    if not c.sources:
        raise TaskError("task collect refused: this function is not configured to collect (COLLECT_SOURCES is not set)")
    sources = value.get("sources") or list(c.sources)
    if (
        not isinstance(sources, list)
        or not all(isinstance(s, str) for s in sources)
        or not set(sources) <= set(c.sources)
    ):
        configured = ", ".join(c.sources)
        raise TaskError(f"task: sources must be a list of configured sources ({configured}); got {sources!r}")
    if not c.checkpoint_bucket and set(sources) - {"stream"}:  # a stream's consumer group is its checkpoint
        raise TaskError("task collect refused: CHECKPOINT_BUCKET is not set (a collector function keeps checkpoints)")
    return Collect(tuple(sources))


def _report(value: dict[str, Any], settings) -> Report:
    from forwarder.report import day

    if not settings.report.bucket:
        raise TaskError("task report refused: this function is not configured to report (REPORT_BUCKET unset)")
    date = value.get("date")
    if date is not None and not isinstance(date, str):
        raise TaskError(f"task: date must be a string YYYY-MM-DD; got {date!r}")
    if date is None:
        return Report(None)
    try:
        return Report(day.parse(date, settings.report.timezone))
    except ValueError as exc:
        raise TaskError(f"task: date: expected {exc}") from None


_PARSERS = {"collect": _collect, "report": _report, "doctor": lambda value, settings: Doctor()}


class Container:
    """What one function container built, each part on first use and kept: settings, the pipeline, the
    collector, the reporter."""

    def __init__(self):
        self.settings = None
        self.pipeline = None
        self.collector = None
        self.reporter = None

    def get_settings(self):
        """Raises ConfigError (every bad key)."""
        if self.settings is None:
            from forwarder.settings import load_settings, near_misses

            self.settings = load_settings()
            for line in near_misses():  # a key outside the known prefixes cannot be refused: said once
                log.warning("configuration: %s", line)
        return self.settings

    def get_pipeline(self):
        """Raises ConfigError, forwarder.oci.vault.SecretError: it cannot be built; the next call tries again."""
        if self.pipeline is None:
            from forwarder import wiring
            from forwarder.runtime import gc_tuning

            self.pipeline = wiring.build(self.get_settings())
            gc_tuning.tune()
        return self.pipeline

    def close(self) -> None:
        if self.pipeline is not None:
            self.pipeline.close()

    def run(self, task: Collect | Report | Doctor, deadline: float) -> tuple[bool, dict[str, Any]]:
        """(ok, the task's summary)."""
        return _RUNNERS[type(task)](self, task, deadline)


def _run_collect(container: Container, task: Collect, deadline: float) -> tuple[bool, dict[str, Any]]:
    from forwarder.collect import build

    if container.collector is None:
        container.collector = build(container.get_settings(), container.get_pipeline())
    outcome = container.collector.run(task.sources, deadline=deadline).to_dict()
    return outcome["ok"], outcome


def _run_report(container: Container, task: Report, deadline: float) -> tuple[bool, dict[str, Any]]:
    from forwarder.report import build, day

    settings = container.get_settings()
    which = task.day or day.yesterday(settings.report.timezone)
    if container.reporter is None:
        container.reporter = build(settings)
    result = container.reporter.run(which, deadline=deadline)
    return result["ok"], result


def _run_doctor(container: Container, task: Doctor, deadline: float) -> tuple[bool, dict[str, Any]]:
    from forwarder import doctor
    from forwarder.oci.clients import for_doctor

    settings = container.get_settings()
    checks = doctor.run(settings, for_doctor(settings, "resource_principal"), "resource_principal", deadline)
    return not doctor.exit_status(checks), doctor.answer(checks)


_RUNNERS = {Collect: _run_collect, Report: _run_report, Doctor: _run_doctor}
