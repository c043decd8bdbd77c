"""The OCI Functions (fdk) glue: body and deadline in, JSON summary and status out.

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


def get_pipeline() -> Pipeline:
    """The container's pipeline, built from the environment on first use.

    Raises:
        ConfigError, forwarder.runtime.vault.SecretError: it cannot be built; the next call tries again.
    """
    global _pipeline
    if _pipeline is None:
        from forwarder import wiring
        from forwarder.runtime import gc_tuning

        _pipeline = wiring.build(load_settings())
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
    summary = pipeline.process(body, deadline).to_dict()
    log.info("summary %s", json.dumps(summary, separators=(",", ":")))
    return (200 if summary["ok"] else 502), summary


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
