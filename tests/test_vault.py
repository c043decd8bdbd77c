"""The Vault path with the real OCI SDK: a resource-principal signer built from test environment
variables, a loopback stand-in Secrets endpoint that checks the request signature, and the token it
returns used for Splunk HEC, all through the real fdk server."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug import Response

from forwarder.secrets import SecretError, read_secret
from tests.conftest import sample_bytes
from tests.test_http_delivery import hec_events

SECRET_OCID = "ocid1.vaultsecret.oc1.iad.amaaaaaatestsecret"
TOKEN = "hec-token-from-vault-7f3e"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def resource_principal(tmp_path):
    """The four OCI_RESOURCE_PRINCIPAL_* variables a function gets, with a local key and RPST."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "rp.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))  # fmt: skip
    claims = {"exp": int(time.time()) + 3600, "res_tenant": TENANCY, "res_compartment": TENANCY, "res_type": "fnfunc"}
    rpst = (
        ".".join(_b64url(json.dumps(p).encode()) for p in ({"alg": "RS256", "typ": "JWT"}, claims))
        + "."
        + _b64url(b"sig")
    )
    rpst_file = tmp_path / "rpst"
    rpst_file.write_text(rpst)
    env = {
        "OCI_RESOURCE_PRINCIPAL_VERSION": "2.2",
        "OCI_RESOURCE_PRINCIPAL_RPST": str(rpst_file),
        "OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM": str(pem),
        "OCI_RESOURCE_PRINCIPAL_REGION": "us-ashburn-1",
    }
    return env, rpst, key.public_key()


def secrets_endpoint(httpserver, rpst, public_key, seen: list, content: str = TOKEN):
    """GET /20190301/secretbundles/{id}: 401 unless signed by the resource principal's key."""

    def endpoint(request):
        auth = request.headers.get("Authorization", "")
        params = dict(re.findall(r'(\w+)="([^"]*)"', auth))
        seen.append(params)
        if not auth.startswith("Signature ") or params.get("keyId") != f"ST${rpst}":
            return Response('{"code":"NotAuthenticated"}', status=401)
        lines = []
        for name in params["headers"].split():
            if name == "(request-target)":
                target = request.full_path.rstrip("?")
                lines.append(f"(request-target): {request.method.lower()} {target}")
            else:
                lines.append(f"{name}: {request.headers[name]}")
        try:
            public_key.verify(base64.b64decode(params["signature"]), "\n".join(lines).encode(),
                              padding.PKCS1v15(), hashes.SHA256())  # fmt: skip
        except Exception:
            return Response('{"code":"NotAuthenticated","message":"bad signature"}', status=401)
        if request.args.get("stage") != "CURRENT":
            return Response('{"code":"InvalidParameter"}', status=400)
        bundle = {
            "secretId": SECRET_OCID,
            "versionNumber": 3,
            "stages": ["CURRENT", "LATEST"],
            "secretBundleContent": {"contentType": "BASE64", "content": base64.b64encode(content.encode()).decode()},
        }
        return Response(json.dumps(bundle), status=200, content_type="application/json")

    httpserver.expect_request(f"/20190301/secretbundles/{SECRET_OCID}", method="GET").respond_with_handler(endpoint)


def test_read_secret_with_real_sdk_and_signer(httpserver, resource_principal, monkeypatch):
    env, rpst, public_key = resource_principal
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    seen: list = []
    secrets_endpoint(httpserver, rpst, public_key, seen)
    assert read_secret(SECRET_OCID, key="SIEM_HTTP_TOKEN_SECRET_OCID", endpoint=httpserver.url_for("")) == TOKEN
    (params,) = seen
    assert params["algorithm"] == "rsa-sha256" and "(request-target)" in params["headers"]


def test_unreadable_secret_names_the_key(httpserver, resource_principal, monkeypatch):
    env, _, public_key = resource_principal
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    secrets_endpoint(httpserver, "some-other-token", public_key, [])  # signer's keyId will not match
    with pytest.raises(SecretError, match=r"SIEM_HTTP_TOKEN_SECRET_OCID: cannot read Vault secret .*HTTP 401"):
        read_secret(SECRET_OCID, key="SIEM_HTTP_TOKEN_SECRET_OCID", endpoint=httpserver.url_for(""))


def test_hec_token_from_vault_through_fdk(httpserver, resource_principal, function_server):
    env, rpst, public_key = resource_principal
    seen: list = []
    secrets_endpoint(httpserver, rpst, public_key, seen)
    received: list = []

    def hec(request):
        received.append((request.headers.get("Authorization"), hec_events(request.get_data())))
        return Response('{"text":"Success","code":0}', status=200)

    httpserver.expect_request("/services/collector/event", method="POST").respond_with_handler(hec)
    fn = function_server(
        {
            "SIEM_HTTP_URL": httpserver.url_for("/services/collector/event"),
            "SIEM_HTTP_FORMAT": "splunk-hec",
            "SIEM_HTTP_TOKEN_SECRET_OCID": SECRET_OCID,
            "OCI_SECRETS_ENDPOINT": httpserver.url_for(""),
        },
        extra_env=env,
    )
    first = fn.invoke(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"))
    second = fn.invoke(sample_bytes("audit-batch-listevents.json"))
    assert first.status == second.status == 200, (first.text, second.text)
    assert [auth for auth, _ in received] == [f"Splunk {TOKEN}"] * 2
    assert received[0][1][0]["event"]["problemName"] == "BUCKET_IS_PUBLIC"
    assert len(seen) == 1  # read once, cached for the container
    assert TOKEN not in fn.log() and TOKEN not in first.text + second.text


def test_ticket_credentials_from_a_vault_json_secret(httpserver, resource_principal, monkeypatch):
    from forwarder.handler import handle
    from tests.support.ticket_apis import ServiceNowStandIn

    env, rpst, public_key = resource_principal
    servicenow = ServiceNowStandIn(httpserver, credentials=("svc-vault", "pw-from-vault"))
    secrets_endpoint(httpserver, rpst, public_key, [], content='{"username": "svc-vault", "password": "pw-from-vault"}')
    config = {"TICKET_SYSTEM": "servicenow", "TICKET_URL": servicenow.url(), "TICKET_SECRET_OCID": SECRET_OCID,
              "OCI_SECRETS_ENDPOINT": httpserver.url_for("/"), **env}  # fmt: skip
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    status, summary = handle(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"))
    assert status == 200 and summary["tickets"][0]["action"] == "opened"
    assert len(servicenow.incidents) == 1 and "pw-from-vault" not in json.dumps(summary)


def test_ticket_secret_missing_a_field_is_named(httpserver, resource_principal, monkeypatch):
    from forwarder.handler import handle

    env, rpst, public_key = resource_principal
    secrets_endpoint(httpserver, rpst, public_key, [], content='{"username": "only-user"}')
    config = {"TICKET_SYSTEM": "jira", "TICKET_URL": "https://example.atlassian.net", "TICKET_JIRA_PROJECT": "SEC",
              "TICKET_SECRET_OCID": SECRET_OCID, "OCI_SECRETS_ENDPOINT": httpserver.url_for("/"), **env}  # fmt: skip
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    status, summary = handle(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"))
    assert status == 502
    assert "TICKET_SECRET_OCID: the secret lacks password/api_token for jira" in summary["errors"][0]
    assert "only-user" not in json.dumps(summary)
