"""Calls to ticket APIs that answer JSON: the shared retry policy, then the answer checked.

A ticket API that answers 2xx with something other than a JSON object (a login page from a proxy, a
hibernating ServiceNow instance), or without the fields its documentation promises, is a failed call
(`Failure`, permanent), reported in the summary like any other ticket failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from forwarder import retry
from forwarder.retry import Failure
from forwarder.runtime.scrub import scrub


def call_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    deadline: float | None,
    timeout: float,
    empty_ok: bool = False,
    **kwargs,
) -> dict[str, Any]:
    """Send a request (retried per `forwarder.retry`) and return its JSON object body; `{}` for an empty
    body when `empty_ok` (an API documented to answer this call with no body).

    Raises:
        Failure: the request failed, or the 2xx body is not a JSON object (nor empty when `empty_ok`).
    """
    response = retry.request(client, method, url, deadline=deadline, timeout=timeout, **kwargs)
    if empty_ok and not response.content.strip():
        return {}
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        snippet = scrub(" ".join(response.text[:120].split()))
        raise Failure(
            f"HTTP {response.status_code} from {method} {url}: expected a JSON body, got {kind}: {snippet!r}",
            permanent=True,
            status=response.status_code,
        ) from None
    if not isinstance(body, dict):
        raise Failure(
            f"HTTP {response.status_code} from {method} {url}: expected a JSON object",
            permanent=True,
            status=response.status_code,
        )
    return body


def remembered(ids: dict[str, Any], ref: str, find: Callable[[], object], gone: str) -> Any:
    """The API id an adapter remembers for ticket `ref`; when forgotten (another container opened it), `find`
    is called once to remember it again.

    Raises:
        Failure: (permanent) still unknown: the ticket is no longer open; `gone` says which key was searched.
    """
    if ref not in ids:
        find()
    if ref not in ids:
        raise Failure(f"incident {ref} is no longer open ({gone})", permanent=True)
    return ids[ref]


def need(value: Any, path: str, kind: type, where: str) -> Any:
    """`value` when it is a `kind`; else Failure naming the missing or wrong field `path`."""
    if not isinstance(value, kind) or (kind is str and not value):
        raise Failure(f"{where}: the response has no {kind.__name__} {path}", permanent=True)
    return value
