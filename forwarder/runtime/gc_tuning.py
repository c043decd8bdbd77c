"""Cyclic garbage collection tuned for the data path (called once, after the pipeline is built).

Decoding a batch allocates hundreds of thousands of short-lived containers (event dicts and lists)
that hold no reference cycles and are freed by reference counting. With the default threshold (a
collection every 700 allocations) the collector runs thousands of times per batch for nothing, and its
full passes walk everything alive. Raising the first threshold and freezing what start-up created
(modules, settings, connections) removes most of that work; cycles are still collected. While one
bounded batch is processed, collection is paused altogether (`paused`): what the batch leaves in
cycles (an exception's traceback) is collected after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations (minus frees) between two young-generation collections (the default is 700).
YOUNG_THRESHOLD = 20_000


def tune() -> None:
    """Freeze the objects alive now out of collection, and collect the young generation less often.
    No full collection first: it would walk every object start-up made (4 ms of each cold start) to free
    the few cycles imports leave, which then stay frozen."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block (one bounded batch); the previous state after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
