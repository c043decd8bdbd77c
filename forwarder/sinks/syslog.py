"""The syslog sink: UDP (RFC 5426), TCP with octet counting (RFC 6587 section 3.4.1) and TLS
with octet counting (RFC 5425 section 4.3).

UDP sends one message per datagram; the format cuts messages to `max_payload_bytes`. TCP and TLS
frame each message as `LEN SP MSG`, write messages in chunks of up to 64 KiB, and keep the
connection for the next invocation. A kept connection is checked before use (a syslog receiver
never writes, so a readable socket means it was closed or reset) and re-opened; a chunk that
fails is re-sent once on a fresh connection. Certificate errors are not retried.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Sequence

from forwarder.sinks import DeliveryError, describe, time_left

CHUNK_BYTES = 64 * 1024


class SyslogSink:
    """Sends syslog messages to host:port over "udp", "tcp" or "tls".

    Args:
        transport: "udp", "tcp" or "tls".
        host, port: the receiver.
        ssl_context: for "tls", the verifying client context (see `forwarder.tls`).
        timeout: seconds for connect and for each write.
        udp_max_bytes: largest datagram (UDP only).
    """

    name = "syslog"

    def __init__(
        self,
        transport: str,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 10.0,
        udp_max_bytes: int = 8192,
    ):
        if transport == "tls" and ssl_context is None:
            raise ValueError("tls transport needs an ssl_context")
        self.transport = transport
        self.host = host
        self.port = port
        self.timeout = timeout
        self.max_payload_bytes = udp_max_bytes if transport == "udp" else None
        self._ssl_context = ssl_context
        self._sock: socket.socket | None = None

    def send(self, payloads: Sequence[bytes], deadline: float | None = None) -> None:
        if self.transport == "udp":
            self._send_datagrams(payloads, deadline)
        else:
            self._send_stream(payloads, deadline)

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None

    def _send_datagrams(self, payloads: Sequence[bytes], deadline: float | None) -> None:
        for index, payload in enumerate(payloads):
            for attempt in (1, 2):
                try:
                    if self._sock is None:
                        self._sock = self._open_udp()
                    self._sock.send(payload)
                    break
                except OSError as exc:
                    # A previous datagram's ICMP error surfaces here; try once on a new socket.
                    self.close()
                    if attempt == 2:
                        raise DeliveryError(describe(exc), delivered=index) from exc

    def _open_udp(self) -> socket.socket:
        family, kind, proto, _, address = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.connect(address)
        return sock

    def _send_stream(self, payloads: Sequence[bytes], deadline: float | None) -> None:
        delivered = 0
        for count, chunk in _chunks([b"%d %s" % (len(p), p) for p in payloads]):
            for attempt in (1, 2):
                try:
                    sock = self._connected(deadline)
                    sock.settimeout(time_left(self.timeout, deadline))
                    sock.sendall(chunk)
                    break
                except OSError as exc:
                    self.close()
                    untrusted = isinstance(exc, ssl.SSLCertVerificationError)
                    if attempt == 2 or untrusted:
                        raise DeliveryError(describe(exc), delivered=delivered, permanent=untrusted) from exc
            delivered += count

    def _connected(self, deadline: float | None) -> socket.socket:
        if self._sock is not None and self._alive(self._sock):
            return self._sock
        self.close()
        sock = socket.create_connection((self.host, self.port), timeout=time_left(self.timeout, deadline))
        if self.transport == "tls":
            assert self._ssl_context is not None
            try:
                sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
        self._sock = sock
        return sock

    @staticmethod
    def _alive(sock: socket.socket) -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return True
            sock.setblocking(False)
            try:
                return bool(sock.recv(1024))
            finally:
                sock.setblocking(True)
        except (ssl.SSLWantReadError, BlockingIOError):
            return True  # TLS records without application data (session tickets)
        except (OSError, ValueError):
            return False


def _chunks(frames: list[bytes]):
    """Group frames into (count, bytes) chunks of about CHUNK_BYTES, never splitting a frame."""
    start, size = 0, 0
    for index, frame in enumerate(frames):
        if size and size + len(frame) > CHUNK_BYTES:
            yield index - start, b"".join(frames[start:index])
            start, size = index, 0
        size += len(frame)
    if start < len(frames):
        yield len(frames) - start, b"".join(frames[start:])
