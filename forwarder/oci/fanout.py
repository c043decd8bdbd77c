"""The one fan-out over shards (regions, compartments, hours, queries): a few threads read, the caller consumes.

`fan_out(shards, produce, workers)` runs `produce(shard)` (an iterator of items, e.g. pages of events)
on up to `workers` threads and yields `(shard, item)` to the calling thread, which alone delivers, so
sinks are used from one thread. Memory is bounded: a worker waits while its items are not taken.
- unordered (the collector): items as they come, at most `2 x workers` waiting;
- `ordered=True` (the change report): every item of shard i before any of shard i+1, each shard at most
  `ahead` items and `workers` shards ahead of the caller, so the same input gives the same output.
A shard whose `produce` raises gives one last item, `on_error(shard, exc)`: one failing shard never
stops the others. When the caller stops early (it raised, or closed the generator), the workers are
told to stop, their waiting items are dropped, and every worker thread has ended before the generator
returns: no thread outlives the run in a warm container.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

S = TypeVar("S")
T = TypeVar("T")

_DONE = object()  #: a shard's end marker


class _Stopped(Exception):
    """The caller stopped: the worker leaves at once."""


def fan_out(
    shards: Sequence[S],
    produce: Callable[[S], Iterable[T]],
    workers: int,
    *,
    on_error: Callable[[S, Exception], T],
    ordered: bool = False,
    ahead: int = 2,
) -> Iterator[tuple[S, T]]:
    """Yield `(shard, item)` for every item `produce(shard)` gives, read by up to `workers` threads.

    Args:
        shards: what to read, in order.
        produce: one shard's items (runs on a worker thread).
        workers: threads at most (one per shard when there are fewer shards).
        on_error: the last item of a shard whose `produce` raised.
        ordered: shard by shard in the order given (else as they come).
        ahead: items of one shard read ahead of the caller (ordered only).
    """
    shards = list(shards)
    if not shards:
        return
    count = max(1, min(workers, len(shards)))
    stop = threading.Event()
    turn = threading.Condition()
    progress = {"next": 0, "consumed": 0}
    outs = [queue.Queue(maxsize=ahead) for _ in shards] if ordered else [queue.Queue(maxsize=2 * count)]

    def put(index: int, item) -> None:
        if stop.is_set():
            raise _Stopped
        outs[index if ordered else 0].put(item)  # the caller drains on stop, so this returns
        if stop.is_set():
            raise _Stopped

    def take() -> int | None:
        with turn:
            index = progress["next"]
            if index >= len(shards) or stop.is_set():
                return None
            progress["next"] += 1
            while ordered and index >= progress["consumed"] + count and not stop.is_set():
                turn.wait()
            return None if stop.is_set() else index

    def work() -> None:
        while (index := take()) is not None:
            shard, items = shards[index], None
            try:
                items = iter(produce(shard))
                for item in items:
                    put(index, (shard, item))
            except _Stopped:
                return
            except Exception as exc:
                try:
                    put(index, (shard, on_error(shard, exc)))
                except _Stopped:
                    return
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()
            try:
                put(index, _DONE)
            except _Stopped:
                return

    threads = [threading.Thread(target=work, name=f"fanout-{n}") for n in range(count)]
    for thread in threads:
        thread.start()
    try:
        if ordered:
            for index in range(len(shards)):
                while (got := outs[index].get()) is not _DONE:
                    yield got
                with turn:
                    progress["consumed"] = index + 1
                    turn.notify_all()
        else:
            done = 0
            while done < len(shards):
                got = outs[0].get()
                if got is _DONE:
                    done += 1
                else:
                    yield got
    finally:
        stop.set()
        with turn:
            turn.notify_all()
        while any(thread.is_alive() for thread in threads):
            for out in outs:  # free any worker waiting to put
                while True:
                    try:
                        out.get_nowait()
                    except queue.Empty:
                        break
            for thread in threads:
                thread.join(0.01)
