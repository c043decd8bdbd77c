"""Checkpoints of the pull side: per shard, how far collection got, written only after delivery.

A checkpoint is one small JSON document per shard (source, region, and compartment or query):
`{"end": "<RFC 3339>", "seen": {eventId: epoch seconds}, "floor": epoch seconds | null,
"lease": {"owner", "until", "windowEnd"} | null, "updated": "<RFC 3339>"}`:
- `end`: the end of the last window whose events were all delivered or dead-lettered;
- `seen`: the ids of events at or after `end - lag` (and of events delivered by a run that stopped
  early), so the next window, which overlaps by the lag, drops them as repeats;
- `lease`: a run claims the shard before reading it; a live lease held by another run makes this run
  skip the shard, so two runs at once never deliver the same window twice.
Every write is conditional on the version read (the store's ETag): two runs cannot both move one
checkpoint; the loser gets `Conflict`.

Stores, same face (`read(key) -> (document | None, etag)`, `write(key, document, etag) -> etag`):
- `BucketStore`: Object Storage (`CHECKPOINT_BUCKET`), objects `checkpoints/<key>.json`, PutObject with
  `If-Match: <etag>` (or `If-None-Match: *` for a new one); 412 means someone else wrote first.
- `FileStore`: one local JSON file (`--state PATH`), changed under an exclusive `flock` and replaced
  atomically (write + rename), versions as ETags.
"""

from __future__ import annotations

import fcntl
import json  # the --state file is written indented, for people to read
import os
import threading
from pathlib import Path
from typing import Any

from forwarder.jsoncodec import encode, loads

PREFIX = "checkpoints/"


class Conflict(RuntimeError):
    """The checkpoint changed since it was read (another run wrote it)."""


class CheckpointError(RuntimeError):
    """The checkpoint store cannot be read or written (named, with the HTTP status)."""


class BucketStore:
    """Checkpoints in an Object Storage bucket, written with If-Match / If-None-Match, every call under the
    one retry rule (`forwarder.oci.bucket`; a 503 is tried again, a 412 is a Conflict at once).

    Args:
        bucket: a `forwarder.oci.bucket.Bucket`.
        deadline: `time.monotonic()` bound of every call, or None (the collector sets it per run).
    """

    def __init__(self, bucket, deadline: float | None = None):
        self.bucket = bucket
        self.deadline = deadline

    def read(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        """(document, etag), or (None, None) when there is no checkpoint yet.

        Raises:
            CheckpointError: the object cannot be read, or is not a JSON object.
        """
        from forwarder.retry import Failure

        try:
            found = self.bucket.get(PREFIX + key + ".json", self.deadline)
        except Failure as exc:
            raise CheckpointError(
                f"checkpoint {key}: cannot read from bucket {self.bucket.name}: {exc.reason}"
            ) from None
        if found is None:
            return None, None
        try:
            document = loads(found[0])
        except (ValueError, RecursionError):
            document = None
        return _checked(key, document), found[1]

    def write(self, key: str, document: dict[str, Any], etag: str | None) -> str:
        """Write `document` if the checkpoint is still at `etag` (None: if there is none yet); return the new etag.

        Raises:
            Conflict: another run wrote it first (409, 412).
            CheckpointError: any other failure, once the retries are spent.
        """
        from forwarder.retry import Failure

        condition = {"if_match": etag} if etag else {"if_none_match": "*"}
        try:
            return self.bucket.put(
                PREFIX + key + ".json",
                encode(document),
                deadline=self.deadline,
                content_type="application/json",
                **condition,
            )
        except Failure as exc:
            if exc.status in (409, 412):
                raise Conflict(f"checkpoint {key} was changed by another run") from None
            raise CheckpointError(
                f"checkpoint {key}: cannot write to bucket {self.bucket.name}: {exc.reason}"
            ) from None


class FileStore:
    """Checkpoints in one local JSON file (`{key: {"version": n, "document": {...}}}`), for the CLI."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()

    def check(self) -> None:
        """Check, before a run, that the file can hold checkpoints: its folder exists and is writable
        (the file and its `.lock` are created there), and what it holds is a checkpoint file.

        Raises:
            CheckpointError: naming `--state` and what is wrong.
        """
        folder = self.path.parent
        if self.path.is_dir():
            raise CheckpointError(
                f"--state {self.path}: is a folder; name a file in it, e.g. {self.path / 'state.json'}"
            )
        if not folder.is_dir():
            raise CheckpointError(f"--state {self.path}: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise CheckpointError(f"--state {self.path}: cannot write in the folder {folder}")
        self._load()

    def _load(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise CheckpointError(f"--state {self.path}: cannot read: {exc.strerror}") from None
        try:
            data = loads(text) if text.strip() else {}
        except ValueError as exc:
            raise CheckpointError(f"--state {self.path}: not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise CheckpointError(f"--state {self.path}: expected a JSON object")
        return data

    def _locked(self):
        lock = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115 - closed by the caller
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    def read(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        with self._lock, self._locked():
            entry = self._load().get(key)
        if not isinstance(entry, dict):
            return None, None
        return _checked(key, entry.get("document")), str(entry.get("version"))

    def write(self, key: str, document: dict[str, Any], etag: str | None) -> str:
        with self._lock, self._locked():
            data = self._load()
            entry = data.get(key)
            current = str(entry.get("version")) if isinstance(entry, dict) else None
            if current != etag:
                raise Conflict(f"checkpoint {key} was changed by another run")
            version = (int(current) if current and current.isdigit() else 0) + 1
            data[key] = {"version": version, "document": document}
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            try:
                temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
                os.replace(temporary, self.path)
            except OSError as exc:
                raise CheckpointError(f"--state {self.path}: cannot write: {exc.strerror}") from None
            return str(version)


def _checked(key: str, document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise CheckpointError(f"checkpoint {key}: not a JSON object; delete it to start again from the look-back")
    return document
