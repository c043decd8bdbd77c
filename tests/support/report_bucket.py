"""The Object Storage stand-in with what the change report uses beyond PutObject/GetObject: multipart
uploads (CreateMultipartUpload, UploadPart, CommitMultipartUpload, AbortMultipartUpload: the object
appears only on commit) and pre-authenticated requests (CreatePreauthenticatedRequest with a prefix,
AnyObjectRead; `GET /p/<token>/n/<ns>/b/<bucket>/o/<name>` without a signature, refused after expiry or
outside the prefix). Every other request is the base stand-in's, signatures checked."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime

from werkzeug import Request, Response

from tests.support.oci import ObjectStorageStandIn, _error, _etag, signature_problem


class ReportBucket(ObjectStorageStandIn):
    def __init__(self, httpserver, principal, bucket: str = "reports", **kwargs):
        super().__init__(httpserver, principal, bucket=bucket, **kwargs)
        self.uploads: dict[str, dict] = {}  #: upload id -> {"name", "parts": {n: bytes}, "type"}
        self.committed: list[tuple[str, int]] = []  #: (object name, parts) of each committed multipart upload
        self.aborted: list[str] = []
        self.pars: dict[str, dict] = {}  #: token -> {"prefix", "expires", "access"}
        self.content_types: dict[str, str] = {}
        self.ranged: list[tuple[str, int]] = []  #: (object name, first byte) of each ranged GetObject
        httpserver.expect_request(re.compile(r"^/p/.*$")).respond_with_handler(self._par_get)

    def _handle(self, request: Request) -> Response:
        parts = request.path.split("/", 6)  # ['', 'n', ns, 'b', bucket, 'u'|'p'|'o', name]
        ranged = request.headers.get("range", "")
        if request.method == "GET" and ranged and len(parts) == 7 and parts[5] == "o" and not self.down:
            return self._ranged(request, parts[6], ranged)
        if len(parts) < 6 or parts[5] not in ("u", "p") or self.down:
            response = super()._handle(request)
            if request.method == "PUT" and response.status_code == 200 and len(parts) == 7:
                self.content_types[parts[6]] = request.headers.get("content-type", "")
            return response
        problem = signature_problem(request, self.principal)
        if problem:
            return _error(401, "NotAuthenticated", problem)
        if parts[2] != self.namespace or parts[4] not in self.buckets:
            return _error(404, "BucketNotFound", "no such bucket")
        if parts[5] == "p":
            return self._create_par(request)
        name = parts[6] if len(parts) == 7 else ""
        upload_id = request.args.get("uploadId")
        if request.method == "POST" and not name:
            body = json.loads(request.get_data())
            upload = secrets.token_hex(8)
            self.uploads[upload] = {"name": body["object"], "parts": {}, "type": body.get("contentType", "")}
            return Response(
                json.dumps(
                    {
                        "uploadId": upload,
                        "object": body["object"],
                        "namespace": self.namespace,
                        "bucket": parts[4],
                        "timeCreated": "2026-01-01T00:00:00Z",
                    }
                ),
                content_type="application/json",
            )
        upload = self.uploads.get(upload_id or "")
        if upload is None or upload["name"] != name:
            return _error(404, "NoSuchUpload", f"no upload {upload_id} for {name}")
        if request.method == "PUT":
            number = int(request.args["uploadPartNum"])
            data = request.get_data()
            upload["parts"][number] = data
            return Response(status=200, headers={"etag": _etag(data)})
        if request.method == "POST":
            wanted = json.loads(request.get_data())["partsToCommit"]
            for part in wanted:
                if _etag(upload["parts"].get(part["partNum"], b"\0")) != part["etag"]:
                    return _error(400, "InvalidPart", f"part {part['partNum']} does not match its ETag")
            with self.lock:
                numbers = sorted(p["partNum"] for p in wanted)
                self.objects[name] = b"".join(upload["parts"][n] for n in numbers)
                self.content_types[name] = upload["type"]
            del self.uploads[upload_id]
            self.committed.append((name, len(wanted)))
            return Response(status=200, headers={"etag": _etag(self.objects[name])})
        if request.method == "DELETE":
            del self.uploads[upload_id]
            self.aborted.append(name)
            return Response(status=204)
        return _error(405, "MethodNotAllowed", request.method)

    def _ranged(self, request: Request, name: str, ranged: str) -> Response:
        """GetObject with `Range: bytes=a-b` (RFC 9110): 206 with the bytes, 416 past the end."""
        problem = signature_problem(request, self.principal)
        if problem:
            return _error(401, "NotAuthenticated", problem)
        found = re.fullmatch(r"bytes=(\d+)-(\d+)", ranged)
        body = self.objects.get(name)
        if body is None:
            return _error(404, "ObjectNotFound", f"no object {name}")
        low, high = int(found.group(1)), int(found.group(2))
        if low >= len(body):
            return _error(416, "InvalidRange", f"{ranged} is past the end ({len(body)} bytes)")
        piece = body[low : high + 1]
        self.ranged.append((name, low))
        return Response(
            piece,
            status=206,
            headers={"content-range": f"bytes {low}-{low + len(piece) - 1}/{len(body)}", "etag": _etag(body)},
            content_type="application/octet-stream",
        )

    def _create_par(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        if body.get("accessType") != "AnyObjectRead" or body.get("bucketListingAction", "Deny") != "Deny":
            return _error(400, "InvalidParameter", "the stand-in serves AnyObjectRead links without listing only")
        token = secrets.token_urlsafe(24)
        expires = datetime.fromisoformat(body["timeExpires"].replace("Z", "+00:00"))
        self.pars[token] = {"prefix": body.get("objectName") or "", "expires": expires, "name": body["name"]}
        access = f"/p/{token}/n/{self.namespace}/b/{self.bucket}/o/"
        return Response(
            json.dumps(
                {
                    "id": token[:8],
                    "name": body["name"],
                    "accessUri": access,
                    "objectName": body.get("objectName"),
                    "accessType": "AnyObjectRead",
                    "bucketListingAction": "Deny",
                    "timeExpires": body["timeExpires"],
                    "timeCreated": "2026-01-01T00:00:00Z",
                }
            ),
            content_type="application/json",
        )

    def _par_get(self, request: Request) -> Response:
        parts = request.path.split("/", 8)  # ['', 'p', token, 'n', ns, 'b', bucket, 'o', name]
        par = self.pars.get(parts[2]) if len(parts) == 9 else None
        if par is None or par["expires"] <= datetime.now(UTC):
            return _error(404, "NotFound", "no such pre-authenticated request")
        name = parts[8]
        if not name.startswith(par["prefix"]) or name not in self.objects:
            return _error(404, "ObjectNotFound", "not under the link's prefix")
        return Response(self.objects[name], content_type=self.content_types.get(name) or "application/octet-stream")
