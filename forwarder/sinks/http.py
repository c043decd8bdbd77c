"""The HTTP sink: POST each payload (one request body) to one URL over a reused httpx client.

TLS is verified against the system trust store or a given CA bundle. Any status outside 2xx,
and any transport error, stops the send with a `Failure` (RFC 9110 status semantics):
429 and 5xx are transient (with the server's Retry-After), other statuses permanent. Retrying is
the pipeline's delivery policy, not the transport's.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence

import httpx

from forwarder.retry import Failure, describe, retry_after
from forwarder.runtime.scrub import scrub
from forwarder.sinks.base import time_left

#: Characters of an error body read (and scrubbed), and shown in a reason.
_READ_CHARS = 4096
_SHOWN_CHARS = 200


class HttpSink:
    """POSTs payloads to `url` with fixed `headers` (content type, authorization).

    Args:
        url: the endpoint, http:// or https://.
        headers: sent with every request; may carry a token (never logged).
        ssl_context: verification settings for https (see `forwarder.runtime.tls.client_context`).
        timeout: seconds for connect, write and read of one request.
    """

    name = "http"
    max_payload_bytes = None

    def __init__(self, url: str, headers: Mapping[str, str], ssl_context: ssl.SSLContext, timeout: float = 10.0):
        self.url = url
        self._shown_url = scrub(url)  # as a reason may show it (no user:password@)
        self.timeout = timeout
        self._client = httpx.Client(headers=dict(headers), verify=ssl_context, timeout=timeout, follow_redirects=False)

    def send(self, payloads: Sequence[bytes], deadline: float | None = None) -> None:
        for index, body in enumerate(payloads):
            try:
                response = self._client.post(self.url, content=body, timeout=time_left(self.timeout, deadline))
            except httpx.HTTPError as exc:
                raise Failure(describe(exc), delivered=index, permanent=_untrusted(exc)) from exc
            status = response.status_code
            if not 200 <= status < 300:
                # scrub first, then cut: a secret cut in half would no longer be recognized
                detail = scrub(" ".join(response.text[:_READ_CHARS].split()))[:_SHOWN_CHARS]
                transient = status == 429 or status >= 500
                raise Failure(
                    f"HTTP {status} from {self._shown_url}: {detail}",
                    delivered=index,
                    permanent=not transient,
                    retry_after=retry_after(response) if transient else None,
                )

    def close(self) -> None:
        self._client.close()


def _untrusted(exc: BaseException) -> bool:
    """True when the failure is a certificate that did not verify (retrying cannot help)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
