"""Calls to ticket APIs that answer JSON: the shared retry policy, then the answer checked.

A ticket API that answers 2xx with something other than a JSON object (a login page from a proxy, a
hibernating ServiceNow instance), or without the fields its documentation promises, is a failed call
(`ApiError`, permanent), reported in the summary like any other ticket failure.
"""

from __future__ import annotations

from typing import Any

import httpx

from forwarder.delivery import retry
from forwarder.delivery.retry import ApiError
from forwarder.runtime.scrub import scrub


def call_json(client: httpx.Client, method: str, url: str, *, deadline: float | None, timeout: float,
              **kwargs) -> dict[str, Any]:  # fmt: skip
    """Send a request (retried per `delivery.retry`) and return its JSON object body.

    Raises:
        ApiError: the request failed, or the 2xx body is not a JSON object.
    """
    response = retry.request(client, method, url, deadline=deadline, timeout=timeout, **kwargs)
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        snippet = scrub(" ".join(response.text[:120].split()))
        raise ApiError(f"HTTP {response.status_code} from {method} {url}: expected a JSON body, got {kind}: "
                       f"{snippet!r}", permanent=True, status=response.status_code) from None  # fmt: skip
    if not isinstance(body, dict):
        raise ApiError(f"HTTP {response.status_code} from {method} {url}: expected a JSON object",
                       permanent=True, status=response.status_code)  # fmt: skip
    return body


def need(value: Any, path: str, kind: type, where: str) -> Any:
    """`value` when it is a `kind`; else ApiError naming the missing or wrong field `path`."""
    if not isinstance(value, kind) or (kind is str and not value):
        raise ApiError(f"{where}: the response has no {kind.__name__} {path}", permanent=True)
    return value
