"""The HTTP sink: POST each payload (one request body) to one URL over a reused httpx client.

TLS is verified against the system trust store or a given CA bundle. Any status outside 2xx,
and any transport error, stops the send with a `DeliveryError` (RFC 9110 status semantics;
retries are a delivery policy, not the transport's).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence

import httpx

from forwarder.sinks import DeliveryError, describe, time_left


class HttpSink:
    """POSTs payloads to `url` with fixed `headers` (content type, authorization).

    Args:
        url: the endpoint, http:// or https://.
        headers: sent with every request; may carry a token (never logged).
        ssl_context: verification settings for https (see `forwarder.tls.client_context`).
        timeout: seconds for connect, write and read of one request.
    """

    name = "http"
    max_payload_bytes = None

    def __init__(self, url: str, headers: Mapping[str, str], ssl_context: ssl.SSLContext, timeout: float = 10.0):
        self.url = url
        self.timeout = timeout
        self._client = httpx.Client(headers=dict(headers), verify=ssl_context, timeout=timeout, follow_redirects=False)

    def send(self, payloads: Sequence[bytes], deadline: float | None = None) -> None:
        for index, body in enumerate(payloads):
            try:
                response = self._client.post(self.url, content=body, timeout=time_left(self.timeout, deadline))
            except httpx.HTTPError as exc:
                raise DeliveryError(describe(exc), delivered=index) from exc
            if not 200 <= response.status_code < 300:
                detail = " ".join(response.text[:200].split())
                raise DeliveryError(f"HTTP {response.status_code} from {self.url}: {detail}", delivered=index)

    def close(self) -> None:
        self._client.close()
