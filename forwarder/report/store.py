"""Where reports are written: a local folder (the CLI's `--out DIR`) or an Object Storage bucket
(REPORT_BUCKET). Same face: `read(name)`, `chunks(name)` (the content in bounded pieces),
`writer(name, content_type)` (streamed; nothing is visible until `commit()`, and `abort()` leaves the
old object), `put(name, data, content_type)`, `where(name)`.

- `LocalStore`: files under the folder, same names as in the bucket (`reports/YYYY/MM/DD/changes.csv`),
  written to a temporary file beside the target and renamed over it on commit (atomic on POSIX).
- `BucketStore`: PutObject for what fits in one part; larger objects (a big day's CSV) as a multipart
  upload (`oci.bucket.PART_SIZE` parts; aborted on failure), so the CSV streams out in bounded memory
  and the object appears whole or not at all.
  `link(prefix, hours)` creates a pre-authenticated request reading the objects under `prefix`
  (AnyObjectRead, listing denied) and returns its URL. Everything goes through `forwarder.oci.bucket`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from forwarder.oci.bucket import Bucket
from forwarder.retry import Failure

#: Bytes read at once when an object is copied into another (a period's CSV from its days').
CHUNK = 8 * 1024 * 1024


class StoreError(RuntimeError):
    """A report object cannot be read or written (naming the object and why)."""


class LocalStore:
    """Report files under `root`."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def where(self, name: str) -> str:
        return str(self.root / name)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"{self.where(name)}: cannot read: {exc.strerror}") from None

    def chunks(self, name: str, size: int = CHUNK):
        """The file's content in pieces of at most `size` bytes (nothing when there is none)."""
        try:
            with open(self.root / name, "rb") as file:
                while piece := file.read(size):
                    yield piece
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError(f"{self.where(name)}: cannot read: {exc.strerror}") from None

    def writer(self, name: str, content_type: str) -> _LocalWriter:
        return _LocalWriter(self.root / name)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        out = self.writer(name, content_type)
        out.write(data)
        out.commit()

    def link(self, prefix: str, hours: int) -> str | None:
        return None


class _LocalWriter:
    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        except OSError as exc:
            raise StoreError(f"{path}: cannot write: {exc.strerror}") from None
        self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def commit(self) -> None:
        try:
            self.file.close()
            os.chmod(self.temp, 0o644)
            os.replace(self.temp, self.path)
        except OSError as exc:
            self.abort()
            raise StoreError(f"{self.path}: cannot write: {exc.strerror}") from None

    def abort(self) -> None:
        self.file.close()
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass


class BucketStore:
    """Report objects in an Object Storage bucket (`forwarder.oci.bucket.Bucket`).

    Args:
        bucket: the bucket.
        deadline: `time.monotonic()` bound of every call, or None (the reporter sets it per run).
    """

    def __init__(self, bucket: Bucket, deadline: float | None = None):
        self.bucket = bucket
        self.deadline = deadline

    def where(self, name: str) -> str:
        return self.bucket.where(name)

    def read(self, name: str) -> bytes | None:
        try:
            found = self.bucket.get(name, self.deadline)
        except Failure as exc:
            raise StoreError(f"{self.where(name)}: cannot read: {exc.reason}") from None
        return None if found is None else found[0]

    def chunks(self, name: str, size: int = CHUNK):
        """The object's content in pieces of at most `size` bytes (ranged GETs; nothing when there is none)."""
        try:
            yield from self.bucket.chunks(name, size, self.deadline)
        except Failure as exc:
            raise StoreError(f"{self.where(name)}: cannot read: {exc.reason}") from None

    def writer(self, name: str, content_type: str) -> _BucketWriter:
        return _BucketWriter(self, self.bucket.writer(name, content_type, self.deadline))

    def put(self, name: str, data: bytes, content_type: str) -> None:
        try:
            self.bucket.put(name, data, deadline=self.deadline, content_type=content_type)
        except Failure as exc:
            raise StoreError(f"{self.where(name)}: cannot write: {exc.reason}") from None

    def link(self, prefix: str, hours: int) -> str:
        """A URL reading the objects under `prefix` for `hours` hours (a pre-authenticated request).

        Raises:
            StoreError: it cannot be created.
        """
        try:
            return self.bucket.read_link(prefix, hours, self.deadline)
        except Failure as exc:
            raise StoreError(f"{self.where(prefix)}: cannot create a read link: {exc.reason}") from None


class _BucketWriter:
    """An `oci.bucket.Upload` whose failures are StoreErrors naming the object."""

    def __init__(self, store: BucketStore, upload):
        self.store, self.upload = store, upload

    def _do(self, step, *args) -> None:
        try:
            step(*args)
        except Failure as exc:
            raise StoreError(f"{self.store.where(self.upload.name)}: cannot write: {exc.reason}") from None

    def write(self, data: bytes) -> None:
        self._do(self.upload.write, data)

    def commit(self) -> None:
        self._do(self.upload.commit)

    def abort(self) -> None:
        self.upload.abort()
