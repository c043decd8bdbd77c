"""The log sink: one payload per line on standard output (the function's log in OCI Functions).

Payloads are UTF-8 bytes (every format writes valid UTF-8): they are written as they are to the
stream's file descriptor, with no decoding and no copy beyond one joined write per call. The write is
our own loop over `os.write`: a BufferedWriter interrupted by a signal that has a Python handler (the
CLI's Ctrl-C) in the middle of a large write to a full pipe drops what it had not written yet.
"""

from __future__ import annotations

import io
import os
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
        if not payloads:
            return
        data = b"\n".join([*payloads, b""])  # ends with a newline
        binary = getattr(stream, "buffer", None)
        if binary is None:  # a text stream with no buffer (io.StringIO in tests)
            stream.write(data.decode("utf-8", "replace"))
            stream.flush()
            return
        stream.flush()  # what was written as text goes first
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):  # a captured stream with no descriptor
            binary.write(data)
            binary.flush()
            return
        view = memoryview(data)
        while view:  # os.write may write part of it (a pipe, a signal); EINTR itself is retried (PEP 475)
            view = view[os.write(fd, view) :]

    def close(self) -> None:
        pass
