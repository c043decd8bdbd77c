"""HTTP requests with bounded retries: 429 and 5xx (and transport errors) are retried with
exponential backoff and jitter, honouring `Retry-After` (RFC 9110 section 10.2.3: seconds or an
HTTP date), never past the invocation's deadline. Other 4xx are permanent.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from forwarder.redaction import scrub
from forwarder.sinks import describe

if TYPE_CHECKING:  # httpx is imported by request() only: backoff() is on the cold path
    import httpx

#: Most attempts for one request, the first included.
MAX_ATTEMPTS = 6
BASE_DELAY = 0.5  #: seconds before the first retry (doubled each time, with jitter)
MAX_DELAY = 30.0


class ApiError(Exception):
    """A request failed. `permanent` is True for 4xx other than 429 (retrying cannot help)."""

    def __init__(self, reason: str, *, permanent: bool, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status = status


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): exponential, with jitter."""
    return min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY) * random.uniform(0.5, 1.0)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait, from `Retry-After`, or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
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
        The first 2xx/3xx response.
    Raises:
        ApiError: permanent for other 4xx; transient when attempts or time ran out.
    """
    import httpx

    attempt = 0
    while True:
        attempt += 1
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise ApiError(f"{method} {url}: no time left before the invocation deadline", permanent=False)
        try:
            response = client.request(method, url, timeout=min(timeout, left) if left else timeout, **kwargs)
        except httpx.HTTPError as exc:
            reason, wait = describe(exc), None
            status = None
        else:
            status = response.status_code
            if status < 400:
                return response
            detail = scrub(" ".join(response.text[:200].split()))
            reason = f"HTTP {status} from {method} {url}: {detail}"
            if status != 429 and status < 500:
                raise ApiError(reason, permanent=True, status=status)
            wait = retry_after(response)
        if wait is None:
            wait = backoff(attempt)
        left = None if deadline is None else deadline - time.monotonic()
        if attempt >= MAX_ATTEMPTS or (left is not None and wait >= left):
            raise ApiError(f"{reason} (gave up after {attempt} attempts)", permanent=False, status=status)
        time.sleep(wait)
