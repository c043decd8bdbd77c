"""The HTTP sink: POST each payload (one request body) to one URL over a reused httpx client.

TLS is verified against the system trust store or a given CA bundle. Any status outside 2xx,
and any transport error, stops the send with a `Failure` (RFC 9110 status semantics):
429 and 5xx are transient (with the server's Retry-After), other statuses permanent. Retrying is
the pipeline's delivery policy, not the transport's.

A 2xx counts as delivered only when its body is what the receiver answers (`answer`), so an HTML login
page a proxy gives with 200 is never taken for delivery:
- `hec_answer` (Splunk HEC, the event endpoint): a JSON object with `"code": 0` (documented as
  `{"text": "Success", "code": 0}`, with `ackId` when acknowledgement is on);
- `webhook_answer` (a JSON webhook): any body but an HTML page (`Content-Type: text/html`, or a body
  starting with `<!DOCTYPE html` / `<html`).
Either refusal is permanent: the request reached something that is not the receiver.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence

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

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        ssl_context: ssl.SSLContext,
        timeout: float = 10.0,
        answer: Callable[[httpx.Response], str | None] | None = None,
    ):
        self.url = url
        self._shown_url = scrub(url)  # as a reason may show it (no user:password@)
        self.timeout = timeout
        self._answer = answer or webhook_answer
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
            wrong = self._answer(response)
            if wrong is not None:
                detail = scrub(" ".join(response.text[:_READ_CHARS].split()))[:_SHOWN_CHARS]
                raise Failure(
                    f"HTTP {status} from {self._shown_url} {wrong}: {detail}", delivered=index, permanent=True
                )

    def close(self) -> None:
        self._client.close()


def hec_answer(response: httpx.Response) -> str | None:
    """None when a 2xx is Splunk HEC's success answer (`{"text": "Success", "code": 0}`), else what is wrong."""
    from forwarder.jsoncodec import loads

    try:
        body = loads(response.content)
    except (ValueError, RecursionError):
        return "is not HEC's answer (not JSON)"
    if not isinstance(body, dict) or body.get("code") != 0 or isinstance(body.get("code"), bool):
        return 'is not HEC\'s success answer {"text": "Success", "code": 0}'
    return None


def webhook_answer(response: httpx.Response) -> str | None:
    """None when a 2xx is a webhook's answer: anything but an HTML page (a proxy's or a login page)."""
    kind = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    start = response.content[:64].lstrip().lower()
    if kind == "text/html" or start.startswith((b"<!doctype html", b"<html")):
        return "is an HTML page, not the webhook's answer (a proxy or a login page?)"
    return None


def _untrusted(exc: BaseException) -> bool:
    """True when the failure is a certificate that did not verify (retrying cannot help)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
