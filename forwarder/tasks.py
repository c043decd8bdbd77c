"""Task bodies: a JSON object with `task` sent by Resource Scheduler, parsed into a typed task and run by a table.

- `{"task": "collect", "sources": [...]}`: a collection run (`forwarder.collect`), refused unless
  COLLECT_SOURCES is set, and CHECKPOINT_BUCKET for every source but `stream` (its consumer group is its
  checkpoint); `sources` defaults to COLLECT_SOURCES.
- `{"task": "report", "date": "YYYY-MM-DD"}`: the daily change report (`forwarder.report`; `date`
  defaults to yesterday in REPORT_TIMEZONE), refused unless REPORT_BUCKET is set;
  `{"task": "report", "since": "YYYY-MM-DD", "until": "YYYY-MM-DD"}` (until exclusive) and
  `{"task": "report", "period": "week" | "month"}` (the one just ended) report a period.
- `{"task": "replay-dead-letter", "dryRun": false}`: the dead letters sent again (`forwarder.delivery.replay`)
  until the deadline, or with `dryRun` what is waiting; needs `manage objects` on DEAD_LETTER_BUCKET.
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
    day: Any  #: the `report.day.Day` or `report.period.Period` asked for, or None: yesterday in REPORT_TIMEZONE


class ReplayDeadLetter(NamedTuple):
    dry_run: bool  #: say what is waiting; send and remove nothing


class Doctor(NamedTuple):
    """Check every link of this function's configuration (`forwarder.doctor`) with its resource principal."""


#: What each task body may hold besides `task`.
FIELDS = {
    "collect": frozenset({"sources"}),
    "report": frozenset({"date", "since", "until", "period"}),
    "doctor": frozenset(),
    "replay-dead-letter": frozenset({"dryRun"}),
}


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


def parse(value: dict[str, Any], settings) -> Collect | Report | Doctor | ReplayDeadLetter:
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
    from forwarder.report import period

    given = [key for key in ("date", "since", "period") if key in value]
    for key in ("date", "since", "until", "period"):
        if key in value and not isinstance(value[key], str):
            raise TaskError(f"task: {key} must be a string; got {value[key]!r}")
    if len(given) > 1:
        raise TaskError(f"task: give one of date, since (with until) or period; got {', '.join(given)}")
    if ("since" in value) != ("until" in value):
        raise TaskError("task: since and until go together (until exclusive)")
    zone = settings.report.timezone
    try:
        if "since" in value:
            return Report(period.between(value["since"], value["until"], zone))
        if "period" in value:
            if value["period"] not in ("week", "month"):
                raise ValueError(f'"week" or "month"; got {value["period"]!r}')
            return Report(period.just_ended(value["period"], zone))
        return Report(day.parse(value["date"], zone) if "date" in value else None)
    except ValueError as exc:
        raise TaskError(f"task: {given[0] if given else 'date'}: expected {exc}") from None


def _replay_dead_letter(value: dict[str, Any], settings) -> ReplayDeadLetter:
    if settings.dead_letter is None:
        raise TaskError("task replay-dead-letter refused: DEAD_LETTER_BUCKET is not set")
    dry_run = value.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise TaskError(f"task: dryRun must be true or false; got {dry_run!r}")
    return ReplayDeadLetter(dry_run)


_PARSERS = {
    "collect": _collect,
    "report": _report,
    "doctor": lambda value, settings: Doctor(),
    "replay-dead-letter": _replay_dead_letter,
}


class Container:
    """What one function container built, each part on first use and kept: settings, the pipeline, the
    collector, the reporter."""

    def __init__(self):
        self.settings = None
        self.pipeline = None
        self.collector = None
        self.reporter = None
        self.poster = None  #: `metrics.post.Poster`, when METRICS_NAMESPACE is set

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

    def post_metrics(self, kind: str, summary: dict[str, Any], deadline: float | None) -> None:
        """Post the points of `summary` (`kind`: "delivery", "collection" or "report": `forwarder.metrics`)
        when METRICS_NAMESPACE is set, and say in it what was posted (`"metrics": {"posted", "failed"}`).
        Never raises: a metrics failure is told, never a failed delivery."""
        settings = self.settings
        if settings is None or not settings.metrics.namespace:
            return
        from forwarder.metrics.post import Poster, post_summary

        if self.poster is None:
            from forwarder.oci.clients import for_metrics

            self.poster = Poster(settings, for_metrics(settings))
        if post_summary(self.poster, kind, summary, deadline).get("failed"):
            log.warning("metrics not posted: %s", summary["metrics"]["failed"])

    def close(self) -> None:
        if self.pipeline is not None:
            self.pipeline.close()

    def run(self, task: Collect | Report | Doctor | ReplayDeadLetter, deadline: float) -> tuple[bool, dict[str, Any]]:
        """(ok, the task's summary)."""
        return _RUNNERS[type(task)](self, task, deadline)


def _run_collect(container: Container, task: Collect, deadline: float) -> tuple[bool, dict[str, Any]]:
    from forwarder.collect import build

    if container.collector is None:
        container.collector = build(container.get_settings(), container.get_pipeline())
    outcome = container.collector.run(task.sources, deadline=deadline).to_dict()
    container.post_metrics("collection", outcome, deadline + 0.5)  # within the answer's margin (handler)
    return outcome["ok"], outcome


def _run_report(container: Container, task: Report, deadline: float) -> tuple[bool, dict[str, Any]]:
    from forwarder.report import build, day

    settings = container.get_settings()
    which = task.day or day.yesterday(settings.report.timezone)
    if container.reporter is None:
        container.reporter = build(settings)
    result = container.reporter.run(which, deadline=deadline)
    container.post_metrics("report", result, deadline + 0.5)
    return result["ok"], result


def _run_doctor(container: Container, task: Doctor, deadline: float) -> tuple[bool, dict[str, Any]]:
    from forwarder import doctor
    from forwarder.oci.clients import for_doctor

    settings = container.get_settings()
    checks = doctor.run(settings, for_doctor(settings, "resource_principal"), "resource_principal", deadline)
    return not doctor.exit_status(checks), doctor.answer(checks)


#: Seconds a dead-letter object may take to replay, retries included (the task stops starting objects
#: this long before its deadline: what is left stays for the next run).
REPLAY_SECONDS = 20.0


def _run_replay(container: Container, task: ReplayDeadLetter, deadline: float) -> tuple[bool, dict[str, Any]]:
    from forwarder.delivery.deadletter import DeadLetterError
    from forwarder.delivery.replay import replay, waiting

    pipeline = container.get_pipeline()
    try:
        if task.dry_run:
            return True, {"ok": True, "waiting": waiting(pipeline.dead_letter, deadline)}
        results, left = replay(pipeline, pipeline.dead_letter, REPLAY_SECONDS, until=deadline)
    except DeadLetterError as exc:
        reason = str(exc)
        if exc.status in (403, 404):  # refused, or absent: the bucket exists (the function writes there)
            reason += (
                ": the function's own policy lets it only create dead letters; give its dynamic group `manage "
                "objects` on the bucket for this task (dead_letter_replay_by_function), or replay from the CLI "
                "with an operator's principal"
            )
        return False, {"ok": False, "errors": [reason]}
    ok = not left and all(r.delivered == r.lines for r in results)
    return ok, {"ok": ok, "objects": [r.to_dict() for r in results], "objectsLeft": left}


_RUNNERS = {Collect: _run_collect, Report: _run_report, Doctor: _run_doctor, ReplayDeadLetter: _run_replay}
