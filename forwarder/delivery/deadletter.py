"""Dead-letter: what cannot be delivered is kept in an Object Storage bucket, never dropped.

One object per invocation and sink, NDJSON, one line per event:
`{"time", "sink", "eventId", "reason", "attempts", "event"}` (`event` is `Record.kept`: the original
event with credentials redacted, or a detection record; a body that could not be parsed is kept as
`raw`, its text, or `rawBase64`). Every line is scrubbed of secret values and credential patterns
(`forwarder.runtime.scrub`) before it is written.

Object names sort by time and are unique: `dead-letter/YYYY/MM/DD/HHMMSS.mmmZ-<sink>-<random>.ndjson`.
They are written with `If-None-Match: *` so nothing is ever overwritten (Object Storage PutObject).
Written through the real OCI SDK with the resource-principal signer; `oci` is imported on first use.
Each request's timeout is bounded by the time left before the invocation deadline, so keeping
events never outlasts the invocation (the pipeline stops sending `RESERVE` seconds before it).
"""

from __future__ import annotations

import base64
import os
import time
from datetime import UTC, datetime
from typing import Any

from forwarder.jsoncodec import dumps_lenient, loads
from forwarder.normalize.credentials import scrub_bytes
from forwarder.runtime import oci_auth
from forwarder.runtime.scrub import scrub

PREFIX = "dead-letter/"
#: Seconds the pipeline keeps back from the deadline for writing dead letters.
RESERVE = 3.0


class DeadLetterError(RuntimeError):
    """The dead-letter object could not be written (the events are then neither delivered nor kept)."""


def entry(
    sink: str, event_id: str | None, reason: str, attempts: int, event: Any = None, raw: bytes | None = None
) -> dict:
    """One dead-letter line (a dict), stamped with the current UTC time."""
    line: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "sink": sink,
        "eventId": event_id,
        "reason": scrub(reason),
        "attempts": attempts,
    }
    if raw is not None:
        try:
            line["raw"] = raw.decode("utf-8")
        except UnicodeDecodeError:  # kept as base64, so masked here: the line scrub cannot see into it
            line["rawBase64"] = base64.b64encode(scrub_bytes(raw)).decode()
    else:
        line["event"] = event
    return line


def object_name(sink: str, now: datetime | None = None) -> str:
    """A time-sortable, unique object name for one invocation's dead letters of one sink."""
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y/%m/%d/%H%M%S.") + f"{now.microsecond // 1000:03d}Z"
    safe_sink = "".join(c if c.isalnum() else "-" for c in sink)
    return f"{PREFIX}{stamp}-{safe_sink}-{os.urandom(6).hex()}.ndjson"


class DeadLetter:
    """Writes, lists, reads and deletes dead-letter objects in one bucket.

    Args:
        bucket: the bucket name (DEAD_LETTER_BUCKET).
        namespace: the Object Storage namespace (DEAD_LETTER_NAMESPACE); looked up once when None.
        endpoint: service endpoint override (OCI_OBJECTSTORAGE_ENDPOINT).
        timeout: connect and read timeout of each request, seconds.
    """

    def __init__(self, bucket: str, namespace: str | None = None, endpoint: str | None = None, timeout: float = 10.0):
        self.bucket = bucket
        self.namespace = namespace
        self.endpoint = endpoint
        self.timeout = timeout
        self._client = None

    def _object_storage(self, deadline: float | None = None):
        """The client, its per-request timeout cut to what is left before `deadline` (seconds, monotonic)."""
        if self._client is None:
            import oci

            # No SDK retries: the pipeline already spent the deadline; a failure must surface now.
            self._client = oci_auth.client(
                oci.object_storage.ObjectStorageClient,
                endpoint=self.endpoint,
                timeout=self.timeout,
                retry_strategy=oci.retry.NoneRetryStrategy(),
            )
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0.05:
            raise TimeoutError("no time left before the invocation deadline")
        oci_auth.cap_timeout(self._client, self.timeout, left)
        if self.namespace is None:
            self.namespace = self._client.get_namespace().data
        return self._client

    def keep(self, sink: str, entries: list[dict], deadline: float | None = None) -> str:
        """Write `entries` as one new NDJSON object before `deadline`; return its name.

        Raises:
            DeadLetterError: the object could not be written in time (HTTP status and code named).
        """
        name = object_name(sink)
        # every line scrubbed (secret values and credential patterns), whatever shape the event had
        body = "".join(scrub(dumps_lenient(e)) + "\n" for e in entries).encode("utf-8", "backslashreplace")
        try:
            client = self._object_storage(deadline)
            client.put_object(self.namespace, self.bucket, name, body, content_type="application/x-ndjson",
                              if_none_match="*")  # fmt: skip
        except Exception as exc:
            raise DeadLetterError(
                f"cannot write dead-letter object to bucket {self.bucket}: {oci_auth.describe_error(exc)}"
            ) from None
        return name

    def list(self) -> list[str]:
        """Names of the dead-letter objects, oldest first."""
        client = self._object_storage()
        names: list[str] = []
        start = None
        while True:
            page = client.list_objects(self.namespace, self.bucket, prefix=PREFIX, start=start).data
            names += [o.name for o in page.objects]
            start = page.next_start_with
            if not start:
                return sorted(names)

    def read(self, name: str) -> list[dict]:
        """The entries of one dead-letter object."""
        response = self._object_storage().get_object(self.namespace, self.bucket, name)
        return [loads(line) for line in response.data.content.split(b"\n") if line.strip()]  # not splitlines: U+2028

    def delete(self, name: str) -> None:
        self._object_storage().delete_object(self.namespace, self.bucket, name)
