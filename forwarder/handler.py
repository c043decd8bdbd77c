"""The OCI Functions (fdk) glue: body and deadline in, JSON summary and status out.

An event body goes through the pipeline; a task body (`forwarder.tasks`: collect, report) runs its
task. 200 only when every event was delivered or kept (or the task succeeded); otherwise 502, so
Service Connector Hub retries the batch (over the fdk's unix socket only 200, 502 and 504 pass). What
the container builds (settings, pipeline, connections, secrets, collector, reporter) is kept in one
`tasks.Container` for the life of the container.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from forwarder.delivery.summary import Summary
from forwarder.runtime.logs import setup
from forwarder.tasks import Container

log = setup()

#: Seconds kept back from the invocation deadline for answering.
DEADLINE_MARGIN = 1.0
#: Seconds allowed when `Fn-Deadline` is missing or unreadable (the fdk's own default, constants.DEFAULT_DEADLINE).
DEFAULT_SECONDS = 30.0

#: This container's state.
container = Container()


def reset() -> None:
    """Start as a new container: what was built is closed and forgotten (tests)."""
    global container
    container.close()
    container = Container()


def get_pipeline():
    """The container's pipeline (built from the environment on first use; see `tasks.Container`)."""
    return container.get_pipeline()


def _refused(reason: str) -> tuple[int, dict[str, Any]]:
    log.error("%s", reason)
    return 502, Summary(errors=[reason]).to_dict()


def handle(body: bytes, seconds_left: float | None = None) -> tuple[int, dict[str, Any]]:
    """Process one invocation body. Returns (HTTP status, summary dict); never raises.

    Args:
        body: the invocation body.
        seconds_left: time until the invocation deadline; None (no usable `Fn-Deadline`) means DEFAULT_SECONDS.
    """
    from forwarder import tasks

    seconds = DEFAULT_SECONDS if seconds_left is None else seconds_left
    deadline = time.monotonic() + max(seconds - DEADLINE_MARGIN, 0.5)
    value = tasks.is_task(body)
    try:
        if value is None:
            pipeline = container.get_pipeline()
        else:
            task = tasks.parse(value, container.get_settings())
    except tasks.TaskError as exc:
        return _refused(str(exc))
    except Exception as exc:  # bad config, unreadable secret or certificate: fail loudly, retry later
        from forwarder.config import ConfigError

        reason = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
        log.error("forwarder not configured: %s", reason)
        return 502, Summary(errors=[f"configuration: {reason}"]).to_dict()
    if value is None:
        summary = pipeline.process(body, deadline).to_dict()
        container.post_metrics("delivery", summary, deadline + DEADLINE_MARGIN / 2)  # half the margin: never late
        log.info("summary %s", json.dumps(summary, separators=(",", ":")))
        return (200 if summary["ok"] else 502), summary
    try:
        ok, result = container.run(task, deadline)
    except Exception as exc:  # the principal, a store or the pipeline cannot be set up
        return _refused(f"{type(task).__name__.lower()}: {type(exc).__name__}: {exc}")
    shown = {k: v for k, v in result.items() if k != "delivery"}
    log.info("%s %s", type(task).__name__.lower(), json.dumps(shown, separators=(",", ":")))
    return (200 if ok else 502), result


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
    return Response(
        ctx, response_data=json.dumps(summary), headers={"Content-Type": "application/json"}, status_code=status
    )
