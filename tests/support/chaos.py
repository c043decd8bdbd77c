"""A loopback TCP syslog receiver that misbehaves on purpose.

Modes:
- "reset": accepts each connection and resets it at once (SO_LINGER 0), never reading.
- "stall": accepts and never reads, so the sender's buffers fill and writes block.
- "die_after": reads octet-counted frames (RFC 6587) and, after `frames` of them, closes the
  connection and stops listening, like a receiver killed half-way through a batch.
"""

from __future__ import annotations

import socket
import struct
import threading


class ChaosReceiver:
    def __init__(self, mode: str, frames: int = 0):
        self.mode = mode
        self.limit = frames
        self.received: list[bytes] = []
        self.connections = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif self.mode == "stall":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                self._held.append(conn)
            else:
                self._read_then_die(conn)
                return

    def _read_then_die(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while len(self.received) < self.limit:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                while b" " in buffer[:12]:
                    length, _, rest = buffer.partition(b" ")
                    if len(rest) < int(length):
                        break
                    self.received.append(rest[: int(length)])
                    buffer = rest[int(length) :]
                    if len(self.received) >= self.limit:
                        break
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.listener.close()  # killed: later connections are refused

    def close(self) -> None:
        self._stop.set()
        for conn in self._held:
            conn.close()
        try:
            self.listener.close()
        except OSError:
            pass
