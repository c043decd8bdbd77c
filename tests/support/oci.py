"""Real OCI SDK plumbing for tests: a resource-principal environment with a local key and RPST, a
check of the SDK's HTTP signature (draft-cavage, rsa-sha256, keyId "ST$<rpst>"), and a loopback
stand-in for Object Storage that verifies every request's signature."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug import Request, Response

TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class ResourcePrincipal:
    """The four OCI_RESOURCE_PRINCIPAL_* variables a function gets, and what a server checks them with."""

    env: dict[str, str]
    rpst: str
    public_key: rsa.RSAPublicKey
    rpst_file: Path

    @property
    def key_id(self) -> str:
        return f"ST${self.rpst}"

    def rotate(self) -> str:
        """Write a new session token to the RPST file (as the platform does); return it."""
        claims = {"exp": int(time.time()) + 7200, "res_tenant": TENANCY, "res_compartment": TENANCY, "n": time.time()}
        self.rpst = _token(claims)
        self.rpst_file.write_text(self.rpst)
        return self.rpst


def _token(claims: dict) -> str:
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    return f"{header}.{_b64url(json.dumps(claims).encode())}.{_b64url(b'sig')}"


def resource_principal(directory: Path) -> ResourcePrincipal:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = directory / "rp.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    rpst = _token({"exp": int(time.time()) + 3600, "res_tenant": TENANCY, "res_compartment": TENANCY})
    rpst_file = directory / "rpst"
    rpst_file.write_text(rpst)
    env = {
        "OCI_RESOURCE_PRINCIPAL_VERSION": "2.2",
        "OCI_RESOURCE_PRINCIPAL_RPST": str(rpst_file),
        "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM": str(pem),
        "OCI_RESOURCE_PRINCIPAL_REGION": "us-ashburn-1",
    }
    return ResourcePrincipal(env, rpst, key.public_key(), rpst_file)


@dataclass
class ApiKeyPrincipal:
    """A user's API signing key and the OCI config file naming it (`--auth api_key`)."""

    config_file: Path
    public_key: rsa.RSAPublicKey
    key_id: str  #: `<tenancy>/<user>/<fingerprint>`
    pem: str = ""  #: the private key (PEM), for a Vault secret
    user: str = ""
    fingerprint: str = ""


def api_key_principal(
    directory: Path, region: str = "us-ashburn-1", tenancy: str = TENANCY, profile: str = "DEFAULT"
) -> ApiKeyPrincipal:
    """An API key of `tenancy`, as `profile` of `directory/oci_config` (added to the file when it exists)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = directory / ("api_key.pem" if profile == "DEFAULT" else f"api_key_{profile}.pem")
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    user, fingerprint = "ocid1.user.oc1..aaaaaaaatestuser", "11:22:33:44:55:66:77:88:99:00:aa:bb:cc:dd:ee:ff"
    config = directory / "oci_config"
    before = config.read_text() if config.exists() and profile != "DEFAULT" else ""
    config.write_text(
        before
        + f"[{profile}]\nuser={user}\nfingerprint={fingerprint}\ntenancy={tenancy}\nregion={region}\nkey_file={pem}\n"
    )
    key_id = f"{tenancy}/{user}/{fingerprint}"
    return ApiKeyPrincipal(config, key.public_key(), key_id, pem.read_text(), user, fingerprint)


@dataclass
class SessionPrincipal:
    """A session of `oci session authenticate` (`--auth security_token`): a profile naming its token file
    and key, as the OCI CLI writes it."""

    config_file: Path
    public_key: rsa.RSAPublicKey
    token: str
    profile: str

    @property
    def key_id(self) -> str:
        return f"ST${self.token}"


def session_principal(directory: Path, profile: str = "SSO", expires_in: int = 3600) -> SessionPrincipal:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = directory / "session_key.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    token = _token({"exp": int(time.time()) + expires_in, "tenant": TENANCY, "sub": "ocid1.user.oc1..aaaasso"})
    token_file = directory / "token"
    token_file.write_text(token)
    config = directory / "oci_session_config"
    config.write_text(
        f"[{profile}]\nfingerprint=11:22\nkey_file={pem}\ntenancy={TENANCY}\nregion=us-ashburn-1\n"
        f"security_token_file={token_file}\n"
    )
    return SessionPrincipal(config, key.public_key(), token, profile)


def signature_problem(request: Request, principal) -> str | None:
    """None when the request is signed by the principal's key (and current token), else what is wrong."""
    auth = request.headers.get("Authorization", "")
    params = dict(re.findall(r'(\w+)="([^"]*)"', auth))
    if not auth.startswith("Signature ") or params.get("keyId") != principal.key_id:
        return "keyId is not the principal's (current session token or API key)"
    target = request.environ.get("RAW_URI") or request.full_path.rstrip("?")
    lines = []
    for name in params.get("headers", "").split():
        if name == "(request-target)":
            lines.append(f"(request-target): {request.method.lower()} {target}")
        else:
            lines.append(f"{name}: {request.headers.get(name, '')}")
    if "x-content-sha256" in params.get("headers", ""):
        digest = base64.b64encode(hashlib.sha256(request.get_data()).digest()).decode()
        if request.headers.get("x-content-sha256") != digest:
            return "body does not match x-content-sha256"
    try:
        principal.public_key.verify(
            base64.b64decode(params["signature"]), "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception:
        return "bad signature"
    return None


def _error(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"code": code, "message": message}), status=status, content_type="application/json")


class ObjectStorageStandIn:
    """Object Storage on pytest-httpserver: GetNamespace, PutObject (If-None-Match), ListObjects,
    GetObject, DeleteObject. Every request must carry a valid resource-principal signature.
    Set `down = True` to answer 503 to everything."""

    def __init__(
        self,
        httpserver,
        principal: ResourcePrincipal,
        namespace: str = "testns",
        bucket: str = "dl",
        extra_buckets: tuple[str, ...] = (),
    ):
        self.principal = principal
        self.namespace = namespace
        self.bucket = bucket
        self.buckets = {bucket, *extra_buckets}
        self.lock = threading.Lock()  # a conditional write is checked and done at once
        self.objects: dict[str, bytes] = {}
        self.down = False
        self.delay = 0.0  #: seconds PutObject waits before answering (until `release()`)
        #: buckets whose policy allows OBJECT_CREATE only: every other call answers 404, as OCI does
        self.create_only: set[str] = set()
        self.refuse: list[str] = []  #: PutObject answers 503 for object names containing any of these
        self.flaky: list[str] = []  #: the first PutObject of each object whose name contains one of these: 503
        self._flaked: set[str] = set()
        self._released = threading.Event()
        self.in_flight = 0
        self.put_headers: list[dict] = []
        self.requests: list[tuple[str, str, int]] = []
        self.endpoint = httpserver.url_for("/").rstrip("/")
        httpserver.expect_request(re.compile(r"^/n(/.*)?$")).respond_with_handler(self._dispatch)

    def release(self) -> None:
        """End any delayed answer now, and wait until it has been sent (so it is not logged in a later test)."""
        self._released.set()
        end = time.monotonic() + 10
        while self.in_flight and time.monotonic() < end:
            time.sleep(0.01)

    def entries(self) -> list[dict]:
        """Every dead-letter line in every object, oldest object first."""
        return [json.loads(line) for name in sorted(self.objects) for line in self.objects[name].splitlines()]

    def _dispatch(self, request: Request) -> Response:
        self.in_flight += 1
        try:
            response = self._handle(request)
        finally:
            self.in_flight -= 1
        self.requests.append((request.method, request.path, response.status_code))
        return response

    def _handle(self, request: Request) -> Response:
        if self.down:
            return _error(503, "ServiceUnavailable", "stand-in is down")
        problem = signature_problem(request, self.principal)
        if problem:
            return _error(401, "NotAuthenticated", problem)
        parts = request.path.split("/", 6)  # ['', 'n', ns, 'b', bucket, 'o', name]
        if request.path in ("/n", "/n/") and request.method == "GET":
            return Response(json.dumps(self.namespace), content_type="application/json")
        if len(parts) < 6 or parts[2] != self.namespace or parts[3] != "b" or parts[5] != "o":
            return _error(404, "NotFound", "no such resource")
        if parts[4] not in self.buckets:
            return _error(404, "BucketNotFound", f"Either the bucket named '{parts[4]}' does not exist")
        name = parts[6] if len(parts) == 7 else ""
        if parts[4] in self.create_only and not (request.method == "PUT" and name):
            message = f"Either the bucket named '{parts[4]}' does not exist or you are not authorized"
            return _error(404, "BucketNotFound", message)
        if request.method == "GET" and not name:
            prefix = request.args.get("prefix", "")
            names = sorted(n for n in self.objects if n.startswith(prefix) and n >= request.args.get("start", ""))
            return Response(
                json.dumps({"objects": [{"name": n} for n in names], "nextStartWith": None}),
                content_type="application/json",
            )
        if request.method == "PUT" and name:
            if self.delay:
                self._released.wait(self.delay)
            if any(part in name for part in self.flaky) and name not in self._flaked:
                self._flaked.add(name)
                return _error(503, "ServiceUnavailable", "busy, once")
            if any(part in name for part in self.refuse):
                return _error(503, "ServiceUnavailable", "refused on purpose")
            with self.lock:
                if request.headers.get("if-none-match") == "*" and name in self.objects:
                    return _error(412, "IfNoneMatchFailed", "the object already exists")
                match = request.headers.get("if-match")
                if match is not None and (name not in self.objects or _etag(self.objects[name]) != match):
                    return _error(412, "IfMatchFailed", "the object's ETag does not match If-Match")
                self.objects[name] = request.get_data()
            self.put_headers.append(dict(request.headers))
            return Response(status=200, headers={"etag": _etag(self.objects[name])})
        if name not in self.objects:
            return _error(404, "ObjectNotFound", f"The object '{name}' was not found")
        if request.method == "GET":
            body = self.objects[name]
            return Response(body, content_type="application/x-ndjson", headers={"etag": _etag(body)})
        if request.method == "DELETE":
            del self.objects[name]
            return Response(status=204)
        return _error(405, "MethodNotAllowed", request.method)


def _etag(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()
