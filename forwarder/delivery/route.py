"""A route: a format (record -> bytes, optionally joined into batch bodies) and a sink."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from forwarder.normalize.record import Record
from forwarder.runtime.dedupe import Memory
from forwarder.sinks.base import Sink


class Payload(NamedTuple):
    """One unit a sink sends (a syslog message, an HTTP body) and the records it carries."""

    data: bytes
    records: tuple[int, ...]  #: indexes into the records being sent


class Route:
    """A format and a sink.

    Each record is encoded by `item`; with `join`, up to `batch_size` encoded records (and about
    `max_bytes`) make one payload, otherwise each record is one payload. `memory` holds the event
    ids this sink already delivered or kept, so a batch retried by Connector Hub is not sent twice.
    `accepts` (the sink's filter, `forwarder.detect.filter`) decides which records the sink gets at all.
    (A plain class: a dataclass would cost every cold start the `dataclasses` import.)
    """

    __slots__ = ("item", "sink", "join", "batch_size", "max_bytes", "memory", "accepts")

    def __init__(
        self,
        item: Callable[[Record], bytes],
        sink: Sink,
        join: Callable[[Sequence[bytes]], bytes] | None = None,
        batch_size: int = 1,
        max_bytes: int = 5_000_000,
        memory: Memory | None = None,
        accepts: Callable[[dict], bool] | None = None,
    ):
        self.item = item
        self.sink = sink
        self.join = join
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self.memory = Memory() if memory is None else memory
        self.accepts = accepts  #: the sink's filter over `Record.data` (None: every record)

    @property
    def name(self) -> str:
        return self.sink.name

    def payloads(self, encoded: list[tuple[int, bytes]]) -> list[Payload]:
        """Group (record index, encoded record) pairs into payloads. Takes `encoded` over: it is emptied
        as groups are joined, so the records' bytes and the joined bodies are not all held at once."""
        if self.join is None:
            return [Payload(data, (index,)) for index, data in encoded]
        out: list[Payload] = []
        group: list[tuple[int, bytes]] = []
        size = 0
        encoded.reverse()  # pop() from the end: each pair is released once it is in a group
        while encoded:
            index, data = encoded.pop()
            if group and (len(group) >= self.batch_size or size + len(data) > self.max_bytes):
                out.append(self._joined(group))
                group, size = [], 0
            group.append((index, data))
            size += len(data) + 1
        if group:
            out.append(self._joined(group))
        return out

    def _joined(self, group: list[tuple[int, bytes]]) -> Payload:
        assert self.join is not None
        return Payload(self.join([data for _, data in group]), tuple(index for index, _ in group))
