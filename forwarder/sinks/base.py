"""The face every sink has; sinks carry already-encoded payloads and know nothing of formats.

Every sink has the same face:

    name: str                       # "syslog", "http", "log": used in the summary
    max_payload_bytes: int | None   # largest payload it can carry (UDP), None when unbounded
    send(payloads, deadline) -> None
    close() -> None

`send` delivers the payloads in order and raises `forwarder.retry.Failure` at the first one it could
not deliver, its `delivered` saying how many went before it. Connections are opened lazily, kept
across invocations of a warm container, and re-opened when found broken.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # socket and ssl load with the sinks that connect, not with every cold start
    import socket
    import ssl


class Sink(Protocol):
    name: str
    max_payload_bytes: int | None

    def send(self, payloads: Sequence[bytes], deadline: float | None = None) -> None: ...

    def close(self) -> None: ...


def time_left(timeout: float, deadline: float | None) -> float:
    """Seconds to allow for one operation: `timeout`, cut to what is left before `deadline`
    (a `time.monotonic()` value), and at least 0.1 s."""
    if deadline is None:
        return timeout
    return max(min(timeout, deadline - time.monotonic()), 0.1)


def connect(host: str, port: int, timeout: float, ssl_context: ssl.SSLContext | None = None) -> socket.socket:
    """A TCP connection to host:port within `timeout` seconds, wrapped in TLS (server name `host`) when
    `ssl_context` is given; the socket is closed when the handshake fails.

    Raises:
        OSError: connect failed; ssl.SSLError (ssl.SSLCertVerificationError): the handshake failed.
    """
    import socket

    sock = socket.create_connection((host, port), timeout=timeout)
    if ssl_context is None:
        return sock
    try:
        return ssl_context.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise


def close_quietly(sock: socket.socket, polite: bool = True) -> None:
    """Close `sock`, never raising. A TLS connection first sends `close_notify` (RFC 5425 section 4.4: a
    syslog client MUST close with it; RFC 8446 section 6.1) when `polite`, waiting at most `CLOSE_WAIT`
    seconds for the receiver's answer: a receiver that vanished costs no more than that."""
    import ssl

    try:
        if polite and isinstance(sock, ssl.SSLSocket):
            sock.settimeout(CLOSE_WAIT)
            sock.unwrap()
    except (OSError, ValueError):  # ssl.SSLError is an OSError; ValueError: the handshake never finished
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


#: Seconds `close_quietly` waits for the receiver's `close_notify`.
CLOSE_WAIT = 0.5
