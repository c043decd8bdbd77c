"""Every OCI API call, under the one bounded retry policy (`forwarder.retry`), the caller's deadline, and paging.

`call(operation, *args, deadline=..., **kwargs)` runs an SDK operation and returns its response. 429,
5xx, timeouts and connection errors are retried (exponential backoff with jitter, `Retry-After`
honoured, at most MAX_ATTEMPTS, never past the deadline), so a throttled region slows down instead of
failing at once; each request's timeout is cut to the time left. Anything else (400, 401, 403, 404,
409, 412, ...) fails at once. A failure raises `forwarder.retry.Failure`, whose reason names the
operation and the HTTP status and code, and whose `status` and `code` say them for the caller.
`pages(...)` follows `opc-next-page` (or another cursor, e.g. ListObjects' `nextStartWith`) to the last page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from forwarder.oci.auth import describe_error
from forwarder.retry import Failure, next_wait, parse_retry_after, transient

#: Most attempts of one call: more than a sink gets, since a read can always wait (backoff is capped
#: at 30 s a wait and by the deadline), so a throttled region slows down rather than fails.
MAX_ATTEMPTS = 10

log = logging.getLogger("forwarder")


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


def _failure(label: str, exc: BaseException) -> tuple[Failure, float | None]:
    """The Failure an SDK exception means, and the seconds its Retry-After asked for."""
    reason = describe_error(exc)
    status = getattr(exc, "status", None)
    if not isinstance(status, int):  # a timeout or connection error
        return Failure(f"{label}: {reason}"), None
    message = " ".join(str(getattr(exc, "message", "") or "").split())[:200]
    asked = parse_retry_after(str((getattr(exc, "headers", None) or {}).get("retry-after", "") or ""))
    text = f"{label}: {reason}: {message}" if message else f"{label}: {reason}"
    return Failure(text, status=status, retry_after=asked, code=getattr(exc, "code", None)), asked


def _cap_timeout(operation: Callable[..., Any], left: float) -> None:
    """Cut the SDK client's (connect, read) timeout to the time left, so no request outlasts the
    deadline. Clients are shared by workers with the same deadline: the last to set it sets about the
    same value."""
    base = getattr(getattr(operation, "__self__", None), "base_client", None)
    if base is None:
        return
    configured = getattr(base, "_forwarder_timeout", None)
    if configured is None:
        configured = base._forwarder_timeout = base.timeout[0] if isinstance(base.timeout, tuple) else base.timeout
    seconds = min(configured, left)
    base.timeout = (seconds, seconds)


def call(
    operation: Callable[..., Any],
    *args,
    deadline: float | None,
    counter: Counter | None = None,
    name: str | None = None,
    **kwargs,
) -> Any:
    """Run one SDK operation, retrying transient failures within `deadline` (time.monotonic()).

    Returns:
        The SDK response (`.data`, `.headers`).
    Raises:
        Failure: a permanent failure (`status`, `code` set), or attempts or time ran out.
    """
    label = name or getattr(operation, "__name__", "call")
    attempt = 0
    while True:
        attempt += 1
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"{label}: no time left before the deadline")
            _cap_timeout(operation, left)
        try:
            response = operation(*args, **kwargs)
        except Exception as exc:
            failure, asked = _failure(label, exc)
            if counter is not None:
                counter.add(throttled=failure.status == 429)
            if not transient(failure.status):
                raise failure from None
            wait, why = next_wait(attempt, asked, deadline, MAX_ATTEMPTS)
            if wait is None:
                failure.reason = f"{failure.reason} ({why})"
                failure.args = (failure.reason,)
                raise failure from None
            log.debug("%s: attempt %d: %s; retrying in %.1f s", label, attempt, failure.reason, wait)
            time.sleep(wait)
            continue
        if counter is not None:
            counter.add()
        if log.isEnabledFor(logging.DEBUG):
            status = getattr(response, "status", "")
            log.debug("%s: HTTP %s (attempt %d)", label, status, attempt)
        return response


def _opc_next_page(response: Any) -> str | None:
    return response.headers.get("opc-next-page") or None


def pages(
    operation: Callable[..., Any],
    *args,
    deadline: float | None,
    counter: Counter | None = None,
    next_page: Callable[[Any], str | None] = _opc_next_page,
    page_arg: str = "page",
    **kwargs,
) -> Iterator[tuple[Any, str | None]]:
    """Each page's data and the next page's token (None on the last).

    Args:
        next_page: the next page's token from a response (default: the `opc-next-page` header).
        page_arg: the operation's argument taking that token (default `page`).
    Raises:
        Failure: as `call`, for any page.
    """
    page = None
    while True:
        if page is not None:
            kwargs[page_arg] = page
        response = call(operation, *args, deadline=deadline, counter=counter, **kwargs)
        page = next_page(response)
        yield response.data, page
        if page is None:
            return
