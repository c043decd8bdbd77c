"""The log sink: one payload per line on standard output (the function's log in OCI Functions)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO


class LogSink:
    """Writes each payload as one line to `stream` (default: sys.stdout at send time)."""

    name = "log"
    max_payload_bytes = None

    def __init__(self, stream: TextIO | None = None):
        self._stream = stream

    def send(self, payloads: Sequence[bytes], deadline: float | None = None) -> None:
        stream = self._stream or sys.stdout
        stream.write("".join(p.decode("utf-8", "replace") + "\n" for p in payloads))
        stream.flush()

    def close(self) -> None:
        pass
