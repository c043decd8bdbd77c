"""A collection run's `stream` shards: one OCI stream read as an instance of the consumer group.

The group's committed offsets are the checkpoint (no lease or checkpoint object: the group's partition
reservations keep two collectors off the same partition). Batch by batch: read (one partition), hand the
batch to the delivering thread as a Page whose `commit` commits the group cursor, then wait until it was
delivered, sending heartbeats meanwhile so slow sinks being retried do not cost the partitions. A batch
not wholly delivered or dead-lettered is not committed and ends the shard: the group gives it again
(at least once); nothing after it is read in this run, so nothing after it is committed either. A message
that is not an event (not base64, not JSON) is a reject, dead-lettered with its reason, and the partition
goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from forwarder.collect.steps import STOPPED, End, Page, State
from forwarder.oci.auth import AuthError
from forwarder.retry import Failure, describe
from forwarder.sources.api.streaming import GroupConsumer
from forwarder.sources.body import unwrap

log = logging.getLogger("forwarder")

#: Empty reads in a row after which a run ends the stream's shard (each read asks one partition).
EMPTY_READS = 2


def read(collector, shard, context, reserve: float) -> Iterator[Page | End]:
    """The Pages of `shard` (`Shard("stream", region, stream OCID)`), then its End; runs on a worker thread.

    Args:
        collector: the `run.Collector` (settings, counter); context: the run's `steps.Context`.
        reserve: seconds before the run's deadline when calls stop being retried.
    """
    state = State(shard)
    settings = collector.settings.streams
    deadline = context.deadline
    consumer = GroupConsumer(
        context.targets[shard.tenancy].clients,
        shard.scope,
        shard.region,
        settings.group,
        context.owner,
        settings,
        None if deadline is None else deadline - reserve,
        collector.counter,
    )
    name = shard.scope.rsplit(".", 1)[-1][-12:]
    try:
        consumer.open()
        empty = 0
        while empty < EMPTY_READS:
            if context.stopped() or (context.stop_new is not None and time.monotonic() >= context.stop_new):
                why = STOPPED if context.stopped() else "the run's deadline is near"
                yield End(state, f"deferred: {why}")
                return
            messages = consumer.read()
            if not messages:
                empty += 1
                continue
            empty = 0
            items = []
            for message in messages:
                where = f"message {message.get('partition')}/{message.get('offset')} of stream ...{name}"
                items += unwrap(message, where)
            state.read += len(messages)
            done = threading.Event()
            yield Page(state, items, {}, consumer.commit, done)
            while not done.wait(max(settings.timeout / 3.0, 0.2)):  # delivering: keep the partitions
                if context.ending is not None and context.ending.is_set():
                    return
                try:
                    consumer.heartbeat()
                except Failure as exc:
                    log.warning("collect %s: heartbeat failed: %s", shard.key, exc.reason)
            if state.undelivered:
                yield End(state, "failed: a batch was neither delivered nor kept: not committed, read again next run")
                return
        yield End(state, None)
    except (Failure, AuthError, ValueError) as exc:
        yield End(state, f"failed: {getattr(exc, 'reason', None) or exc}")
    except Exception as exc:  # a bug must not hang the run: the shard is reported, the others go on
        log.exception("collecting %s", shard.key)
        yield End(state, f"failed: {describe(exc)}")
