"""The one retry policy, shared by sinks (`delivery.pipeline`) and ticket APIs (`request`).

Transient failures (connection errors, timeouts, HTTP 429 and 5xx) are retried with exponential
backoff and jitter, honouring `Retry-After` (RFC 9110 section 10.2.3: seconds or an HTTP date).
Every wait is bounded: by MAX_DELAY, by the attempts left, and by the deadline. A receiver that asks
for a longer wait than MAX_DELAY, or one that would cross the deadline, ends the retries at once
(the events are then dead-lettered or reported, never waited on forever). Only 2xx is success:
a redirect (3xx) or any other 4xx is permanent.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from forwarder.runtime.scrub import scrub
from forwarder.sinks.base import describe

if TYPE_CHECKING:  # httpx is imported by request() only: backoff() is on the cold path
    import httpx

#: Most attempts for one operation, the first included.
MAX_ATTEMPTS = 6
BASE_DELAY = 0.5  #: seconds before the first retry (doubled each time, with jitter)
MAX_DELAY = 30.0  #: the longest single wait, Retry-After included


class ApiError(Exception):
    """A request failed. `permanent` is True when sending it again cannot help (3xx, 4xx but 429,
    a response that is not what the API documents)."""

    def __init__(self, reason: str, *, permanent: bool, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status = status


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): exponential, with jitter."""
    return min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY) * random.uniform(0.5, 1.0)


def next_wait(attempt: int, asked: float | None, deadline: float | None, max_attempts: int = MAX_ATTEMPTS
              ) -> tuple[float | None, str]:  # fmt: skip
    """How long to wait before the next attempt, or (None, why) to stop retrying.

    Args:
        attempt: attempts made so far (1-based); at `max_attempts` retrying stops.
        asked: seconds the receiver asked for (Retry-After), or None.
        deadline: `time.monotonic()` by which all work must end, or None.
    """
    if attempt >= max_attempts:
        return None, f"gave up after {attempt} attempts"
    if asked is not None and asked > MAX_DELAY:
        return None, f"gave up: the receiver asked to wait {asked:g} s (more than {MAX_DELAY:g} s)"
    wait = backoff(attempt) if asked is None else asked
    if deadline is not None and time.monotonic() + wait >= deadline:
        return None, f"gave up after {attempt} attempts: no time left before the deadline"
    return wait, ""


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait, from `Retry-After`, or None."""
    return parse_retry_after(response.headers.get("Retry-After", ""))


def parse_retry_after(value: str) -> float | None:
    """Seconds from a `Retry-After` value (delay-seconds or an HTTP date), or None when absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime  # an HTTP date: rare, and 8 ms to import on the cold path

    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    deadline: float | None,
    timeout: float = 10.0,
    **kwargs,
) -> httpx.Response:
    """Send a request, retrying 429/5xx and transport errors within `deadline` (time.monotonic()).

    Returns:
        The first 2xx response.
    Raises:
        ApiError: permanent for 3xx and other 4xx; transient when attempts or time ran out.
    """
    import httpx

    attempt = 0
    while True:
        attempt += 1
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise ApiError(f"{method} {url}: no time left before the deadline", permanent=False)
        try:
            response = client.request(method, url, timeout=min(timeout, left) if left else timeout, **kwargs)
        except httpx.HTTPError as exc:
            reason, asked, status = describe(exc), None, None
        else:
            status = response.status_code
            if 200 <= status < 300:
                return response
            if 300 <= status < 400:
                where = response.headers.get("Location", "elsewhere")
                raise ApiError(f"HTTP {status} from {method} {url}: redirected to {scrub(where)}; check the URL",
                               permanent=True, status=status)  # fmt: skip
            detail = scrub(" ".join(response.text[:200].split()))
            reason = f"HTTP {status} from {method} {url}: {detail}"
            if status != 429 and status < 500:
                raise ApiError(reason, permanent=True, status=status)
            asked = retry_after(response)
        wait, why = next_wait(attempt, asked, deadline)
        if wait is None:
            raise ApiError(f"{reason} ({why})", permanent=False, status=status)
        time.sleep(wait)
