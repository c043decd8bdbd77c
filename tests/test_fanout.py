"""The one fan-out over shards: order, bounded read-ahead, failures as items, no thread left behind."""

from __future__ import annotations

import threading
import time

import pytest

from forwarder.oci.fanout import fan_out


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("fanout-")}


def test_ordered_gives_every_item_shard_by_shard_whatever_the_speed_of_each():
    def produce(shard):
        for page in range(3):
            time.sleep(0.01 * (5 - shard))  # the first shards are the slowest
            yield (shard, page)

    got = [item for _, item in fan_out(range(5), produce, 3, on_error=lambda s, e: None, ordered=True)]
    assert got == [(s, p) for s in range(5) for p in range(3)]


def test_unordered_gives_every_item_once():
    got = sorted(item for _, item in fan_out(range(8), lambda s: [s * 10, s * 10 + 1], 3, on_error=lambda s, e: e))
    assert got == sorted(x for s in range(8) for x in (s * 10, s * 10 + 1))


@pytest.mark.parametrize("ordered", [False, True])
def test_a_failing_shard_gives_its_error_as_an_item_and_the_others_go_on(ordered):
    def produce(shard):
        if shard == 2:
            raise RuntimeError("shard 2 broke")  # raised before it yields anything
        yield shard

    def broken_at_once(shard):  # not a generator: raises when called
        raise ValueError("no")

    got = list(fan_out(range(4), produce, 2, on_error=lambda s, e: f"failed: {e}", ordered=ordered))
    assert sorted(map(str, (item for _, item in got))) == ["0", "1", "3", "failed: shard 2 broke"]
    assert [item for _, item in fan_out([1], broken_at_once, 1, on_error=lambda s, e: str(e))] == ["no"]
    assert not _threads()


@pytest.mark.parametrize("ordered", [False, True])
def test_a_caller_that_stops_early_leaves_no_worker_behind(ordered):
    produced = []

    def produce(shard):
        for page in range(1000):
            produced.append(1)
            yield page

    stream = fan_out(range(6), produce, 3, on_error=lambda s, e: None, ordered=ordered, ahead=2)
    next(stream)
    stream.close()  # as when the caller raised
    assert not _threads()
    assert len(produced) < 50  # bounded: the workers waited for the caller instead of reading ahead
