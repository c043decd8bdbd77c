"""Dead-letter: what cannot be delivered is kept in an Object Storage bucket, never dropped.

One object per invocation and sink, NDJSON, one line per event:
`{"time", "sink", "eventId", "reason", "attempts", "event"}` (`event` is `Record.kept`: the original
event with credentials redacted, or a detection record; a body that could not be parsed is kept as
`raw`, its text, or `rawBase64`). Every line is scrubbed of secret values and credential patterns
(`forwarder.runtime.scrub`) before it is written.

Object names sort by day and name what they hold: `dead-letter/YYYY/MM/DD/<sink>-<digest>.ndjson`, the digest
of the sink and the event ids, so the retry of a batch whose dead letters were written (a write that timed out
but landed, an answer lost) writes the same name. They are written with `If-None-Match: *` so nothing is ever
overwritten (Object Storage PutObject), an object already there under that name counts as kept,
through `forwarder.oci.bucket` (the one retry rule; each request's timeout cut to the time left before
the invocation deadline), so keeping events never outlasts the invocation (the pipeline stops sending
`RESERVE` seconds before it).
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from typing import Any

from forwarder.jsoncodec import dumps_lenient, loads
from forwarder.normalize.credentials import scrub_bytes
from forwarder.runtime.scrub import scrub

PREFIX = "dead-letter/"
#: Seconds the pipeline keeps back from the deadline for writing dead letters.
RESERVE = 3.0


class DeadLetterError(RuntimeError):
    """The dead-letter bucket could not be written, listed or read (written: the events are then neither
    delivered nor kept). `status`: the HTTP status Object Storage answered, None when it did not answer."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def entry(
    sink: str,
    event_id: str | None,
    reason: str,
    attempts: int,
    event: Any = None,
    raw: bytes | None = None,
    names: dict | None = None,
) -> dict:
    """One dead-letter line (a dict), stamped with the current UTC time; `names`: what enrichment added to
    the record (`forwarder.enrich.names`), put back when it is replayed."""
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
    if names:
        line["names"] = names
    return line


def object_name(sink: str, entries: list[dict], now: datetime | None = None) -> str:
    """The object name of dead letters of one sink: `dead-letter/YYYY/MM/DD/<sink>-<digest>.ndjson`, the day
    (UTC) of writing and the SHA-256 of the sink and the lines' event ids (sorted), so the same events of the
    same sink kept again the same day (a retried batch) get the same name."""
    import hashlib  # rare: only dead letters need it (cold start)

    now = now or datetime.now(UTC)
    safe_sink = "".join(c if c.isalnum() else "-" for c in sink)
    ids = sorted(str(e.get("eventId")) for e in entries)
    digest = hashlib.sha256("\n".join([sink, *ids]).encode("utf-8", "backslashreplace")).hexdigest()[:32]
    return f"{PREFIX}{now:%Y/%m/%d}/{safe_sink}-{digest}.ndjson"


class DeadLetter:
    """Writes, lists, reads and deletes dead-letter objects in one bucket.

    Args:
        bucket: a `forwarder.oci.bucket.Bucket` (DEAD_LETTER_BUCKET, DEAD_LETTER_NAMESPACE; the function's
            resource principal, OCI_OBJECTSTORAGE_ENDPOINT).
    Every method raises `DeadLetterError` (naming the bucket, the HTTP status and code) when Object
    Storage cannot be reached or refuses.
    """

    def __init__(self, bucket):
        self.bucket = bucket

    def _do(self, what: str, operation, *args, deadline: float | None = None, **kwargs):
        from forwarder.oci.auth import AuthError
        from forwarder.retry import Failure

        if deadline is not None and deadline - time.monotonic() <= 0.05:
            raise DeadLetterError(f"cannot {what} bucket {self.bucket.name}: no time left before the deadline")
        try:
            return operation(*args, deadline=deadline, **kwargs)
        except (Failure, AuthError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeadLetterError(
                f"cannot {what} bucket {self.bucket.name}: {reason}", getattr(exc, "status", None)
            ) from None

    def keep(self, sink: str, entries: list[dict], deadline: float | None = None) -> str:
        """Write `entries` as one new NDJSON object before `deadline` (time.monotonic()); return its name.
        When an object of that name is already there (`object_name`: the same events of the same sink, kept
        by an earlier try of the batch), it is left as it is and the entries count as kept.

        Raises:
            DeadLetterError: the object could not be written in time.
        """
        name = object_name(sink, entries)
        # every line scrubbed (secret values and credential patterns), whatever shape the event had
        body = "".join(scrub(dumps_lenient(e)) + "\n" for e in entries).encode("utf-8", "backslashreplace")
        try:
            self._do(
                "write dead-letter object to",
                self.bucket.put,
                name,
                body,
                deadline=deadline,
                content_type="application/x-ndjson",
                if_none_match="*",
            )
        except DeadLetterError as exc:
            if exc.status not in (409, 412):  # 412: If-None-Match failed, the object is there
                raise
        return name

    def list(self, deadline: float | None = None) -> list[str]:
        """Names of the dead-letter objects, by day (oldest first), then sink and digest."""
        return self._do("list", self.bucket.names, PREFIX, deadline=deadline)

    def read(self, name: str, deadline: float | None = None) -> list[dict]:
        """The entries of one dead-letter object (none when it is gone)."""
        found = self._do(f"read {name} from", self.bucket.get, name, deadline=deadline)
        if found is None:
            return []
        return [loads(line) for line in found[0].split(b"\n") if line.strip()]  # not splitlines: U+2028

    def delete(self, name: str, deadline: float | None = None) -> None:
        self._do(f"delete {name} from", self.bucket.delete, name, deadline=deadline)


def open_store(d, clients) -> DeadLetter:
    """The dead-letter store of `d` (`delivery.config.DeadLetterSettings`: bucket, namespace), read and
    written with `clients`' principal."""
    from forwarder.oci.bucket import Bucket

    return DeadLetter(Bucket(clients, d.bucket, d.namespace))
