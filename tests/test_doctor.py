"""`doctor`: each check against the stand-ins (the real SDK signing every OCI call), including each failure
a deployment meets: a policy statement missing for each API, a signature refused, a bucket missing, the
dead-letter bucket's create-only policy, short audit retention, Cloud Guard reporting elsewhere, an expired
or misnamed certificate, a client certificate not sent, a HEC token refused, a ticket system refusing the
credentials, Redis refusing AUTH. The task body answers the same checks as JSON; the CLI prints the table."""

from __future__ import annotations

import base64
import io
import json
from contextlib import redirect_stdout

import pytest
from werkzeug import Response

from tests.support.oci import TENANCY, ObjectStorageStandIn, resource_principal, signature_problem
from tests.support.oci_apis import TOPIC, OciApis
from tests.support.tls_server import TlsListener, certificate

TOKEN_SECRET = "ocid1.vaultsecret.oc1.iad.amaaaaaahectoken"
HEC_TOKEN = "3f1c-hec-token"


class Deployment:
    """A collector and reporter's world: OCI APIs, buckets, Vault, a Splunk HEC."""

    def __init__(self, httpserver, tmp_path, monkeypatch):
        self.principal = resource_principal(tmp_path)
        self.apis = OciApis(self.principal)
        self.storage = ObjectStorageStandIn(
            httpserver, self.principal, bucket="checkpoints", extra_buckets=("dead-letters", "reports")
        )
        self.storage.create_only.add("dead-letters")  # the function's own policy: OBJECT_CREATE only
        self.secrets = {TOKEN_SECRET: HEC_TOKEN}
        self.hec_tokens = {HEC_TOKEN}
        self.hec_posts: list[bytes] = []
        httpserver.expect_request("/20190301/secretbundles/" + TOKEN_SECRET).respond_with_handler(self._secret)
        httpserver.expect_request("/services/collector/health").respond_with_handler(self._health)
        httpserver.expect_request("/services/collector/event").respond_with_handler(self._hec)
        self.env = {
            **self.principal.env,
            **self.apis.endpoints,
            "OCI_OBJECTSTORAGE_ENDPOINT": self.storage.endpoint,
            "OCI_SECRETS_ENDPOINT": httpserver.url_for("").rstrip("/"),
            "COLLECT_SOURCES": "audit,cloudguard",
            "COLLECT_AUDIT_METHOD": "list-events",
            "CHECKPOINT_BUCKET": "checkpoints",
            "DEAD_LETTER_BUCKET": "dead-letters",
            "REPORT_BUCKET": "reports",
            "REPORT_TOPIC_OCID": TOPIC,
            "SIEM_HTTP_URL": httpserver.url_for("/services/collector/event"),
            "SIEM_HTTP_FORMAT": "splunk-hec",
            "SIEM_HTTP_TOKEN_SECRET_OCID": TOKEN_SECRET,
        }
        self.monkeypatch = monkeypatch
        self.set(**self.env)

    def set(self, **env) -> None:
        for key, value in env.items():
            if value is None:
                self.monkeypatch.delenv(key, raising=False)
            else:
                self.monkeypatch.setenv(key, value)

    def _secret(self, request):
        if signature_problem(request, self.principal):
            return Response('{"code":"NotAuthenticated"}', status=401)
        value = self.secrets.get(request.path.rsplit("/", 1)[1])
        if value is None:
            return Response('{"code":"NotAuthorizedOrNotFound"}', status=404, content_type="application/json")
        content = base64.b64encode(value.encode()).decode()
        body = {"secretId": TOKEN_SECRET, "secretBundleContent": {"contentType": "BASE64", "content": content}}
        return Response(json.dumps(body), content_type="application/json")

    def _health(self, request):
        return Response('{"text":"HEC is healthy","code":17}', content_type="application/json")

    def _hec(self, request):
        self.hec_posts.append(request.get_data())
        if request.headers.get("Authorization", "").removeprefix("Splunk ") not in self.hec_tokens:
            return Response('{"text":"Invalid token","code":4}', status=403, content_type="application/json")
        if not request.get_data():
            return Response('{"text":"No data","code":5}', status=400, content_type="application/json")
        return Response('{"text":"Success","code":0}', content_type="application/json")

    def doctor(self, *args: str) -> tuple[int, dict[str, dict]]:
        """Run `python -m forwarder doctor --json` in-process: (exit status, check name -> check)."""
        from forwarder.cli import main
        from forwarder.oci import auth

        auth.reset()
        out = io.StringIO()
        with redirect_stdout(out):
            status = main(["doctor", "--json", "--auth", "resource_principal", *args])
        return status, {c["check"]: c for c in json.loads(out.getvalue())["checks"]}


@pytest.fixture
def deployment(httpserver, tmp_path, monkeypatch):
    world = Deployment(httpserver, tmp_path, monkeypatch)
    yield world
    world.apis.close()


def test_a_working_deployment_passes_every_check_and_sends_nothing(deployment):
    status, checks = deployment.doctor()
    assert status == 0, [c for c in checks.values() if c["status"] != "ok"]
    assert {c["status"] for c in checks.values()} == {"ok"}, checks
    assert set(checks) == {
        "principal",
        "region subscriptions",
        "audit retention",
        "cloud guard",
        "read compartments",
        "read audit events",
        "read cloud guard problems",
        "secret SIEM_HTTP_TOKEN_SECRET_OCID",
        "topic REPORT_TOPIC_OCID",
        "bucket DEAD_LETTER_BUCKET",
        "bucket CHECKPOINT_BUCKET",
        "bucket REPORT_BUCKET",
        "sink http " + deployment.env["SIEM_HTTP_URL"].removesuffix("/services/collector/event"),
        "sink splunk-hec token",
    }
    assert "named 'acme'" in checks["principal"]["detail"]
    assert "us-ashburn-1, eu-frankfurt-1" not in checks["region subscriptions"]["detail"]  # sorted names
    assert "ap-tokyo-1, eu-frankfurt-1, us-ashburn-1" in checks["region subscriptions"]["detail"]
    # the dead-letter probe was written (the function may only create), the others written and deleted
    assert set(deployment.storage.objects) == {"doctor/probe-dead-letter"}
    assert "replay-dead-letter needs" in checks["bucket DEAD_LETTER_BUCKET"]["detail"]
    assert deployment.hec_posts == [b""]  # the token checked with a POST carrying no event
    assert HEC_TOKEN not in json.dumps(checks)
    assert deployment.apis.bad == []  # every OCI request signed and well-formed
    assert deployment.apis.messages == []  # nothing published to the topic
    again, checks = deployment.doctor()  # the probe left in the dead-letter bucket is found, not piled up
    assert again == 0 and "found (an earlier run's)" in checks["bucket DEAD_LETTER_BUCKET"]["detail"]


@pytest.mark.parametrize(
    ("service", "checks_statements"),
    [
        ("audit", {"read audit events": "to read audit-events in tenancy"}),
        (
            "cloudguard",
            {
                "cloud guard": "to read cloud-guard-family in tenancy",
                "read cloud guard problems": "to read cloud-guard-family in tenancy",
            },
        ),
        (
            "identity",
            {
                "region subscriptions": "to inspect tenancies in tenancy",
                "read compartments": "to inspect compartments in tenancy",
            },
        ),
        ("notification", {"topic REPORT_TOPIC_OCID": f"use ons-topics in tenancy where target.topic.id = '{TOPIC}'"}),
    ],
)
def test_each_missing_policy_is_named_with_the_statement_to_add(deployment, service, checks_statements):
    deployment.apis.fail[(service, "us-ashburn-1", "")] = 404  # NotAuthorizedOrNotFound, as OCI answers
    status, checks = deployment.doctor()
    assert status == 1
    for name, statement in checks_statements.items():
        assert checks[name]["status"] == "fail", checks[name]
        assert checks[name]["fix"].startswith("add the policy statement: Allow dynamic-group"), checks[name]
        assert statement in checks[name]["fix"]
    others = {n for n, c in checks.items() if c["status"] != "ok"} - set(checks_statements)
    assert others <= {"audit retention"}, others  # GetConfiguration is Audit's too: a warning at most


def test_log_search_and_secret_and_bucket_failures_name_their_fix(deployment):
    deployment.set(COLLECT_AUDIT_METHOD="search", CHECKPOINT_BUCKET="no-such-bucket")
    deployment.apis.fail[("logging", "us-ashburn-1", "")] = 404
    deployment.secrets.clear()
    status, checks = deployment.doctor()
    assert status == 1
    assert "to read audit-events in tenancy" in checks["read audit events"]["fix"]
    secret = checks["secret SIEM_HTTP_TOKEN_SECRET_OCID"]
    assert secret["status"] == "fail" and "HTTP 404" in secret["detail"]
    assert f"read secret-bundles in tenancy where target.secret.id = '{TOKEN_SECRET}'" in secret["fix"]
    bucket = checks["bucket CHECKPOINT_BUCKET"]
    assert bucket["status"] == "fail" and "BucketNotFound" in bucket["detail"]
    assert "create the bucket 'no-such-bucket'" in bucket["fix"] and "manage objects" in bucket["fix"]


def test_a_refused_signature_fails_the_principal_and_skips_the_other_oci_checks(deployment, tmp_path):
    (tmp_path / "other").mkdir()
    other = resource_principal(tmp_path / "other")
    deployment.apis.principal = other  # the server expects another key: every signature is refused
    status, checks = deployment.doctor()
    assert status == 1
    principal = checks["principal"]
    assert principal["status"] == "fail" and "HTTP 401" in principal["detail"]
    assert "dynamic group" in principal["fix"]
    assert "region subscriptions" not in checks and "read audit events" not in checks
    assert checks["sink splunk-hec token"]["status"] == "ok"  # checks outside OCI still run


def test_short_audit_retention_and_a_distant_reporting_region_are_warnings(deployment):
    deployment.apis.retention = 90
    deployment.apis.reporting_region = "eu-frankfurt-1"
    deployment.set(COLLECT_SOURCES="audit")
    status, checks = deployment.doctor()
    assert status == 0  # warnings do not fail
    retention = checks["audit retention"]
    assert retention["status"] == "warn" and "90 days" in retention["detail"]
    assert f"oci audit config update --compartment-id {TENANCY} --retention-period-days 365" in retention["fix"]
    guard = checks["cloud guard"]
    assert guard["status"] == "warn" and "reporting region eu-frankfurt-1" in guard["detail"]
    assert "eu-frankfurt-1" in guard["fix"]


def test_a_refused_hec_token_fails_with_where_to_put_a_valid_one(deployment):
    deployment.hec_tokens = {"another-token"}
    status, checks = deployment.doctor()
    assert status == 1
    hec = checks["sink splunk-hec token"]
    assert hec["status"] == "fail" and "HTTP 403 Invalid token" in hec["detail"]
    assert "SIEM_HTTP_TOKEN_SECRET_OCID" in hec["fix"]


def _syslog_over_tls(tmp_path, monkeypatch, listener_cert, trusted, client=None) -> tuple[int, dict, TlsListener]:
    from forwarder.cli import main

    cert, key = listener_cert
    listener = TlsListener(cert, key, client_ca=client[0] if client else None)
    monkeypatch.setenv("SIEM_SYSLOG_URL", f"tls://localhost:{listener.port}")
    monkeypatch.setenv("SIEM_SYSLOG_CA_CERT", str(trusted))
    if client:
        monkeypatch.setenv("SIEM_SYSLOG_CLIENT_CERT", str(client[0]))
        monkeypatch.setenv("SIEM_SYSLOG_CLIENT_KEY", str(client[1]))
    monkeypatch.setenv("OCI_CLI_CONFIG_FILE", str(tmp_path / "none"))
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            status = main(["doctor", "--json", "--auth", "api_key"])
    finally:
        listener.close()
    checks = {c["check"]: c for c in json.loads(out.getvalue())["checks"]}
    return status, checks[f"sink syslog tls://localhost:{listener.port}"], listener


def test_syslog_tls_certificates_expired_misnamed_untrusted_and_valid(tmp_path, monkeypatch):
    good = certificate(tmp_path, "good")
    _, check, listener = _syslog_over_tls(tmp_path, monkeypatch, good, good[0])
    assert check["status"] == "ok" and "verified: certificate commonName=localhost" in check["detail"]
    assert "nothing sent" in check["detail"] and listener.received == b""

    expired = certificate(tmp_path, "expired", days=(-30, -1))
    status, check, _ = _syslog_over_tls(tmp_path, monkeypatch, expired, expired[0])
    assert status == 1 and "certificate has expired" in check["detail"], check
    assert check["fix"] == "the receiver's certificate has expired: renew it"

    misnamed = certificate(tmp_path, "misnamed", hosts=("siem.example.com",))
    _, check, _ = _syslog_over_tls(tmp_path, monkeypatch, misnamed, misnamed[0])
    assert check["status"] == "fail" and "does not name localhost" in check["fix"], check

    _, check, _ = _syslog_over_tls(tmp_path, monkeypatch, good, misnamed[0])  # signed by a CA not trusted
    assert check["status"] == "fail" and "set SIEM_SYSLOG_CA_CERT to the CA" in check["fix"], check

    soon = certificate(tmp_path, "soon", days=(-1, 3))
    _, check, _ = _syslog_over_tls(tmp_path, monkeypatch, soon, soon[0])
    assert check["status"] == "warn" and " left)" in check["detail"], check


def test_syslog_tls_client_certificate_presented_or_refused(tmp_path, monkeypatch):
    server = certificate(tmp_path, "server")
    client = certificate(tmp_path, "client", hosts=("forwarder",))
    _, check, listener = _syslog_over_tls(tmp_path, monkeypatch, server, server[0], client=client)
    assert check["status"] == "ok" and listener.handshakes == 1, check

    stranger = certificate(tmp_path, "stranger", hosts=("forwarder",))
    cert, key = server
    listener = TlsListener(cert, key, client_ca=client[0])
    try:
        from forwarder import doctor
        from forwarder.settings import load_settings

        monkeypatch.setenv("SIEM_SYSLOG_URL", f"tls://localhost:{listener.port}")
        monkeypatch.setenv("SIEM_SYSLOG_CLIENT_CERT", str(stranger[0]))
        monkeypatch.setenv("SIEM_SYSLOG_CLIENT_KEY", str(stranger[1]))
        probe = doctor.Probe(load_settings(), None, "api_key", __import__("time").monotonic() + 10)
        from forwarder.doctor import network

        check = network.syslog(probe)
    finally:
        listener.close()
    assert check.status == "fail" and "client certificate" in check.fix, check


def test_redis_auth_and_ticket_credentials(tmp_path, monkeypatch, httpserver):
    from tests.support.redis_server import RedisServer
    from tests.support.ticket_apis import ServiceNowStandIn

    redis = RedisServer(tmp_path / "redis", password="s3cret")
    servicenow = ServiceNowStandIn(httpserver)
    try:
        env = {
            "DETECTION_STATE_URL": f"redis://127.0.0.1:{redis.port}",
            "DETECTION_STATE_PASSWORD": "s3cret",
            "TICKET_SYSTEM": "servicenow",
            "TICKET_URL": servicenow.url(),
            "TICKET_USERNAME": "svc-oci",
            "TICKET_PASSWORD": "sn-password",
            "OCI_CLI_CONFIG_FILE": str(tmp_path / "none"),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        checks = _cli_checks()
        assert checks[f"detection state redis://127.0.0.1:{redis.port}"]["status"] == "ok"
        assert checks["tickets servicenow"]["status"] == "ok"
        assert servicenow.incidents == {}  # a read, nothing created
        monkeypatch.setenv("DETECTION_STATE_PASSWORD", "wrong")
        monkeypatch.setenv("TICKET_PASSWORD", "wrong")
        checks = _cli_checks()
        state = checks[f"detection state redis://127.0.0.1:{redis.port}"]
        assert state["status"] == "fail" and "DETECTION_STATE_PASSWORD_SECRET_OCID" in state["fix"], state
        tickets = checks["tickets servicenow"]
        assert tickets["status"] == "fail" and "HTTP 401" in tickets["detail"], tickets
        assert "credentials were refused" in tickets["fix"]
    finally:
        redis.stop()


def _cli_checks() -> dict[str, dict]:
    from forwarder.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        main(["doctor", "--json", "--auth", "api_key"])
    return {c["check"]: c for c in json.loads(out.getvalue())["checks"]}


def test_the_task_answers_the_checks_and_502_when_one_fails(deployment):
    from forwarder import handler

    status, answer = handler.handle(b'{"task": "doctor"}', 30)
    assert status == 200 and answer["doctor"] == "ok", answer
    assert len(answer["checks"]) == 14
    deployment.storage.buckets.discard("reports")
    handler.reset()
    status, answer = handler.handle(b'{"task": "doctor"}', 30)
    assert status == 502 and answer["doctor"] == "fail"
    assert [c["check"] for c in answer["checks"] if c["status"] == "fail"] == ["bucket REPORT_BUCKET"]


def test_the_table_and_exit_statuses(deployment, capsys):
    from forwarder.cli import main

    deployment.apis.retention = 100
    assert main(["doctor", "--auth", "resource_principal"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("OK    principal")
    assert "WARN  audit retention" in out and "fix: set the tenancy's Audit retention" in out
    assert out.rstrip().endswith("14 checks: 13 ok, 1 warn, 0 fail")
    deployment.set(COLLECT_REGIONS="mars-east-1")
    assert main(["doctor", "--auth", "resource_principal"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  region subscriptions" in out and "COLLECT_REGIONS names mars-east-1" in out
    with pytest.raises(SystemExit) as usage:
        main(["doctor", "--deadline", "0"])
    assert usage.value.code == 2
