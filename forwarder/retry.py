"""The one retry policy of the project, and the one failure type: sinks, ticket APIs and OCI calls.

Transient failures (no answer: a timeout or connection error; HTTP 429 and 5xx) are retried with
exponential backoff and jitter, honouring `Retry-After` (RFC 9110 section 10.2.3: seconds or an HTTP
date). Every wait is bounded: by MAX_DELAY, by the attempts left, and by the deadline. A receiver that
asks for a longer wait than MAX_DELAY, or one that would cross the deadline, ends the retries at once
(the events are then dead-lettered or reported, never waited on forever). Only 2xx is success: a
redirect (3xx) or any other 4xx is permanent.

Who retries: `forwarder.pipeline` around each sink's `send`; `request` for the ticket APIs;
`forwarder.oci.calls.call` for every OCI API call. Each raises `Failure` when it gives up.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx is imported by request() only: backoff() is on the cold path
    import httpx

#: Most attempts for one operation, the first included.
MAX_ATTEMPTS = 6
BASE_DELAY = 0.5  #: seconds before the first retry (doubled each time, with jitter)
MAX_DELAY = 30.0  #: the longest single wait, Retry-After included


def transient(status: int | None) -> bool:
    """The rule "may the same request work later?": no status (a timeout or connection error), 429 or 5xx."""
    return status is None or status == 429 or status >= 500


class Failure(Exception):
    """An operation failed for good, or ran out of attempts or time.

    Attributes:
        reason: one line saying what failed (no secrets), e.g. `HTTP 503 from https://...: busy` or
            `GetObject: HTTP 404 NotAuthorizedOrNotFound: ...`.
        status: the HTTP status, or None (a timeout, a connection error, a socket).
        permanent: True when trying again cannot help; by default `not transient(status)` when a status
            is given, else False.
        retry_after: seconds the receiver asked to wait (Retry-After), or None.
        code: the service's error code (OCI: `NotAuthorizedOrNotFound`, `ObjectNotFound`, ...), or None.
        delivered: for a sink's `send`: how many payloads went before the failure.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        permanent: bool | None = None,
        retry_after: float | None = None,
        code: str | None = None,
        delivered: int = 0,
    ):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.permanent = (status is not None and not transient(status)) if permanent is None else permanent
        self.retry_after = retry_after
        self.code = code
        self.delivered = delivered

    @property
    def transient(self) -> bool:
        """Whether the same operation may work on a later try or run."""
        return not self.permanent


def describe(exc: BaseException) -> str:
    """A one-line reason for an exception: its type and message."""
    text = str(exc).replace("\n", " ").strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): exponential, with jitter."""
    return min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY) * random.uniform(0.5, 1.0)


def next_wait(
    attempt: int, asked: float | None, deadline: float | None, max_attempts: int = MAX_ATTEMPTS
) -> tuple[float | None, str]:
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
        Failure: permanent for 3xx and other 4xx; transient when attempts or time ran out.
    """
    import httpx

    from forwarder.runtime.scrub import scrub

    attempt = 0
    while True:
        attempt += 1
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise Failure(f"{method} {url}: no time left before the deadline")
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
                reason = f"HTTP {status} from {method} {url}: redirected to {scrub(where)}; check the URL"
                raise Failure(reason, status=status, permanent=True)
            detail = scrub(" ".join(response.text[:200].split()))
            reason = f"HTTP {status} from {method} {url}: {detail}"
            if not transient(status):
                raise Failure(reason, status=status)
            asked = retry_after(response)
        wait, why = next_wait(attempt, asked, deadline)
        if wait is None:
            raise Failure(f"{reason} ({why})", status=status, permanent=False)
        time.sleep(wait)
