"""Every OCI API call of the pull side, under one bounded retry policy, and paging.

`call(operation, *args, deadline=..., **kwargs)` runs an SDK operation and returns its response. 429,
5xx, timeouts and connection errors are retried with the project's policy (`delivery.retry.next_wait`:
exponential backoff with jitter, `Retry-After` honoured, at most MAX_ATTEMPTS, never past the deadline),
so a throttled region slows down instead of failing at once. Anything else (400, 401, 403, 404, ...)
fails at once. A failure raises `ApiFailure`, whose text names the operation and the HTTP status.
`pages(...)` follows `opc-next-page` until the last page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from forwarder.delivery.retry import next_wait, parse_retry_after
from forwarder.runtime.oci_auth import cap_timeout, describe_error

#: Most attempts of one read call: more than a sink gets, since a read can always wait (backoff is
#: capped at 30 s a wait and by the run's deadline), so a throttled region slows down rather than fails.
MAX_ATTEMPTS = 10


class ApiFailure(RuntimeError):
    """An OCI API call failed for good (or ran out of attempts or time).

    Attributes:
        status: the HTTP status, or None (timeout, connection error).
        reason: one line: `<Operation>: HTTP 404 NotAuthorizedOrNotFound: <message>`.
    """

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status

    @property
    def transient(self) -> bool:
        """Whether the call failed for a passing cause (timeout, connection, 429, 5xx): retries or time
        ran out, so the same call may work on the next run."""
        return _retryable(self.status)


def _retryable(status: int | None) -> bool:
    """The retry rule: no status (a timeout or connection error), 429 or 5xx."""
    return status is None or status == 429 or status >= 500


class Counter:
    """Counts API calls (each attempt), thread-safe: the benchmark's calls per 1,000 events."""

    def __init__(self):
        self.calls = 0
        self.throttled = 0
        self._lock = threading.Lock()

    def add(self, throttled: bool = False) -> None:
        with self._lock:
            self.calls += 1
            self.throttled += throttled


def _transient(exc: BaseException) -> tuple[bool, int | None, float | None, str]:
    """(retry it?, status, Retry-After seconds, one-line reason) for an SDK exception."""
    reason = describe_error(exc)
    status = getattr(exc, "status", None)
    if not isinstance(status, int):  # a timeout or connection error
        return True, None, None, reason
    message = " ".join(str(getattr(exc, "message", "") or "").split())[:200]
    asked = parse_retry_after(str((getattr(exc, "headers", None) or {}).get("retry-after", "") or ""))
    return _retryable(status), status, asked, f"{reason}: {message}" if message else reason


def _cap_timeout(operation: Callable[..., Any], left: float) -> None:
    """Cut the SDK client's timeout to the time left, so no request outlasts the deadline. Clients are
    shared by workers with the same deadline: the last one to set it sets about the same value."""
    client = getattr(operation, "__self__", None)
    base = getattr(client, "base_client", None)
    if base is None:
        return
    configured = getattr(base, "_forwarder_timeout", None)
    if configured is None:
        configured = base._forwarder_timeout = base.timeout[0] if isinstance(base.timeout, tuple) else base.timeout
    cap_timeout(client, configured, left)


def call(operation: Callable[..., Any], *args, deadline: float | None, counter: Counter | None = None,
         name: str | None = None, **kwargs) -> Any:  # fmt: skip
    """Run one SDK operation, retrying transient failures within `deadline` (time.monotonic()).

    Returns:
        The SDK response (`.data`, `.headers`).
    Raises:
        ApiFailure: a permanent failure, or attempts or time ran out.
    """
    label = name or getattr(operation, "__name__", "call")
    attempt = 0
    while True:
        attempt += 1
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ApiFailure(f"{label}: no time left before the deadline")
            _cap_timeout(operation, left)
        try:
            response = operation(*args, **kwargs)
        except Exception as exc:
            retry, status, asked, reason = _transient(exc)
            if counter is not None:
                counter.add(throttled=status == 429)
            if not retry:
                raise ApiFailure(f"{label}: {reason}", status) from None
            wait, why = next_wait(attempt, asked, deadline, MAX_ATTEMPTS)
            if wait is None:
                raise ApiFailure(f"{label}: {reason} ({why})", status) from None
            time.sleep(wait)
            continue
        if counter is not None:
            counter.add()
        return response


def pages(operation: Callable[..., Any], *args, deadline: float | None, counter: Counter | None = None,
          **kwargs) -> Iterator[tuple[Any, str | None]]:  # fmt: skip
    """Each page's data and the next page's token (None on the last), following `opc-next-page`.

    Raises:
        ApiFailure: as `call`, for any page.
    """
    page = None
    while True:
        if page is not None:
            kwargs["page"] = page
        response = call(operation, *args, deadline=deadline, counter=counter, **kwargs)
        page = response.headers.get("opc-next-page") or None
        yield response.data, page
        if page is None:
            return
