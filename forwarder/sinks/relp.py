"""The RELP sink: syslog messages over the Reliable Event Logging Protocol (librelp's RELP, as rsyslog's
`imrelp` serves it), plain or over TLS.

Syslog over TCP has no application acknowledgement: what the receiver's kernel acknowledged and the
receiver never read is lost when it dies. RELP answers every message: each frame is
`TXNR SP COMMAND SP DATALEN [SP DATA] LF`, the client numbers its transactions (1 .. 999999999, then
1 again), and the server answers each with `TXNR rsp DATALEN 200 OK`. A session starts with `open`
(offering `relp_version=0`, `commands=syslog`), carries `syslog` commands, and ends with `close`; the
server may end it with `serverclose`.

A message counts as delivered only when its transaction was answered `200`. Up to `window` transactions
are in flight at once. When the connection fails, what was answered stays delivered; the rest is sent
again once on a new session, then reported undelivered (so it is retried or dead-lettered). Duplicates
can only be messages that were sent and not answered.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Sequence

from forwarder import __version__
from forwarder.retry import Failure, describe
from forwarder.sinks.base import close_quietly, connect, time_left

#: Transactions sent and not yet answered, at most (librelp's own default window is 128).
WINDOW = 128
_MAX_TXNR = 999_999_999
_OFFER = b"relp_version=0\nrelp_software=oci-security-forwarder," + __version__.encode() + b"\ncommands=syslog"


class RelpError(OSError):
    """The server answered a transaction with an error status, or broke the protocol."""


class RelpSink:
    """Sends syslog messages to a RELP server at host:port.

    Args:
        host, port: the receiver (rsyslog `imrelp`, or any RELP server).
        ssl_context: a verifying client context for RELP over TLS, else None.
        timeout: seconds for connect and for each read or write.
        window: most transactions in flight at once.
    """

    name = "syslog"
    max_payload_bytes = None

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 10.0,
        window: int = WINDOW,
    ):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.window = window
        self._ssl_context = ssl_context
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._txnr = 0

    def send(self, payloads: Sequence[bytes], deadline: float | None = None) -> None:
        done = 0  # payloads answered 200, in order
        for attempt in (1, 2):
            answered: set[int] = set()
            try:
                self._session(deadline)
                self._transact(payloads, done, answered, deadline)
                return
            except OSError as exc:
                while done in answered:
                    done += 1
                self.close(polite=False)
                untrusted = isinstance(exc, ssl.SSLCertVerificationError)
                refused = isinstance(exc, RelpError)
                if attempt == 2 or untrusted or refused:
                    raise Failure(describe(exc), delivered=done, permanent=untrusted) from exc

    def close(self, polite: bool = True) -> None:
        """End the session (`close`, when `polite` and the connection still works) and the connection."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            if polite:
                sock.settimeout(min(self.timeout, 1.0))
                sock.sendall(self._frame(b"close", b""))
        except OSError:
            pass
        finally:
            close_quietly(sock, polite)
            self._buffer.clear()

    def _session(self, deadline: float | None) -> None:
        """An open session: the kept one when it is still alive, else a new connection and `open`."""
        if self._sock is not None and _alive(self._sock):
            return
        self.close(polite=False)
        sock = self._sock = connect(self.host, self.port, time_left(self.timeout, deadline), self._ssl_context)
        self._txnr = 0
        sock.sendall(self._frame(b"open", _OFFER))
        txnr, command, data = self._read(deadline)
        if command != b"rsp" or txnr != self._txnr or not data.startswith(b"200"):
            raise RelpError(f"the RELP server refused the session: {_text(command, data)}")

    def _transact(self, payloads: Sequence[bytes], start: int, answered: set[int], deadline: float | None) -> None:
        """Send payloads[start:] as `syslog` transactions; return when every one was answered 200."""
        assert self._sock is not None
        pending: dict[int, int] = {}  # txnr -> payload index
        index = start
        while index < len(payloads) or pending:
            frames = []
            while index < len(payloads) and len(pending) + len(frames) < self.window:
                frames.append(self._frame(b"syslog", payloads[index]))
                pending[self._txnr] = index
                index += 1
            if frames:
                self._sock.settimeout(time_left(self.timeout, deadline))
                self._sock.sendall(b"".join(frames))
            txnr, command, data = self._read(deadline)
            if command == b"serverclose":
                raise ConnectionResetError("the RELP server closed the session (serverclose)")
            if command != b"rsp" or txnr not in pending:
                raise RelpError(f"unexpected RELP frame {txnr} {_text(command, data)}")
            if not data.startswith(b"200"):
                raise RelpError(f"the RELP server refused message {pending[txnr] + 1}: {_text(command, data)}")
            answered.add(pending.pop(txnr))

    def _frame(self, command: bytes, data: bytes) -> bytes:
        self._txnr = self._txnr % _MAX_TXNR + 1
        head = b"%d %s %d" % (self._txnr, command, len(data))
        return head + (b" " + data if data else b"") + b"\n"

    def _read(self, deadline: float | None) -> tuple[int, bytes, bytes]:
        """One frame from the server: (txnr, command, data).

        Raises:
            ConnectionResetError: the server closed the connection; TimeoutError: no frame in time;
            RelpError: not a RELP frame.
        """
        assert self._sock is not None
        while True:
            frame = _parse(self._buffer)
            if frame is not None:
                return frame
            if len(self._buffer) > 1 << 20:
                raise RelpError("a RELP answer of more than 1 MiB")
            self._sock.settimeout(time_left(self.timeout, deadline))
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("the RELP server closed the connection")
            self._buffer += chunk


def _parse(buffer: bytearray) -> tuple[int, bytes, bytes] | None:
    """Take one complete frame off the front of `buffer`, or None when it holds no complete frame yet."""
    parts = bytes(buffer[:64]).split(b" ", 3)
    if len(parts) < 3 or (len(parts) == 3 and b"\n" not in parts[2]):
        if len(buffer) > 64:
            raise RelpError(f"not a RELP frame: {bytes(buffer[:40])!r}")
        return None
    txnr, command = parts[0], parts[1]
    size_text = parts[2].split(b"\n", 1)[0]
    if not (txnr.isdigit() and size_text.isdigit() and command.isalpha()):
        raise RelpError(f"not a RELP frame: {bytes(buffer[:40])!r}")
    size = int(size_text)
    head = len(txnr) + len(command) + len(size_text) + 2
    if size == 0:
        end = head  # no data: the trailer follows the length
    else:
        end = head + 1 + size  # SP DATA
    if len(buffer) < end + 1:
        return None
    data = bytes(buffer[head + 1 : end]) if size else b""
    if buffer[end : end + 1] != b"\n":
        raise RelpError("a RELP frame without its trailer")
    del buffer[: end + 1]
    return int(txnr), command, data


def _alive(sock: socket.socket) -> bool:
    """False when the server closed the kept connection or sent a frame nobody asked for (`serverclose`)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    if not readable or not isinstance(sock, ssl.SSLSocket):
        return not readable
    try:  # TLS: a readable socket may hold only records without application data (session tickets)
        sock.setblocking(False)
        sock.recv(1024)
        return False
    except (ssl.SSLWantReadError, BlockingIOError):
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(None)


def _text(command: bytes, data: bytes) -> str:
    return (command + b" " + data[:200]).decode("utf-8", "replace").replace("\n", " ").strip()
