"""Enrichment: names for OCIDs from the OCI API stand-ins (the real SDK, signatures checked), cached per
container and in Redis, never holding delivery back."""

from __future__ import annotations

import copy
import json

import pytest

from forwarder import handler
from forwarder.enrich import stage
from forwarder.handler import handle
from tests.conftest import sample
from tests.support.oci import TENANCY, resource_principal
from tests.support.oci_apis import SAMPLE_COMPARTMENT as PROD
from tests.support.oci_apis import SAMPLE_TENANCY, named_sample
from tests.support.oci_apis import SAMPLE_USER as USER

ADMINS, DEVS = "ocid1.group.oc1..aaaaaaaaadmins", "ocid1.group.oc1..aaaaaaaadevs"
WRITE = "audit-objectstorage-createbucket-public.json"


@pytest.fixture
def apis(tmp_path, monkeypatch, httpserver):
    """The identity and Cloud Guard stand-ins of the sample's tenancy: root/apps/prod, Jane in two groups."""
    principal = resource_principal(tmp_path)
    server = named_sample(principal, {ADMINS: "Administrators", DEVS: "Developers"}, "example-tenancy")
    for name, value in {**principal.env, **server.endpoints}.items():
        monkeypatch.setenv(name, value)
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("SIEM_HTTP_URL", httpserver.url_for("/hook"))
    monkeypatch.setenv("ENRICH_NAMES", "true")
    yield server
    server.close()


def sent(httpserver) -> list[dict]:
    return [r for request, _ in httpserver.log for r in json.loads(request.get_data())]


def identity_calls(apis) -> int:
    return sum(n for (service, _), n in apis.calls.items() if service == "identity")


def batch(n: int) -> bytes:
    events = []
    for i in range(n):
        event = copy.deepcopy(sample(WRITE))
        event["eventID"] = f"write-{i}"
        events.append(event)
    return ours(json.dumps(events).encode())


def ours(body: bytes) -> bytes:
    """`body` moved into the function principal's tenancy (the samples name another one)."""
    return body.replace(SAMPLE_TENANCY.encode(), TENANCY.encode())


def test_a_record_gains_compartment_path_tenancy_and_the_users_groups(apis, httpserver):
    status, summary = handle(batch(1))
    assert status == 200, summary
    record = sent(httpserver)[0]
    assert record["compartment"] == {"id": PROD, "name": "app-prod", "path": "root/apps/prod"}  # name as sent
    assert record["tenancyName"] == "example-tenancy"
    assert record["principal"]["email"] == "jane.doe@example.com"
    assert record["principal"]["groups"] == ["Administrators", "Developers"]
    assert summary["enrichment"]["missed"] == 0 and summary["enrichment"]["off"] == []
    assert not apis.bad  # every request signed with the function's resource principal


def test_one_lookup_per_distinct_ocid_in_a_batch_and_none_from_the_cache(apis, httpserver):
    handle(batch(20))
    # tenancy 1, prod and apps 2, user 1 + memberships 2 pages, two groups 2: 8, whatever the batch's size
    assert identity_calls(apis) == 8
    handle(batch(20).replace(b"write-", b"again-"))
    assert identity_calls(apis) == 8  # the container's cache


def test_redis_shares_names_with_a_new_container(apis, httpserver, redis_server, monkeypatch):
    monkeypatch.setenv("DETECTION_STATE_URL", redis_server.url)
    handle(batch(1))
    before = identity_calls(apis)
    handler.reset()  # another container: an empty memory, the same Redis
    status, summary = handle(batch(1).replace(b"write-", b"other-"))
    assert status == 200 and identity_calls(apis) == before
    assert summary["enrichment"]["lookups"] == 0 and summary["enrichment"]["cached"] >= 6
    assert sent(httpserver)[-1]["compartment"]["path"] == "root/apps/prod"


def test_a_refused_kind_turns_itself_off_once_and_records_still_go(apis, httpserver):
    apis.users.clear()  # GetUser answers 404 NotAuthorizedOrNotFound: `inspect users` is not granted
    status, summary = handle(batch(1))
    assert status == 200 and summary["ok"] and summary["delivered"] == {"http": 2}  # the event, its detection
    assert summary["enrichment"]["off"] == ["users"]
    assert any("inspect users" in w for w in summary["enrichment"]["warnings"])
    record = sent(httpserver)[0]
    assert "groups" not in record["principal"] and record["compartment"]["path"] == "root/apps/prod"
    calls = identity_calls(apis)
    handle(batch(1).replace(b"write-", b"next-"))
    assert identity_calls(apis) == calls  # off for the container: nothing asked again


def test_a_failing_api_never_holds_delivery_back(apis, httpserver, monkeypatch):
    monkeypatch.setattr(stage, "BUDGET", 0.5)
    apis.fail[("identity", "us-ashburn-1", "")] = 503
    status, summary = handle(batch(2))
    assert status == 200 and summary["ok"] and summary["delivered"]["http"] >= 2
    assert summary["enrichment"]["missed"] >= 1 and summary["enrichment"]["warnings"]
    assert "path" not in sent(httpserver)[0]["compartment"]
    calls = identity_calls(apis)
    status, summary = handle(batch(2).replace(b"write-", b"later-"))
    assert status == 200 and identity_calls(apis) == calls  # the failing kinds rest: the next batch does not wait
    assert summary["enrichment"]["lookups"] == 0


def test_the_administrators_rule_fires_when_the_event_names_the_group_only_by_ocid(apis, httpserver):
    from tests.detect_events import audit

    event = audit(type="com.oraclecloud.identityControlPlane.AddUserToGroup", resource="")
    event["data"]["resourceName"] = None
    event["data"]["stateChange"] = {"current": {"groupId": ADMINS, "userId": USER}}
    body = json.dumps(event).encode()
    for tenancy in {event["data"]["identity"]["tenantId"], event["data"]["compartmentId"]}:
        body = body.replace(tenancy.encode(), TENANCY.encode())
    status, summary = handle(body)
    assert status == 200
    rules = [r["details"]["ruleName"] for r in sent(httpserver) if r["kind"] == "detection"]
    assert "oci_user_added_to_administrators" in rules


def test_cloud_guard_target_gets_its_name(apis, httpserver):
    problem = sample("cloudguard-problemdetected-bucket-public-critical.json")
    target = problem["data"]["additionalDetails"]["targetId"]
    apis.targets[target] = "tenancy-root-target"
    problem["data"]["additionalDetails"]["tenantId"] = TENANCY
    handle(json.dumps(problem).encode())
    record = sent(httpserver)[0]
    assert record["targetName"] == "tenancy-root-target"
    assert list(record)[list(record).index("targetId") + 1] == "targetName" and list(record)[-1] == "original"


def test_a_dead_letter_keeps_the_names_and_replay_puts_them_back(apis, httpserver):
    from forwarder.enrich.names import names_of, put_back
    from forwarder.formats import record_json
    from forwarder.normalize import normalize
    from forwarder.settings import load_settings
    from forwarder.wiring import build

    pipeline = build(load_settings())
    (write,) = json.loads(batch(1))
    problem = sample("cloudguard-problemdetected-bucket-public-critical.json")
    problem["data"]["additionalDetails"]["tenantId"] = TENANCY
    apis.targets[problem["data"]["additionalDetails"]["targetId"]] = "tenancy-root-target"
    for event in (write, problem):  # a problem's targetName keeps its place after targetId on replay too
        record = normalize(event)
        pipeline.enricher.enrich([record], None)
        line = json.loads(json.dumps({"event": record.kept, "names": names_of(record.data)}))  # as kept
        again = normalize(line["event"])
        assert record_json.encode(again) != record_json.encode(record)  # normalized alone, the names are gone
        put_back(again.data, line["names"])
        assert record_json.encode(again) == record_json.encode(record)  # replay sends what the sink would get
        assert names_of(normalize(event).data) is None  # a record enrichment never touched keeps no names


def test_only_well_formed_ocids_are_looked_up():
    from forwarder.enrich.lookup import kind_of

    assert kind_of(USER) == "users" and kind_of(PROD) == "compartments" and kind_of(TENANCY) == "tenancies"
    for hostile in (USER + "/../../groups/x", USER + "?limit=1", "ocid1.user.oc1..a%2Fb", "ocid1.instance.oc1..a"):
        assert kind_of(hostile) is None  # never sent in a request path; instances are not named
