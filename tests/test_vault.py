"""The Vault path with the real OCI SDK: a resource-principal signer built from test environment
variables, a loopback stand-in Secrets endpoint that checks the request signature, and the token it
returns used for Splunk HEC, all through the real fdk server."""

from __future__ import annotations

import base64
import json
import re

import pytest
from werkzeug import Response

from forwarder.oci.clients import Clients
from forwarder.oci.vault import SecretError, read_secret
from tests.conftest import sample_bytes
from tests.support import oci as rp_support
from tests.test_http_delivery import hec_events

SECRET_OCID = "ocid1.vaultsecret.oc1.iad.amaaaaaatestsecret"
TOKEN = "hec-token-from-vault-7f3e"


@pytest.fixture
def resource_principal(tmp_path):
    principal = rp_support.resource_principal(tmp_path)
    return principal.env, principal.rpst, principal


def secrets_endpoint(httpserver, rpst, principal, seen: list, content: str = TOKEN):
    """GET /20190301/secretbundles/{id}: 401 unless signed by the resource principal's key."""

    def endpoint(request):
        auth = request.headers.get("Authorization", "")
        seen.append(dict(re.findall(r'(\w+)="([^"]*)"', auth)))
        if principal.rpst != rpst or rp_support.signature_problem(request, principal):
            return Response('{"code":"NotAuthenticated"}', status=401)
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


def _clients(httpserver) -> Clients:
    return Clients("resource_principal", {"secrets": httpserver.url_for("")}, timeout=10.0)


def test_read_secret_with_real_sdk_and_signer(httpserver, resource_principal, monkeypatch):
    env, rpst, principal = resource_principal
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    seen: list = []
    secrets_endpoint(httpserver, rpst, principal, seen)
    assert read_secret(SECRET_OCID, key="SIEM_HTTP_TOKEN_SECRET_OCID", clients=_clients(httpserver)) == TOKEN
    (params,) = seen
    assert params["algorithm"] == "rsa-sha256" and "(request-target)" in params["headers"]


def test_unreadable_secret_names_the_key(httpserver, resource_principal, monkeypatch):
    env, _, principal = resource_principal
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    secrets_endpoint(httpserver, "some-other-token", principal, [])  # the token the server expects differs
    with pytest.raises(SecretError, match=r"SIEM_HTTP_TOKEN_SECRET_OCID: cannot read Vault secret .*HTTP 401"):
        read_secret(SECRET_OCID, key="SIEM_HTTP_TOKEN_SECRET_OCID", clients=_clients(httpserver))


def test_hec_token_from_vault_through_fdk(httpserver, resource_principal, function_server):
    env, rpst, principal = resource_principal
    seen: list = []
    secrets_endpoint(httpserver, rpst, principal, seen)
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

    env, rpst, principal = resource_principal
    servicenow = ServiceNowStandIn(httpserver, credentials=("svc-vault", "pw-from-vault"))
    secrets_endpoint(httpserver, rpst, principal, [], content='{"username": "svc-vault", "password": "pw-from-vault"}')
    config = {
        "TICKET_SYSTEM": "servicenow",
        "TICKET_URL": servicenow.url(),
        "TICKET_SECRET_OCID": SECRET_OCID,
        "OCI_SECRETS_ENDPOINT": httpserver.url_for("/"),
        **env,
    }
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    status, summary = handle(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"))
    assert status == 200 and summary["tickets"][0]["action"] == "opened"
    assert len(servicenow.incidents) == 1 and "pw-from-vault" not in json.dumps(summary)


def test_ticket_secret_missing_a_field_is_named(httpserver, resource_principal, monkeypatch):
    from forwarder.handler import handle

    env, rpst, principal = resource_principal
    secrets_endpoint(httpserver, rpst, principal, [], content='{"username": "only-user"}')
    config = {
        "TICKET_SYSTEM": "jira",
        "TICKET_URL": "https://example.atlassian.net",
        "TICKET_JIRA_PROJECT": "SEC",
        "TICKET_SECRET_OCID": SECRET_OCID,
        "OCI_SECRETS_ENDPOINT": httpserver.url_for("/"),
        **env,
    }
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    status, summary = handle(sample_bytes("cloudguard-problemdetected-bucket-public-critical.json"))
    assert status == 502
    assert "TICKET_SECRET_OCID: the secret lacks password/api_token for jira" in summary["errors"][0]
    assert "only-user" not in json.dumps(summary)
