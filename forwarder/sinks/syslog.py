"""The syslog sink: UDP (RFC 5426), TCP with octet counting (RFC 6587 section 3.4.1) and TLS
with octet counting (RFC 5425 section 4.3).

UDP sends one message per datagram; the format cuts messages to `max_payload_bytes`. UDP has no
acknowledgement, but a refusal is visible: a port with no receiver answers ICMP port unreachable,
which a connected socket reports as ECONNREFUSED on a later call. So a send waits up to
`UDP_SETTLE` seconds after its last datagram for such a report, and a refusal seen during the
send or in that wait counts the whole send undelivered (retried, then dead-lettered: delivered
means "no refusal reported", the most UDP can tell). TCP and TLS frame each message as `LEN SP MSG`,
write messages in chunks of up to 64 KiB, and keep the connection for the next invocation. A kept
connection is checked before use (a syslog receiver never writes, so a readable socket means it was
closed or reset) and re-opened.

Syslog over TCP has no application acknowledgement (RFC 6587), and a successful write only means
the bytes reached our kernel. So a chunk counts as delivered only once the receiver's TCP has
acknowledged it (Linux TCP_INFO `tcpi_bytes_acked` against the connection's write offset), and a
send waits, within the deadline, until the send queue is empty (SIOCOUTQ: nothing unacknowledged).
What was not acknowledged is re-sent once on a fresh connection, then reported undelivered (so it is
retried or dead-lettered: at least once, never silently lost). Certificate errors are not retried.
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import socket
import ssl
import struct
import termios
import time
from collections.abc import Sequence

from forwarder.retry import Failure, describe
from forwarder.sinks.base import close_quietly, connect, time_left

log = logging.getLogger("forwarder")

CHUNK_BYTES = 64 * 1024
#: Seconds a UDP send waits after its last datagram for an ICMP refusal (loopback: microseconds; a LAN: < 1 ms).
UDP_SETTLE = 0.05


class SyslogSink:
    """Sends syslog messages to host:port over "udp", "tcp" or "tls".

    Args:
        transport: "udp", "tcp" or "tls".
        host, port: the receiver.
        ssl_context: for "tls", the verifying client context (see `forwarder.runtime.tls`).
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

    def close(self, polite: bool = True) -> None:
        """Close the connection; over TLS, when `polite` (the connection still works), send `close_notify`
        first (RFC 5425 section 4.4: the client MUST; `base.close_quietly`)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            close_quietly(sock, polite)

    def _send_datagrams(self, payloads: Sequence[bytes], deadline: float | None) -> None:
        try:
            if self._sock is None:
                self._sock = self._open_udp()
            sock = self._sock
            stale = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)  # reading it clears it
            if stale:
                log.warning("syslog udp: a refusal (%s) arrived after an earlier send had ended", os.strerror(stale))
            for payload in payloads:
                sock.send(payload)
            _await_refusal(sock, UDP_SETTLE)
        except OSError as exc:
            self.close()
            why = (
                " (ICMP port unreachable: no receiver on that port)" if isinstance(exc, ConnectionRefusedError) else ""
            )
            raise Failure(describe(exc) + why, delivered=0) from exc

    def _open_udp(self) -> socket.socket:
        family, kind, proto, _, address = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.connect(address)
        return sock

    def _send_stream(self, payloads: Sequence[bytes], deadline: float | None) -> None:
        chunks = _chunks(payloads)  # (first, count): framed only when written, one chunk at a time
        done = 0  # chunks the receiver acknowledged
        for attempt in (1, 2):
            sock = None
            marks: list[tuple[int, int]] = []  # (connection write offset after the chunk, chunk index)
            try:
                sock = self._connected(deadline)
                for index in range(done, len(chunks)):
                    sock.settimeout(time_left(self.timeout, deadline))
                    first, count = chunks[index]
                    sock.sendall(_framed(payloads[first : first + count]))
                    marks.append((_written(sock), index))
                if marks:
                    self._await_acknowledged(sock, deadline)
                return
            except OSError as exc:
                acked = _acked(sock) if sock is not None else None
                for offset, index in marks:
                    if acked is not None and offset is not None and acked >= offset:
                        done = index + 1
                self.close(polite=False)
                untrusted = isinstance(exc, ssl.SSLCertVerificationError)
                if attempt == 2 or untrusted:
                    delivered = sum(count for _, count in chunks[:done])
                    raise Failure(describe(exc), delivered=delivered, permanent=untrusted) from exc

    def _await_acknowledged(self, sock: socket.socket, deadline: float | None) -> None:
        """Wait until the receiver's TCP acknowledged everything written: the send queue is empty
        (Linux SIOCOUTQ counts the bytes written and not yet acknowledged).

        Raises:
            TimeoutError: not acknowledged within the timeout / deadline (a stalled receiver).
            ConnectionResetError: the receiver closed or reset the connection first.
        """
        end = time.monotonic() + time_left(self.timeout, deadline)
        pause = 0.0005
        while True:
            queued = _queued(sock)
            if not queued:
                return  # all acknowledged (or no SIOCOUTQ on this platform: a completed write is the best we know)
            error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                raise OSError(error, os.strerror(error))
            if not self._alive(sock):
                raise ConnectionResetError("the receiver closed the connection before acknowledging")
            if time.monotonic() >= end:
                raise TimeoutError(f"the receiver did not acknowledge {queued} bytes in time")
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def _connected(self, deadline: float | None) -> socket.socket:
        if self._sock is not None and self._alive(self._sock):
            return self._sock
        self.close(polite=False)
        context = self._ssl_context if self.transport == "tls" else None
        self._sock = connect(self.host, self.port, time_left(self.timeout, deadline), context)
        return self._sock

    @staticmethod
    def _alive(sock: socket.socket) -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return True
            timeout = sock.gettimeout()
            sock.setblocking(False)
            try:
                return bool(sock.recv(1024))
            finally:
                sock.settimeout(timeout)  # setblocking(True) would drop the timeout
        except (ssl.SSLWantReadError, BlockingIOError):
            return True  # TLS records without application data (session tickets)
        except (OSError, ValueError):
            return False


def _await_refusal(sock: socket.socket, seconds: float) -> None:
    """Wait up to `seconds` for an ICMP error on a connected UDP socket.

    Raises:
        OSError (ConnectionRefusedError): the receiver's host refused a datagram.
    """
    readable, _, _ = select.select([sock], [], [], seconds)  # a pending socket error makes it readable
    if readable:
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise OSError(error, os.strerror(error))  # OSError(ECONNREFUSED, ...) is a ConnectionRefusedError


# struct tcp_info (linux/tcp.h): tcpi_bytes_acked is a u64 at byte 120 (Linux >= 4.2).
_TCP_INFO_SIZE = 256
_BYTES_ACKED_OFFSET = 120


def _acked(sock: socket.socket) -> int | None:
    """Bytes of this connection the peer's TCP acknowledged (the SYN counts 1), or None if unknown."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
    except (OSError, AttributeError, ValueError):
        return None
    if len(info) < _BYTES_ACKED_OFFSET + 8:
        return None
    return struct.unpack_from("Q", info, _BYTES_ACKED_OFFSET)[0]


def _queued(sock: socket.socket) -> int | None:
    """Bytes written to the connection and not yet acknowledged by the peer (Linux SIOCOUTQ), or None."""
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
    except OSError:
        return None


def _written(sock: socket.socket) -> int | None:
    """The connection's write offset on the same scale as `_acked`: acknowledged + still queued bytes.

    Two reads, and the peer may acknowledge between them. Acknowledged bytes are read before and
    after the queue: when they did not move, the sum is exact. When acknowledgements keep arriving,
    the queue read first (before the later acknowledged count) makes the sum too large, never too
    small: a chunk may count delivered late (re-sent after a failure), never early.
    """
    for _ in range(8):
        before = _acked(sock)
        queued = _queued(sock)
        after = _acked(sock)
        if before is None or queued is None or after is None:
            return None
        if before == after:
            break
    return after + queued


def _framed(payloads: Sequence[bytes]) -> bytes:
    """Octet-counted frames `LEN SP MSG` of the payloads, back to back (one copy of each payload)."""
    parts: list[bytes] = []
    for payload in payloads:
        parts += (b"%d " % len(payload), payload)
    return b"".join(parts)


def _chunks(payloads: Sequence[bytes]) -> list[tuple[int, int]]:
    """Group payloads into (first index, count) chunks whose octet-counted frames (`LEN SP MSG`) make
    about CHUNK_BYTES, never splitting a frame. Only indexes: no copy of the payloads is held."""
    chunks: list[tuple[int, int]] = []
    start, size = 0, 0
    for index, payload in enumerate(payloads):
        frame = len(payload) + len(str(len(payload))) + 1
        if size and size + frame > CHUNK_BYTES:
            chunks.append((start, index - start))
            start, size = index, 0
        size += frame
    if start < len(payloads):
        chunks.append((start, len(payloads) - start))
    return chunks
