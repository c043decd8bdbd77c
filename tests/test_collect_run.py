"""The pull side as users run it: the collector function (real fdk server, task bodies, deadline), the
CLI (api_key auth, progress, state file, killed and resumed), Cloud Guard problems opening and closing
tickets, named log searches, and one Record for an audit event however it was read."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from tests.collect_world import BASE, COMPARTMENTS, World
from tests.conftest import clean_env
from tests.support.oci import TENANCY, api_key_principal, session_principal
from tests.support.oci_apis import rest_event
from tests.support.ticket_apis import ServiceNowStandIn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def world(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch) as w:
        yield w


def snake(value):
    """An SDK `to_dict()`-style copy: model keys in snake_case, maps the event carries left alone."""
    import re

    def key(k):
        return re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower()

    out = {key(k): v for k, v in value.items()}
    data = out["data"] = {key(k): v for k, v in value["data"].items()}
    for part in ("identity", "request", "response"):
        data[part] = {key(k): v for k, v in value["data"][part].items()}
    return out


def test_an_audit_event_is_one_record_however_it_was_read():
    from forwarder.normalize import normalize
    from forwarder.sources import logging_search

    pushed = copy.deepcopy(BASE)  # Connector Hub, _Audit log
    listed = rest_event(copy.deepcopy(BASE))  # Audit ListEvents (REST camelCase)
    searched = logging_search.record({"data": {"datetime": 1, "logContent": copy.deepcopy(BASE)}})
    exported = snake(rest_event(copy.deepcopy(BASE)))  # the Python SDK's to_dict()
    assert "event_id" in exported and "principal_name" in exported["data"]["identity"]
    records = [normalize(e, "eu-frankfurt-1").to_dict() for e in (pushed, listed, searched, exported)]
    for r in records:
        r.pop("original")
    assert records[0]["eventId"] == BASE["id"] and records[0]["principal"]["name"] == "audit-reader"
    assert records[0]["kind"] == "audit" and records[0]["details"] == {"X-Real-Port": 14226}
    for other in records[1:]:
        assert {k: v for k, v in other.items() if k != "tenancyId"} == {
            k: v for k, v in records[0].items() if k != "tenancyId"
        }
    assert all(r["tenancyId"] for r in records)  # the log's tenancy, else the caller's (the API form has no oracle{})


def problem(pid: str, state: str, first: str, last: str, risk: str = "CRITICAL") -> dict:
    """A Problem as GetProblem returns it (ListProblems leaves out description and the like)."""
    return {
        "id": pid,
        "compartmentId": TENANCY,
        "detectorRuleId": "BUCKET_IS_PUBLIC",
        "riskLevel": risk,
        "riskScore": 90.0,
        "resourceId": "ocid1.bucket.oc1..b",
        "resourceName": "payroll",
        "resourceType": "Bucket",
        "labels": ["CIS_OCI_V1.1_OBJECTSTORAGE", "ObjectStorage"],
        "timeFirstDetected": first,
        "timeLastDetected": last,
        "lifecycleState": "ACTIVE",
        "lifecycleDetail": state,
        "detectorId": "IAAS_CONFIGURATION_DETECTOR",
        "region": "us-ashburn-1",
        "regions": ["us-ashburn-1"],
        "targetId": "ocid1.cloudguardtarget.oc1..t",
        "description": "Objects in a public bucket can be read by anyone.",
        "recommendation": "Ensure that the bucket is sanctioned for public access, else make it private.",
        "additionalDetails": {"publicAccessType": "ObjectRead"},
        "impactedResourceName": "payroll",
        "impactedResourceId": "ocid1.bucket.oc1..b",
        "impactedResourceType": "Bucket",
        "peakRiskScore": 90.0,
    }


def test_problems_polled_open_then_resolved_open_and_close_their_ticket(world, httpserver, monkeypatch):
    snow = ServiceNowStandIn(httpserver)
    user, password = snow.credentials
    for key, value in {
        "TICKET_SYSTEM": "servicenow",
        "TICKET_URL": snow.url(),
        "TICKET_USERNAME": user,
        "TICKET_PASSWORD": password,
        "TICKET_MIN_RISK": "HIGH",
    }.items():
        monkeypatch.setenv(key, value)
    world.apis.reporting_region = "eu-frankfurt-1"
    seen = (world.now - timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    world.apis.problems = [
        problem("ocid1.cloudguardproblem.oc1..p1", "OPEN", seen, seen),
        problem("ocid1.cloudguardproblem.oc1..p2", "OPEN", seen, seen, risk="LOW"),
    ]
    first = world.run(("cloudguard",)).to_dict()
    assert first["ok"] and list(first["sources"]["cloudguard"]) == ["eu-frankfurt-1"], first
    (ticket,) = snow.incidents.values()
    assert ticket["active"] == "true" and "Bucket is public" in ticket["short_description"]
    (record, _) = world.siem.records
    assert (
        record["kind"] == "cloudguard_problem"
        and record["lifecycle"] == "detected"
        and record["riskLevel"] == "CRITICAL"
    )
    assert record["problemName"] == "BUCKET_IS_PUBLIC" and record["labels"] == [
        "CIS_OCI_V1.1_OBJECTSTORAGE",
        "ObjectStorage",
    ]
    # what only GetProblem returns, as Cloud Guard's events carry it: in the record and the ticket
    assert record["description"] == "Objects in a public bucket can be read by anyone."
    assert record["recommendation"].startswith("Ensure that the bucket is sanctioned")
    assert record["details"] == {"publicAccessType": "ObjectRead"}
    assert record["impactedResource"] == {"name": "payroll", "id": "ocid1.bucket.oc1..b", "type": "Bucket"}
    assert "make it private" in ticket["description"]

    calls = world.apis.calls[("cloudguard", "eu-frankfurt-1")]
    assert world.run(("cloudguard",)).to_dict()["delivery"]["received"] == 0  # unchanged: nothing sent again
    assert world.apis.calls[("cloudguard", "eu-frankfurt-1")] - calls == 1  # ListProblems only: no GetProblem
    world.apis.gone_problems.add("ocid1.cloudguardproblem.oc1..p2")  # deleted after it is listed: sent as listed
    world.apis.problems[1]["lifecycleDetail"] = "DISMISSED"
    world.apis.problems[0]["lifecycleDetail"] = "RESOLVED"  # Cloud Guard resolved it: last detection unchanged
    third = world.run(("cloudguard",)).to_dict()
    assert third["ok"] and sorted(t["action"] for t in third["delivery"]["tickets"]) == ["none", "resolved"]
    assert ticket["active"] == "false" and {r["lifecycle"] for r in world.siem.records[2:]} == {
        "remediated",
        "dismissed",
    }
    (dismissed,) = [r for r in world.siem.records[2:] if r["lifecycle"] == "dismissed"]
    assert dismissed["description"] is None and dismissed["problemName"] == "BUCKET_IS_PUBLIC"
    assert not world.siem.duplicates() and len(world.siem.records) == 4


def test_named_log_searches_run_per_region(world, monkeypatch):
    monkeypatch.setenv("COLLECT_QUERIES", json.dumps({"flows": 'search "{tenancy}/flowlogs/vcn"'}))
    record = {
        "id": "flow-1",
        "time": (world.now - timedelta(minutes=3)).isoformat().replace("+00:00", "Z"),
        "type": "com.oraclecloud.vcn.flowlogs.DataEvent",
        "source": "vnic1",
        "specversion": "1.0",
        "data": {"action": "REJECT", "destinationPort": 22},
        "oracle": {"tenantid": TENANCY},
    }
    world.apis.logs["ap-tokyo-1"] = {f"{TENANCY}/flowlogs/vcn": [record]}
    report = world.run(("logsearch",)).to_dict()
    assert report["ok"] and sorted(report["sources"]["logsearch"]) == sorted(world.apis.regions)
    (got,) = world.siem.records
    assert got["eventId"] == "flow-1" and got["region"] == "ap-tokyo-1" and got["kind"] == "other"
    assert "checkpoints/logsearch/ap-tokyo-1/flows.json" in world.checkpoints()


def test_the_collector_function_runs_a_task_body_within_its_deadline(world, function_server):
    world.fill(per_scope=2)
    config = {k: v for k, v in world.env.items() if not k.startswith("OCI_RESOURCE_PRINCIPAL")}
    config["COLLECT_WORKERS"] = "1"  # one region after the other
    server = function_server(config, {k: v for k, v in world.env.items() if k.startswith("OCI_RESOURCE_PRINCIPAL")})
    done = server.invoke(b'{"task": "collect", "sources": ["audit"]}')
    assert done.status == 200 and done.summary["ok"], done.text
    assert len(world.siem.ids) == 30 and done.summary["delivery"]["delivered"] == {"http": 30}

    world.fill(per_scope=2, tag="slow")
    world.apis.delay = 4.0  # each page takes 4 s: a 12 s invocation cannot read all three regions one by one
    started = time.monotonic()
    late = server.invoke(b'{"task": "collect"}', deadline_seconds=12)
    assert time.monotonic() - started < 12 and late.status in (200, 502), late.text
    shards = late.summary["shards"]
    assert shards["done"] < 3 and shards["deferred"] + shards["failed"] > 0, late.summary
    assert not world.siem.duplicates()

    world.apis.delay = 0
    final = server.invoke(b'{"task": "collect"}')
    assert final.status == 200 and len(world.siem.ids) == 60 and not world.siem.duplicates(), final.text


def test_a_task_body_is_refused_by_a_function_not_configured_to_collect(world, function_server):
    config = {
        k: v
        for k, v in world.env.items()
        if k not in ("COLLECT_SOURCES",) and not k.startswith("OCI_RESOURCE_PRINCIPAL")
    }
    server = function_server(config)
    result = server.invoke(b'{"task": "collect", "sources": ["audit"]}')
    assert result.status == 502 and "COLLECT_SOURCES is not set" in result.summary["errors"][0]
    assert not world.siem.records and not world.apis.calls  # not forwarded as an event, nothing read


def cli(world, *args, env=None, top=(), **popen):
    full = {k: v for k, v in {**clean_env(), **world.env}.items() if not k.startswith("OCI_RESOURCE_PRINCIPAL")}
    full.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "forwarder", *top, "collect", *args],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def last_summary(stderr: str) -> dict:
    """The JSON summary a command writes to standard error (its last JSON line)."""
    return json.loads([line for line in stderr.splitlines() if line.startswith("{")][-1])


def stopped_half_way(world, tmp_path, signum: int, timeout: float):
    """A slow CLI run with an API key and a --state file, sent `signum` once 20 events reached the SIEM.
    Returns (the ids in the stand-ins, the run's arguments, the process, its stdout, its stderr)."""
    key = api_key_principal(tmp_path)
    world.apis.principal = key  # the stand-ins now expect the user's API key signature
    ids = world.fill(per_scope=12)
    world.apis.delay = 0.4
    state = tmp_path / "state.json"
    args = ["--auth", "api_key", "--config-file", str(key.config_file), "--state", str(state), "--workers", "2"]
    first = cli(world, *args)
    end = time.monotonic() + 60
    while len(world.siem.ids) < 20 and time.monotonic() < end:
        time.sleep(0.05)
    first.send_signal(signum)
    out, err = first.communicate(timeout=timeout)
    return ids, args, first, out, err


def test_cli_with_an_api_key_killed_half_way_then_resumed_delivers_every_event(world, tmp_path):
    ids, args, first, _, err = stopped_half_way(world, tmp_path, signal.SIGKILL, timeout=10)
    state = tmp_path / "state.json"
    got_before = len(world.siem.ids)
    assert 0 < got_before < len(ids), err

    world.apis.delay = 0
    second = cli(world, *args)
    out, err = second.communicate(timeout=120)
    report = last_summary(err)
    assert second.returncode == 0 and report["ok"], err
    assert [json.loads(line)["kind"] for line in out.splitlines()] == []  # a SIEM is set: nothing on stdout
    assert set(world.siem.ids) == set(ids)  # every event, whatever the kill interrupted
    assert not world.apis.bad
    checkpoints = json.loads(state.read_text())
    assert sorted(checkpoints) == sorted(f"audit/{r}/tenancy" for r in world.apis.regions)


def test_cli_backfill_usage_errors_name_the_option(world):
    p = cli(world, "--until", "2026-01-01")
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "--until needs --since" in err
    p = cli(world, "--since", "yesterday-ish")
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "expected an RFC 3339 time" in err


def test_a_problem_in_the_sdks_snake_case_is_the_same_event():
    from forwarder.normalize import normalize
    from forwarder.sources.api import cloudguard

    camel = problem(
        "ocid1.cloudguardproblem.oc1..p9", "DISMISSED", "2026-11-01T10:00:00.000Z", "2026-11-02T10:00:00.000Z"
    )
    snake_case = {__import__("re").sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): v for k, v in camel.items()}
    assert "lifecycle_detail" in snake_case and "time_last_detected" in snake_case
    records = [normalize(cloudguard.event(p, TENANCY)).to_dict() for p in (camel, snake_case)]
    assert records[0] == records[1]
    assert records[0]["lifecycle"] == "dismissed" and records[0]["firstDetected"] == "2026-11-01T10:00:00.000Z"
    assert records[0]["eventId"] == "cloudguard:ocid1.cloudguardproblem.oc1..p9:DISMISSED:2026-11-02T10:00:00.000Z"


def test_the_progress_bar_shows_shards_events_and_rate(monkeypatch):
    import io

    from forwarder.cli import common

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = common.Bar()
    bar.update(2, 5, 1200)
    bar.close()
    text = err.getvalue()
    assert "2/5" in text and "shard" in text and "1200 events" in text and "/s" in text


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"task": "collect", "sources": ["cloudguard"]}', "sources must be a list of configured sources (audit)"),
        (b'{"task": "collect", "sources": [["audit"]]}', "sources must be a list of configured sources"),
        (b'{"task": "purge"}', "unknown task 'purge'"),
        (b'{"task": "report"}', "not configured to report (REPORT_BUCKET unset)"),
        (b'{"task": "collect", "since": "2026-01-01"}', "unknown key 'since'"),
    ],
)
def test_bad_task_bodies_are_refused_naming_what_is_wrong(world, body, message):
    from forwarder import handler

    status, summary = handler.handle(body, 30)
    assert status == 502 and message in summary["errors"][0] and not world.apis.calls


def test_a_collection_run_detects_across_regions_as_a_whole_window(world):
    from datetime import UTC, datetime

    from tests.collect_world import BASE as RECORD
    from tests.support.oci_apis import audit_record

    start = datetime.now(UTC) - timedelta(minutes=20)
    for k in range(5):  # five launches by one principal, spread over three regions, within ten minutes
        record = audit_record(RECORD, f"launch-{k}", start + timedelta(minutes=k), TENANCY, name="LaunchInstance")
        record["type"] = "com.oraclecloud.computeApi.LaunchInstance"
        record["data"]["request"]["action"] = "POST"
        world.apis.add(world.apis.regions[k % 3], record)
    report = world.run().to_dict()
    assert report["ok"] and report["delivery"]["detection"]["detections"] == 1, report["delivery"]
    # the collector names itself in its calls' user agent (audit records of them are not a List/Get burst)
    assert all("oci-security-forwarder/" in agent for agent in world.apis.user_agents), world.apis.user_agents
    (found,) = [r for r in world.siem.records if r["kind"] == "detection"]
    assert found["details"]["ruleName"] == "oci_instances_launched_burst"
    assert sorted(found["details"]["matchedEventIds"]) == [f"launch-{k}" for k in range(5)]


def test_cli_with_an_api_key_and_a_region_pattern_endpoint_runs_on_a_laptop(world, tmp_path):
    """`{region}` means the profile's region outside OCI Functions: a pattern endpoint is not refused."""
    key = api_key_principal(tmp_path)
    world.apis.principal = key
    ids = world.fill(per_scope=2)
    pattern = {
        "OCI_OBJECTSTORAGE_ENDPOINT": "https://objectstorage.{region}.oraclecloud.com",
        "OCI_SECRETS_ENDPOINT": "https://secrets.vaults.{region}.oci.oraclecloud.com",
    }
    args = ["--auth", "api_key", "--config-file", str(key.config_file), "--state", str(tmp_path / "s.json")]
    done = cli(world, *args, env=pattern)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert last_summary(err)["ok"] and set(world.siem.ids) == set(ids)


def test_cli_usage_errors_come_before_any_vault_secret_is_read(world):
    """A bad --since is a usage error at once (exit 2), even when the pipeline would need a Vault secret
    that cannot be read: arguments are checked before anything is built."""
    vault = {
        "SIEM_HTTP_TOKEN_SECRET_OCID": "ocid1.vaultsecret.oc1..aaaaunreachable",
        "OCI_SECRETS_ENDPOINT": "http://127.0.0.1:9",
    }
    p = cli(world, "--since", "yesterday-ish", env=vault)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "expected an RFC 3339 time" in err and "Vault" not in err, err


def test_cli_ctrl_c_delivers_what_was_read_keeps_checkpoints_and_a_second_run_sends_the_rest_once(world, tmp_path):
    ids, args, first, out, err = stopped_half_way(world, tmp_path, signal.SIGINT, timeout=60)
    assert first.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and out == ""
    partial = last_summary(err)
    assert partial["interrupted"] is True and partial["complete"] is False and partial["ok"] is True
    assert partial["shards"]["deferred"] >= 1 and partial["shards"]["failed"] == 0
    problems = [p["outcome"] for r in partial["sources"]["audit"].values() for p in r["problems"]]
    assert problems and all(p == "deferred: the run was interrupted" for p in problems)
    delivered = set(world.siem.ids)
    assert partial["delivery"]["delivered"]["http"] == len(delivered) < len(ids)  # what was read went out

    world.apis.delay = 0
    second = cli(world, *args)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0 and last_summary(err)["complete"], err
    assert set(world.siem.ids) == set(ids) and world.siem.duplicates() == {}  # the rest, and nothing twice


def test_cli_principal_mistakes_are_one_line_naming_the_fix(world, tmp_path):
    missing = cli(world, "--auth", "api_key", "--config-file", str(tmp_path / "nope"))
    _, err = missing.communicate(timeout=60)
    assert missing.returncode == 2 and "Traceback" not in err and len(err.splitlines()) <= 3, err
    assert f"no OCI config file at {tmp_path / 'nope'}: run `oci setup config`" in err
    key = api_key_principal(tmp_path)
    env = {"OCI_CLI_CONFIG_FILE": str(key.config_file), "OCI_CLI_PROFILE": "OTHER"}
    other = cli(world, "--auth", "api_key", env=env)
    _, err = other.communicate(timeout=60)
    assert other.returncode == 2 and f"profile 'OTHER' is not in {key.config_file} (profiles: DEFAULT)" in err, err
    session = session_principal(tmp_path, expires_in=-60)
    expired = cli(world, "--auth", "security_token", "--config-file", str(session.config_file), "--profile", "SSO")
    _, err = expired.communicate(timeout=60)
    assert expired.returncode == 2 and "expired at" in err and "oci session refresh --profile SSO" in err, err
    wrong_mode = cli(world, "--auth", "api_key", "--config-file", str(session.config_file), "--profile", "SSO")
    _, err = wrong_mode.communicate(timeout=60)
    assert wrong_mode.returncode == 2 and "has no user" in err and "use --auth security_token" in err, err
    assert not world.apis.calls and not world.siem.records  # nothing was read or sent


def test_cli_takes_the_oci_cli_profile_variables_and_a_session_token(world, tmp_path):
    key = api_key_principal(tmp_path)
    key.config_file.write_text(key.config_file.read_text().replace("[DEFAULT]", "[OTHER]"))
    world.apis.principal = key
    ids = world.fill(per_scope=1)
    env = {"OCI_CLI_CONFIG_FILE": str(key.config_file), "OCI_CLI_PROFILE": "OTHER", "OCI_CLI_AUTH": "api_key"}
    done = cli(world, "--state", str(tmp_path / "a.json"), env=env)
    _, err = done.communicate(timeout=120)
    assert done.returncode == 0 and set(world.siem.ids) == set(ids), err
    forgetful = {**env, "CHECKPOINT_BUCKET": ""}
    for top, said in (((), True), (("-q",), False)):  # a note for the person at the terminal, unless -q
        done = cli(world, "--since", "1h", env=forgetful, top=top)
        _, err = done.communicate(timeout=120)
        assert done.returncode == 0 and ("collect: no --state" in err) is False and last_summary(err)["ok"], err
        done = cli(world, env=forgetful, top=top)
        _, err = done.communicate(timeout=120)
        assert done.returncode == 0 and ("collect: no --state and no CHECKPOINT_BUCKET" in err) is said, err
    session = session_principal(tmp_path)
    world.apis.principal = session  # requests must now be signed with the session's token and key
    more = world.fill(per_scope=1, tag="s")
    args = ["--auth", "security_token", "--profile", "SSO", "--state", str(tmp_path / "b.json")]
    done = cli(world, *args, env={"OCI_CONFIG_FILE": str(session.config_file)})
    _, err = done.communicate(timeout=120)
    assert done.returncode == 0 and set(more) <= set(world.siem.ids) and not world.apis.bad, err


def test_cli_state_and_regions_are_checked_before_anything_is_read(world, tmp_path):
    p = cli(world, "--state", "/nonexistent/dir/s.json")
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "Traceback" not in err and len(err.splitlines()) <= 3, err
    assert "--state /nonexistent/dir/s.json: the folder /nonexistent/dir does not exist" in err
    p = cli(world, "--state", str(tmp_path))
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "is a folder" in err
    p = cli(world, "--regions", "mars-north-1")
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "'mars-north-1' is not an OCI region" in err, err
    p = cli(world, "--regions", "eu-frankfrut-1")
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "did you mean eu-frankfurt-1?" in err, err
    assert not world.apis.calls

    key = api_key_principal(tmp_path)
    world.apis.principal = key
    ids = world.fill(per_scope=1, regions=["us-ashburn-1"])
    args = ["--auth", "api_key", "--config-file", str(key.config_file), "--state", str(tmp_path / "s.json")]
    p = cli(world, *args, "--regions", "us-ashburn-1,sa-saopaulo-1")
    _, err = p.communicate(timeout=120)
    summary = last_summary(err)
    assert p.returncode == 1 and set(world.siem.ids) == set(ids), err
    assert any("sa-saopaulo-1 is not subscribed by the tenancy" in e for e in summary["errors"])
    assert not [call for call in world.apis.calls if call[1] == "sa-saopaulo-1"]  # never asked


def scoped(ids: list[str], *compartments: str) -> set[str]:
    """The ids `World.fill` made in these compartments (`ev-<region>-<last char of the OCID>-<k>`)."""
    marks = {c[-1] for c in compartments}
    return {i for i in ids if i.split("-")[-2] in marks}


@pytest.mark.parametrize("method", ["search", "list-events"])
def test_a_compartment_scope_reads_that_compartment_and_its_subtree_only(world, method):
    c0, c1 = COMPARTMENTS[0], COMPARTMENTS[1]
    world.apis.parents = {c1: c0}  # root -> c0 -> c1; c2 and c3 beside c0
    ids = world.fill(per_scope=2)
    collector = world.collector(COLLECT_COMPARTMENT_OCID=c0, COLLECT_AUDIT_METHOD=method)
    try:
        outcome = collector.run(("audit",)).to_dict()
    finally:
        collector.pipeline.close()
    assert outcome["ok"] and outcome["complete"], outcome
    assert set(world.siem.ids) == scoped(ids, c0, c1) and len(world.siem.ids) == 2 * 2 * len(world.apis.regions)
    if method == "search":
        target = f'search "{c0}/_Audit_Include_Subcompartment"'
        assert world.apis.queries and all(q.startswith(target) for q in world.apis.queries)
    checkpoints = world.checkpoints()
    assert checkpoints and all(c0 in name or c1 in name for name in checkpoints), sorted(checkpoints)


def test_a_compartment_scope_reads_cloud_guard_problems_of_the_subtree_and_a_wrong_one_reads_nothing(world):
    c0, c1, c2 = COMPARTMENTS[:3]
    world.apis.parents = {c1: c0}
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 300))
    for pid, where in (("p-root", TENANCY), ("p-c0", c0), ("p-c1", c1), ("p-c2", c2)):
        found = problem(f"ocid1.cloudguardproblem.oc1..{pid}", "OPEN", now, now)
        found["compartmentId"] = where
        world.apis.problems.append(found)
    collector = world.collector(COLLECT_COMPARTMENT_OCID=c0)
    try:
        outcome = collector.run(("cloudguard",)).to_dict()
    finally:
        collector.pipeline.close()
    assert outcome["ok"], outcome
    assert {r["problemId"].rsplit(".", 1)[1] for r in world.siem.records} == {"p-c0", "p-c1"}

    world.siem.records.clear()
    collector = world.collector(COLLECT_COMPARTMENT_OCID="ocid1.compartment.oc1..aaaaaaaanotthere")
    try:
        outcome = collector.run(("audit", "cloudguard")).to_dict()
    finally:
        collector.pipeline.close()
    assert not outcome["ok"] and outcome["shards"]["total"] == 0 and not world.siem.records
    assert outcome["errors"] == [
        "compartment: COLLECT_COMPARTMENT_OCID: ocid1.compartment.oc1..aaaaaaaanotthere is not an active "
        "compartment the principal can see (ListCompartments from the root)"
    ]
