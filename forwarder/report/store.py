"""Where reports are written: a local folder (the CLI's `--out DIR`) or an Object Storage bucket
(REPORT_BUCKET). Same face: `read(name)`, `writer(name, content_type)` (streamed; nothing is visible
until `commit()`, and `abort()` leaves the old object), `put(name, data, content_type)`, `where(name)`.

- `LocalStore`: files under the folder, same names as in the bucket (`reports/YYYY/MM/DD/changes.csv`),
  written to a temporary file beside the target and renamed over it on commit (atomic on POSIX).
- `BucketStore`: PutObject for what fits in one part; larger objects (a big day's CSV) as a multipart
  upload of PART_SIZE parts (CreateMultipartUpload, UploadPart, CommitMultipartUpload; aborted on
  failure), so the CSV streams out in bounded memory and the object appears whole or not at all.
  `link(prefix, hours)` creates a pre-authenticated request reading the objects under `prefix`
  (AnyObjectRead, listing denied) and returns its URL. Calls are retried under `sources.api.calls`.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from forwarder.sources.api.calls import ApiFailure, call

#: Bytes of one multipart upload part (the SDK's streaming part size); a smaller object is one PutObject.
PART_SIZE = 10 * 1024 * 1024


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
    """Report objects in an Object Storage bucket.

    Args:
        client: an `oci.object_storage.ObjectStorageClient` (model deserialization on).
        bucket, namespace: where (namespace looked up once when None).
        deadline: `time.monotonic()` bound of every call, or None.
    """

    def __init__(self, client, bucket: str, namespace: str | None = None, deadline: float | None = None):
        self.client = client
        self.bucket = bucket
        self.namespace = namespace
        self.deadline = deadline

    def _ns(self) -> str:
        if self.namespace is None:
            self.namespace = self._call(self.client.get_namespace).data
        return self.namespace

    def _call(self, operation, *args, **kwargs):
        return call(operation, *args, deadline=self.deadline, **kwargs)

    def where(self, name: str) -> str:
        return f"oci://{self.bucket}@{self.namespace or '<namespace>'}/{name}"

    def read(self, name: str) -> bytes | None:
        try:
            response = self._call(self.client.get_object, self._ns(), self.bucket, name)
        except ApiFailure as exc:
            if exc.status == 404:
                return None
            raise StoreError(f"{self.where(name)}: cannot read: {exc.reason}") from None
        return response.data.content

    def writer(self, name: str, content_type: str) -> _BucketWriter:
        return _BucketWriter(self, name, content_type)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        try:
            self._call(self.client.put_object, self._ns(), self.bucket, name, data, content_type=content_type)
        except ApiFailure as exc:
            raise StoreError(f"{self.where(name)}: cannot write: {exc.reason}") from None

    def link(self, prefix: str, hours: int) -> str:
        """A URL reading the objects under `prefix` for `hours` hours (a pre-authenticated request).

        Raises:
            StoreError: it cannot be created.
        """
        from oci.object_storage.models import CreatePreauthenticatedRequestDetails

        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
        details = CreatePreauthenticatedRequestDetails(
            name=f"report-{prefix.strip('/').replace('/', '-')}-{expires:%Y%m%dT%H%M%SZ}", object_name=prefix,
            access_type="AnyObjectRead", bucket_listing_action="Deny", time_expires=expires,
        )  # fmt: skip
        try:
            data = self._call(self.client.create_preauthenticated_request, self._ns(), self.bucket, details).data
        except ApiFailure as exc:
            raise StoreError(f"{self.where(prefix)}: cannot create a read link: {exc.reason}") from None
        return data.full_path or self.client.base_client.endpoint.rstrip("/") + data.access_uri


class _BucketWriter:
    def __init__(self, store: BucketStore, name: str, content_type: str):
        self.store, self.name, self.content_type = store, name, content_type
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[tuple[int, str]] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= PART_SIZE:
            self._flush(PART_SIZE)

    def _flush(self, size: int) -> None:
        from oci.object_storage.models import CreateMultipartUploadDetails

        s, client = self.store, self.store.client
        try:
            if self.upload_id is None:
                details = CreateMultipartUploadDetails(object=self.name, content_type=self.content_type)
                self.upload_id = s._call(client.create_multipart_upload, s._ns(), s.bucket, details).data.upload_id
            while len(self.buffer) >= size and self.buffer:
                part, self.buffer = bytes(self.buffer[:size]), self.buffer[size:]
                number = len(self.parts) + 1
                response = s._call(client.upload_part, s._ns(), s.bucket, self.name, self.upload_id, number, part)
                self.parts.append((number, response.headers.get("etag")))
        except ApiFailure as exc:
            self.abort()
            raise StoreError(f"{s.where(self.name)}: cannot write: {exc.reason}") from None

    def commit(self) -> None:
        from oci.object_storage.models import CommitMultipartUploadDetails, CommitMultipartUploadPartDetails

        s = self.store
        if self.upload_id is None:
            s.put(self.name, bytes(self.buffer), self.content_type)
            return
        if self.buffer:
            self._flush(len(self.buffer))
        details = CommitMultipartUploadDetails(
            parts_to_commit=[CommitMultipartUploadPartDetails(part_num=n, etag=e) for n, e in self.parts]
        )
        try:
            s._call(s.client.commit_multipart_upload, s._ns(), s.bucket, self.name, self.upload_id, details)
        except ApiFailure as exc:
            self.abort()
            raise StoreError(f"{s.where(self.name)}: cannot write: {exc.reason}") from None

    def abort(self) -> None:
        """Drop what was written (the object keeps its old content)."""
        if self.upload_id is not None:
            s, upload, self.upload_id = self.store, self.upload_id, None
            try:
                s._call(s.client.abort_multipart_upload, s._ns(), s.bucket, self.name, upload)
            except ApiFailure:
                pass  # an unfinished upload holds no object; a lifecycle rule can clean it up
        self.buffer = bytearray()
