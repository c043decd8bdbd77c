"""One Object Storage bucket: the one wrapper of every object the project reads or writes.

Dead letters, checkpoints, reports and rule files all go through `Bucket`: the namespace looked up once
(GetNamespace), every call through `forwarder.oci.calls.call` (the one retry rule, the caller's deadline),
conditional writes (`If-Match` / `If-None-Match: *`), paged listing (ListObjects `start` /
`nextStartWith`), deletes, multipart uploads for large objects (CreateMultipartUpload, UploadPart,
CommitMultipartUpload; aborted on failure) and read links (pre-authenticated requests).
Failures raise `forwarder.retry.Failure` with `status` and `code`; `Bucket.absent` tells a missing object.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from forwarder.oci.calls import call, pages
from forwarder.retry import Failure

#: Bytes of one multipart upload part (the SDK's streaming part size); a smaller object is one PutObject.
PART_SIZE = 10 * 1024 * 1024


class Bucket:
    """A bucket, read and written with the clients' principal.

    Args:
        clients: `forwarder.oci.clients.Clients`.
        name: the bucket's name.
        namespace: the Object Storage namespace; looked up once (GetNamespace) when None.
        region: the bucket's region; None: the principal's own.
    """

    def __init__(self, clients, name: str, namespace: str | None = None, region: str | None = None):
        self.clients = clients
        self.name = name
        self.namespace = namespace
        self.region = region
        self._lock = threading.Lock()

    @property
    def client(self):
        """The Object Storage SDK client (raises `forwarder.oci.auth.AuthError` when the principal cannot be set up)."""
        return self.clients.get("objectstorage", self.region)

    def ns(self, deadline: float | None) -> str:
        """The namespace (looked up once)."""
        with self._lock:
            if self.namespace is None:
                self.namespace = call(self.client.get_namespace, deadline=deadline).data
            return self.namespace

    def where(self, name: str = "") -> str:
        """`oci://<bucket>@<namespace>/<name>`, for messages."""
        return f"oci://{self.name}@{self.namespace or '<namespace>'}/{name}"

    @staticmethod
    def absent(failure: Failure) -> bool:
        """True when a failure says the object does not exist (404 ObjectNotFound; not a missing bucket)."""
        return failure.status == 404 and failure.code in ("ObjectNotFound", None)

    def get(self, name: str, deadline: float | None) -> tuple[bytes, str | None] | None:
        """(content, etag) of an object, or None when there is none.

        Raises:
            Failure: any other failure.
        """
        try:
            response = call(self.client.get_object, self.ns(deadline), self.name, name, deadline=deadline)
        except Failure as failure:
            if self.absent(failure):
                return None
            raise
        return response.data.content, response.headers.get("etag")

    def chunks(self, name: str, size: int, deadline: float | None) -> Iterator[bytes]:
        """The content of an object in pieces of at most `size` bytes (ranged GetObject, `Range: bytes=a-b`),
        so an object of any size passes through bounded memory; nothing for an object that does not exist.

        Raises:
            Failure: a piece cannot be read.
        """
        start = 0
        while True:
            try:
                response = call(
                    self.client.get_object,
                    self.ns(deadline),
                    self.name,
                    name,
                    range=f"bytes={start}-{start + size - 1}",
                    deadline=deadline,
                )
            except Failure as failure:
                if self.absent(failure) or failure.status == 416:  # 416: the object ends at `start`
                    return
                raise
            piece = response.data.content
            if piece:
                yield piece
            if len(piece) < size:
                return
            start += size

    def put(
        self,
        name: str,
        body: bytes,
        *,
        deadline: float | None,
        content_type: str,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> str:
        """Write an object, on a condition when given (`if_none_match="*"`: only if there is none); return its etag.

        Raises:
            Failure: 409 or 412 when the condition does not hold; any other failure.
        """
        condition: dict[str, Any] = {}
        if if_match:
            condition["if_match"] = if_match
        if if_none_match:
            condition["if_none_match"] = if_none_match
        response = call(
            self.client.put_object,
            self.ns(deadline),
            self.name,
            name,
            body,
            deadline=deadline,
            content_type=content_type,
            **condition,
        )
        return response.headers.get("etag") or ""

    def names(self, prefix: str, deadline: float | None) -> list[str]:
        """Names of the objects under `prefix`, sorted.

        Raises:
            Failure: a page cannot be listed.
        """
        out: list[str] = []
        for data, _ in pages(
            self.client.list_objects,
            self.ns(deadline),
            self.name,
            deadline=deadline,
            prefix=prefix or None,
            next_page=_next_start,
            page_arg="start",
        ):
            out += [o.name for o in data.objects]
        return sorted(out)

    def delete(self, name: str, deadline: float | None) -> None:
        """Delete an object (one that is already gone counts as deleted).

        Raises:
            Failure: any other failure.
        """
        try:
            call(self.client.delete_object, self.ns(deadline), self.name, name, deadline=deadline)
        except Failure as failure:
            if not self.absent(failure):
                raise

    def writer(self, name: str, content_type: str, deadline: float | None) -> Upload:
        """A streamed upload of `name`: nothing is visible until `commit()`; `abort()` keeps the old object."""
        return Upload(self, name, content_type, deadline)

    def read_link(self, prefix: str, hours: int, deadline: float | None) -> str:
        """A URL reading the objects under `prefix` for `hours` hours (a pre-authenticated request,
        AnyObjectRead, listing denied).

        Raises:
            Failure: it cannot be created.
        """
        from oci.object_storage.models import CreatePreauthenticatedRequestDetails

        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
        details = CreatePreauthenticatedRequestDetails(
            name=f"report-{prefix.strip('/').replace('/', '-')}-{expires:%Y%m%dT%H%M%SZ}",
            object_name=prefix,
            access_type="AnyObjectRead",
            bucket_listing_action="Deny",
            time_expires=expires,
        )
        client = self.client
        data = call(client.create_preauthenticated_request, self.ns(deadline), self.name, details, deadline=deadline)
        return data.data.full_path or client.base_client.endpoint.rstrip("/") + data.data.access_uri


def _next_start(response: Any) -> str | None:
    return getattr(response.data, "next_start_with", None) or None


class Upload:
    """One object written in parts of PART_SIZE bytes (one PutObject when it is smaller)."""

    def __init__(self, bucket: Bucket, name: str, content_type: str, deadline: float | None):
        self.bucket, self.name, self.content_type, self.deadline = bucket, name, content_type, deadline
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[tuple[int, str]] = []

    def write(self, data: bytes) -> None:
        """Add `data`; a full part is uploaded at once. Raises Failure (the upload is then aborted)."""
        self.buffer += data
        if len(self.buffer) >= PART_SIZE:
            self._flush(PART_SIZE)

    def _flush(self, size: int) -> None:
        from oci.object_storage.models import CreateMultipartUploadDetails

        b, client, deadline = self.bucket, self.bucket.client, self.deadline
        try:
            if self.upload_id is None:
                details = CreateMultipartUploadDetails(object=self.name, content_type=self.content_type)
                self.upload_id = call(
                    client.create_multipart_upload, b.ns(deadline), b.name, details, deadline=deadline
                ).data.upload_id
            for part in _cut(self, size):
                number = len(self.parts) + 1
                response = call(
                    client.upload_part,
                    b.ns(deadline),
                    b.name,
                    self.name,
                    self.upload_id,
                    number,
                    part,
                    deadline=deadline,
                )
                self.parts.append((number, response.headers.get("etag")))
        except Failure:
            self.abort()
            raise

    def commit(self) -> None:
        """Make the object visible, whole. Raises Failure (the upload is then aborted)."""
        from oci.object_storage.models import CommitMultipartUploadDetails, CommitMultipartUploadPartDetails

        b = self.bucket
        if self.upload_id is None:
            b.put(self.name, bytes(self.buffer), deadline=self.deadline, content_type=self.content_type)
            return
        if self.buffer:
            self._flush(len(self.buffer))
        details = CommitMultipartUploadDetails(
            parts_to_commit=[CommitMultipartUploadPartDetails(part_num=n, etag=e) for n, e in self.parts]
        )
        try:
            call(
                b.client.commit_multipart_upload,
                b.ns(self.deadline),
                b.name,
                self.name,
                self.upload_id,
                details,
                deadline=self.deadline,
            )
        except Failure:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop what was written (the object keeps its old content)."""
        if self.upload_id is not None:
            b, upload, self.upload_id = self.bucket, self.upload_id, None
            try:
                call(
                    b.client.abort_multipart_upload,
                    b.ns(self.deadline),
                    b.name,
                    self.name,
                    upload,
                    deadline=self.deadline,
                )
            except Failure:
                pass  # an unfinished upload holds no object; a lifecycle rule can clean it up
        self.buffer = bytearray()


def _cut(upload: Upload, size: int) -> Iterator[bytes]:
    while len(upload.buffer) >= size and upload.buffer:
        part, upload.buffer = bytes(upload.buffer[:size]), upload.buffer[size:]
        yield part
