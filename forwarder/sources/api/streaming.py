"""OCI Streaming read as one instance of a consumer group (Streaming API 20180418, `oci.streaming`).

`GroupConsumer` joins the group on a stream (GetStream for the stream's messages endpoint, then
CreateGroupCursor with `commitOnGet` false, so nothing is committed behind our back), reads batches with
GetMessages (each call returns messages of one partition; the next cursor comes in `opc-next-cursor`),
and commits with ConsumerCommit only when the caller says the batch was delivered or dead-lettered. While
the caller delivers, `heartbeat()` (ConsumerHeartbeat) keeps the instance's partition reservations: an
instance silent for the group's timeout loses them to the other instances. Commit and heartbeat answer a
new cursor, which replaces the one held. Every call goes through `forwarder.oci.calls.call` (one retry
rule, the caller's deadline). A message is `{stream, partition, key, value (base64), offset, timestamp}`,
the shape Connector Hub delivers, so `sources.body.unwrap` decodes it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from forwarder.oci.calls import call


class GroupConsumer:
    """One instance of consumer group `group` on `stream`.

    Args:
        clients: `forwarder.oci.clients.Clients` (the collector's principal: `use stream-pull`).
        stream: the stream OCID; region: its region.
        group, instance: the consumer group and this instance's name (unique among the group's live
            instances: the collector's lease owner id).
        settings: `collect.stream_config.StreamSettings`: `start` (TRIM_HORIZON or LATEST, used by the
            service only when the group is new), `batch` (messages a GetMessages, at most) and `timeout`
            (seconds of silence after which the group gives this instance's partitions away).
        deadline: time.monotonic() after which no call is retried; counter: `calls.Counter`.
    Raises (every method):
        retry.Failure: a call failed (permanently, or transiently past its retries or the deadline).
    """

    def __init__(
        self, clients, stream: str, region: str, group: str, instance: str, settings, deadline=None, counter=None
    ):
        self.clients = clients
        self.stream = stream
        self.region = region
        self.group = group
        # letters, digits, '-' and '_' only: the run's owner id (`host:pid:random`) is made safe for the API
        self.instance = re.sub(r"[^A-Za-z0-9_-]", "-", instance)[:128]
        self.start = settings.start
        self.batch = settings.batch
        self.timeout = settings.timeout
        self.deadline = deadline
        self.counter = counter
        self.cursor: str | None = None  #: the group cursor held (the position after the last batch read)
        self._client = None
        self._lock = threading.Lock()  # heartbeats come from the reading thread while it waits

    def open(self) -> None:
        """Join the group: GetStream (the messages endpoint), then CreateGroupCursor."""
        import oci

        admin = self.clients.get("streaming-admin", self.region)
        stream = call(admin.get_stream, self.stream, deadline=self.deadline, counter=self.counter).data
        endpoint = stream.get("messagesEndpoint") if isinstance(stream, dict) else None
        if not endpoint:
            raise ValueError(f"stream {self.stream}: GetStream named no messagesEndpoint")
        self._client = self.clients.get("streaming", self.region, endpoint=endpoint)
        details = oci.streaming.models.CreateGroupCursorDetails(
            type=self.start,
            group_name=self.group,
            instance_name=self.instance,
            timeout_in_ms=self.timeout * 1000,
            commit_on_get=False,
        )
        response = call(
            self._client.create_group_cursor, self.stream, details, deadline=self.deadline, counter=self.counter
        )
        self.cursor = _value(response.data)

    def read(self) -> list[dict[str, Any]]:
        """The next batch (messages of one partition, in offset order; [] when none is waiting), and the
        cursor moved past it: the batch is committed by `commit()`, or read again by the group later."""
        with self._lock:
            response = call(
                self._client.get_messages,
                self.stream,
                self.cursor,
                limit=self.batch,
                deadline=self.deadline,
                counter=self.counter,
            )
            self.cursor = response.headers.get("opc-next-cursor") or self.cursor
        messages = response.data
        return messages if isinstance(messages, list) else []

    def commit(self) -> None:
        """Commit every batch read so far (ConsumerCommit)."""
        with self._lock:
            response = call(
                self._client.consumer_commit, self.stream, self.cursor, deadline=self.deadline, counter=self.counter
            )
            self.cursor = _value(response.data) or self.cursor

    def heartbeat(self) -> None:
        """Keep this instance's partitions (ConsumerHeartbeat); commits nothing."""
        with self._lock:
            response = call(
                self._client.consumer_heartbeat, self.stream, self.cursor, deadline=self.deadline, counter=self.counter
            )
            self.cursor = _value(response.data) or self.cursor


def _value(data: Any) -> str | None:
    """A Cursor's `value` (the REST body `{"value": ...}`)."""
    return data.get("value") if isinstance(data, dict) else None
