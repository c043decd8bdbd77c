"""Files and standard input, read incrementally in bounded batches (`python -m forwarder replay`).

A file is JSON lines when its first non-blank line is a JSON value by itself (one event, a
Connector Hub batch, a Logging Search page per line): it is read line by line and handed on in
batches of at most `BATCH_ITEMS` items (or `BATCH_BYTES` of lines), so memory does not grow with the
file. Any other file is one JSON document (a pretty-printed event, batch or Logging Search response):
it is read whole, as the function reads an invocation body, and its items handed on in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from forwarder.sources.body import Item, loads, read_body, read_line

#: Most items (events and rejects) per batch.
BATCH_ITEMS = 1000
#: Most bytes of lines read into one batch.
BATCH_BYTES = 8 * 1024 * 1024


def read_batches(stream: BinaryIO, items: int = BATCH_ITEMS, size: int = BATCH_BYTES) -> Iterator[list[Item]]:
    """The items of a file (see `forwarder.sources.read_body` for what they are), in order, in
    lists of at most `items` items (a line holding a batch may add more at once).

    Args:
        stream: a binary file object, read once from its current position.
    """
    number = 0
    for line in stream:
        number += 1
        if not line.isspace():  # isspace() stops at the first other byte; strip() would copy the line
            break
    else:
        return
    try:
        loads(line)
    except (ValueError, RecursionError):
        body = line + stream.read()  # one document over several lines: read whole
        batch = list(read_body(body))
        del body
        for start in range(0, len(batch), items):
            yield batch[start : start + items]
        return
    batch: list[Item] = []
    read = 0
    read_line(line, number, batch)
    for line in stream:
        number += 1
        if line.isspace():
            continue
        read_line(line, number, batch)
        read += len(line)
        if len(batch) >= items or read >= size:
            yield batch
            batch, read = [], 0
    if batch:
        yield batch
