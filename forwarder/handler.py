"""The OCI Functions (fdk) glue: body in, JSON summary out; 502 unless every event was delivered.

Over the fdk's unix socket only 200, 502 and 504 pass (any other status arrives as 200), so a
failed invocation answers 502 with the summary as its body. Service Connector Hub then retries
the batch. The Forwarder (settings, sinks, connections, secrets) is built on the first call and
kept for the life of the container.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from forwarder.config import ConfigError, load_settings
from forwarder.pipeline import Forwarder, Summary
from forwarder.redaction import ScrubFilter

log = logging.getLogger("forwarder")
log.setLevel(logging.INFO)
log.addFilter(ScrubFilter())  # no secret value reaches the function log
# fdk sets the root logger to DEBUG; keep client libraries from logging requests and headers.
for _name in ("urllib3", "httpx", "httpcore", "oci", "asyncio"):
    logging.getLogger(_name).setLevel(logging.WARNING)

#: Seconds kept back from the invocation deadline for answering.
DEADLINE_MARGIN = 1.0

_forwarder: Forwarder | None = None


def get_forwarder() -> Forwarder:
    """The container's Forwarder, built from the environment on first use.

    Raises:
        ConfigError, forwarder.secrets.SecretError, OSError: it cannot be built; the next call tries again.
    """
    global _forwarder
    if _forwarder is None:
        _forwarder = Forwarder.from_settings(load_settings())
    return _forwarder


def handle(body: bytes, seconds_left: float | None = None) -> tuple[int, dict[str, Any]]:
    """Process one invocation body. Returns (HTTP status, summary dict); never raises.

    Args:
        body: the invocation body.
        seconds_left: time until the invocation deadline, or None.
    """
    try:
        forwarder = get_forwarder()
    except Exception as exc:  # bad config, unreadable secret or certificate: fail loudly, retry later
        reason = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
        log.error("forwarder not configured: %s", reason)
        return 502, Summary(errors=[f"configuration: {reason}"]).to_dict()
    deadline = None if seconds_left is None else time.monotonic() + max(seconds_left - DEADLINE_MARGIN, 0.5)
    summary = forwarder.process(body, deadline).to_dict()
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
    return Response(
        ctx,
        response_data=json.dumps(summary),
        headers={"Content-Type": "application/json"},
        status_code=status,
    )
