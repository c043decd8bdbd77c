"""Several tenancies from one collector (COLLECT_TENANCIES) and one CLI (`--profile A --profile B`): each
tenancy's events delivered and named, its checkpoints its own, one failing tenancy isolated. The second
tenancy is answered by the same loopback server (`OciApis.join`); every request is signed by the real
SDK (the collector's resource principal across tenancies, or the tenancy's own API key) and checked."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.collect_world import BASE, World
from tests.support.oci import TENANCY, api_key_principal, signature_problem
from tests.support.oci_apis import OciApis, audit_record

ROOT = Path(__file__).resolve().parents[1]
OTHER = "ocid1.tenancy.oc1..aaaaaaaaothertenancy"
OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaothercompartment"
SECRET = "ocid1.vaultsecret.oc1.iad.aaaaaaaaotherkey"


def other_tenancy(world: World, principal=None, regions=("us-ashburn-1", "eu-frankfurt-1")) -> OciApis:
    other = OciApis(principal or world.principal, regions=regions, tenancy=OTHER, compartments=[OTHER_COMPARTMENT])
    other.name = "beta"
    world.apis.join(other)
    return other


def fill_other(world: World, other: OciApis, per_region: int = 5) -> list[str]:
    ids = []
    for region in other.regions:
        for k in range(per_region):
            event_id = f"other-{region}-{k}"
            record = audit_record(BASE, event_id, world.now - timedelta(minutes=5, seconds=k), OTHER_COMPARTMENT)
            record["oracle"]["tenantid"] = OTHER
            other.add(region, record)
            ids.append(event_id)
    return ids


def tenancies(*entries: dict) -> str:
    return json.dumps(list(entries))


def test_two_tenancies_through_the_collectors_own_principal(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch) as world:
        mine = world.fill(per_scope=2)
        for records in world.apis.records.values():  # the sample comes from another tenancy: make it this one's
            for record in records:
                record["oracle"]["tenantid"] = TENANCY
        other = other_tenancy(world)
        theirs = fill_other(world, other)
        monkeypatch.setenv("COLLECT_TENANCIES", tenancies({"name": "own"}, {"name": "partner", "tenancy": OTHER}))
        outcome = world.run().to_dict()
        assert outcome["ok"], outcome
        assert set(world.siem.ids) == set(mine) | set(theirs) and not world.siem.duplicates()
        named = {r["eventId"]: (r["tenancyId"], r["tenancyName"]) for r in world.siem.records}
        assert {named[i] for i in theirs} == {(OTHER, "beta")}
        assert {named[i] for i in mine} == {(TENANCY, "acme")}
        assert set(outcome["tenancies"]) == {"own", "partner"}
        partner = outcome["tenancies"]["partner"]
        assert partner["ok"] and partner["tenancyId"] == OTHER and partner["tenancyName"] == "beta"
        assert set(partner["sources"]["audit"]) == {"us-ashburn-1", "eu-frankfurt-1"}  # its own subscriptions
        assert "sources" not in outcome
        keys = set(world.checkpoints())
        # the collector's own tenancy keeps a single-tenancy collector's keys; the other's start with its OCID
        assert "checkpoints/audit/us-ashburn-1/tenancy.json" in keys
        assert f"checkpoints/{OTHER}/audit/eu-frankfurt-1/tenancy.json" in keys
        assert not other.bad and not world.apis.bad


def test_adding_and_removing_a_tenancy_leaves_the_others_checkpoints(httpserver, tmp_path, monkeypatch):
    with World(httpserver, tmp_path, monkeypatch) as world:
        world.fill(per_scope=2)
        assert world.run().ok  # a single-tenancy collector
        before = dict(world.checkpoints())
        other = other_tenancy(world)
        fill_other(world, other)
        monkeypatch.setenv("COLLECT_TENANCIES", tenancies({"name": "own"}, {"name": "partner", "tenancy": OTHER}))
        sent = len(world.siem.records)
        assert world.run().ok
        # the own tenancy's events were not sent again: its checkpoints were read where they were
        assert not world.siem.duplicates()
        assert all(r["tenancyId"] == OTHER for r in world.siem.records[sent:])
        after = world.checkpoints()
        assert set(before) <= set(after)
        partner = {k: v for k, v in after.items() if OTHER in k}
        assert partner
        monkeypatch.setenv("COLLECT_TENANCIES", tenancies({"name": "partner", "tenancy": OTHER}))
        assert world.run().ok  # the own tenancy removed: the partner's checkpoints are read, none are lost
        assert not world.siem.duplicates()
        assert {k: v["end"] for k, v in world.checkpoints().items() if OTHER in k}.keys() == partner.keys()


@pytest.mark.parametrize("status", [401, 403, 404, 429])
def test_one_failing_tenancy_never_stops_the_others(httpserver, tmp_path, monkeypatch, status):
    with World(httpserver, tmp_path, monkeypatch) as world:
        mine = world.fill(per_scope=1)
        other = other_tenancy(world)
        fill_other(world, other)
        for region in other.regions:
            for service in ("identity", "logging"):
                other.fail[(service, region, "")] = status
        monkeypatch.setenv("COLLECT_TENANCIES", tenancies({"name": "own"}, {"name": "partner", "tenancy": OTHER}))
        monkeypatch.setenv("COLLECT_REGIONS", "us-ashburn-1,eu-frankfurt-1")  # subscriptions unread: as given
        # throttled for good, the other tenancy's calls are retried until the run's deadline
        outcome = world.run(deadline=time.monotonic() + 20 if status == 429 else None).to_dict()
        assert not outcome["complete"]
        assert set(world.siem.ids) == {i for i in mine if "ap-tokyo-1" not in i}
        assert outcome["tenancies"]["own"]["ok"]
        partner = outcome["tenancies"]["partner"]
        problems = [p["outcome"] for r in partner["sources"]["audit"].values() for p in r["problems"]]
        assert problems and all(str(status) in p for p in problems), partner
        assert not partner["ok"] or status == 429  # a 429 until the deadline defers its shards
        own_keys = [k for k in world.checkpoints() if OTHER not in k]
        assert own_keys and all(world.checkpoints()[k]["end"] for k in own_keys)


def test_a_tenancy_reached_by_its_own_api_key_from_vault(httpserver, tmp_path, monkeypatch):
    from werkzeug import Response

    with World(httpserver, tmp_path, monkeypatch) as world:
        key = api_key_principal(tmp_path, tenancy=OTHER, profile="partner")
        other = other_tenancy(world, principal=key)
        theirs = fill_other(world, other)
        reads = []

        def secret(request):
            reads.append(request.path)
            if signature_problem(request, world.principal):  # read with the function's own principal
                return Response('{"code":"NotAuthenticated"}', status=401)
            content = base64.b64encode(key.pem.encode()).decode()
            body = {"secretId": SECRET, "secretBundleContent": {"contentType": "BASE64", "content": content}}
            return Response(json.dumps(body), content_type="application/json")

        httpserver.expect_request(f"/20190301/secretbundles/{SECRET}").respond_with_handler(secret)
        monkeypatch.setenv("OCI_SECRETS_ENDPOINT", httpserver.url_for(""))
        entry = {
            "name": "acquired",
            "tenancy": OTHER,
            "user": key.user,
            "fingerprint": key.fingerprint,
            "keySecret": SECRET,
            "region": "us-ashburn-1",
        }
        monkeypatch.setenv("COLLECT_TENANCIES", tenancies(entry))
        outcome = world.run().to_dict()
        assert outcome["ok"], outcome
        assert set(world.siem.ids) == set(theirs)
        assert len(reads) == 1 and not other.bad
        # a secret that cannot be read fails that tenancy only, with the key that names it
        monkeypatch.setenv("COLLECT_TENANCIES", tenancies({"name": "own"}, {**entry, "keySecret": SECRET + "x"}))
        outcome = world.run().to_dict()
        assert outcome["tenancies"]["own"]["ok"] and not outcome["ok"]
        assert any(e.startswith("acquired: ") and "keySecret" in e for e in outcome["errors"]), outcome["errors"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{}", "a JSON list of tenancies"),
        ('[{"tenancy": "ocid1.tenancy.oc1..a"}]', "tenancy 1: name"),
        ('[{"name": "a"}, {"name": "a", "tenancy": "ocid1.tenancy.oc1..aaaa"}]', "a named twice"),
        ('[{"name": "a"}, {"name": "b"}]', "listed twice"),
        ('[{"name": "a", "tenancy": "ocid1.user.oc1..a"}]', "tenancy 1 (a): tenancy: an OCID"),
        ('[{"name": "a", "regions": ["Frankfurt"]}]', "tenancy 1 (a): regions"),
        ('[{"name": "a", "tenancy": "ocid1.tenancy.oc1..a", "user": "ocid1.user.oc1..a"}]', "missing fingerprint"),
        ('[{"name": "a", "tenant": "x"}]', "unknown field 'tenant'"),
        (
            '[{"name": "a", "tenancy": "ocid1.tenancy.oc1..a", "user": "ocid1.user.oc1..a", "fingerprint": "ab", '
            '"keySecret": "ocid1.vaultsecret.oc1..a", "region": "us-ashburn-1"}]',
            "fingerprint: 16 colon",
        ),
        (
            "[" + ",".join(f'{{"name": "t{i}", "tenancy": "ocid1.tenancy.oc1..{i:060d}"}}' for i in range(60)) + "]",
            "at most 3 KB",
        ),
    ],
)
def test_a_bad_tenancy_list_is_refused_naming_the_entry_and_field(value, expected, monkeypatch):
    from forwarder.config import ConfigError
    from forwarder.settings import load_settings

    monkeypatch.setenv("COLLECT_TENANCIES", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "COLLECT_TENANCIES" in str(caught.value) and expected in str(caught.value)


def _cli(command: str, *args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "forwarder", command, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _two_profiles(tmp_path):
    """Two API-key profiles of one OCI config file, each of its own tenancy, and the stand-ins of both."""
    first = api_key_principal(tmp_path, tenancy=TENANCY, profile="acme")
    second = api_key_principal(tmp_path, region="eu-frankfurt-1", tenancy=OTHER, profile="beta")
    mine = OciApis(first, regions=("us-ashburn-1", "eu-frankfurt-1"))
    other = OciApis(second, regions=("eu-frankfurt-1",), tenancy=OTHER, name="beta")
    mine.join(other)
    return first, mine, other


def test_the_cli_collects_every_profile_given_each_its_own_tenancy(tmp_path):
    from tests.conftest import clean_env

    key, mine, other = _two_profiles(tmp_path)
    try:
        now = datetime.now(UTC)
        for apis, tenancy, regions in ((mine, TENANCY, mine.regions), (other, OTHER, other.regions)):
            for region in regions:
                for k in range(3):
                    record = audit_record(BASE, f"{apis.name}-{region}-{k}", now - timedelta(minutes=3), tenancy)
                    record["oracle"]["tenantid"] = tenancy
                    apis.add(region, record)
        env = {**clean_env(), **mine.endpoints}
        key_file = ["--auth", "api_key", "--config-file", str(key.config_file)]
        done = _cli("collect", "--since", "1h", *key_file, "--profile", "acme", "--profile", "beta", env=env)
        assert done.returncode == 0, done.stderr
        records = [json.loads(line) for line in done.stdout.splitlines()]
        assert sorted((r["tenancyName"], r["region"]) for r in records) == sorted(
            [("acme", r) for r in mine.regions for _ in range(3)] + [("beta", "eu-frankfurt-1")] * 3
        )
        summary = json.loads(next(line for line in done.stderr.splitlines() if line.startswith("{")))
        assert set(summary["tenancies"]) == {"acme", "beta"} and summary["ok"]
        assert not mine.bad and not other.bad  # each tenancy's calls signed by its own profile's key
        wrong = _cli("collect", "--since", "1h", "--profile", "acme", "--tenancy", "ocid1.user.oc1..x", env=env)
        assert wrong.returncode == 2 and "--tenancy" in wrong.stderr
        missing = _cli("collect", *key_file, "--profile", "acme", "--profile", "gamma", env=env)
        assert missing.returncode == 2 and "gamma" in missing.stderr
    finally:
        mine.close()
        other.close()


def test_the_report_covers_each_tenancy_and_sums_them_up_on_one_page(tmp_path):
    from tests.conftest import clean_env
    from tests.report_day import generate
    from tests.report_world import DAY

    key, mine, other = _two_profiles(tmp_path)
    try:
        expected = {}
        for name, apis in (("acme", mine), ("beta", other)):
            events, exp = generate(DAY, list(apis.regions), 300, 3 if name == "acme" else 5)
            for region, records in events.items():
                for record in records:
                    apis.add(region, record)
            expected[name] = exp["create"] + exp["update"] + exp["delete"]
        env = {**clean_env(), **mine.endpoints, "REPORT_TIMEZONE": "Europe/Paris"}
        out = tmp_path / "out"
        args = ["--date", DAY.date.isoformat(), "--out", str(out), "--auth", "api_key"]
        args += ["--config-file", str(key.config_file), "--profile", "acme", "--profile", "beta"]
        done = _cli("report", *args, env=env)
        assert done.returncode == 0, done.stderr
        folder = out / "reports" / "2026" / "11" / "18"
        for name in ("acme", "beta"):
            report = json.loads((folder / name / "changes.json").read_text())
            assert report["totals"]["changes"] == expected[name] and report["tenancyName"] == name
        summary = json.loads((folder / "summary.json").read_text())
        assert [(t["name"], t["totals"]["changes"]) for t in summary["tenancies"]] == list(expected.items())
        assert summary["totals"]["changes"] == sum(expected.values()) and summary["complete"]
        page = (folder / "index.html").read_text()
        assert 'href="acme/changes.html"' in page and 'href="beta/changes.html"' in page
        # one tenancy that cannot be read: the other's report is written, the summary says which failed
        other.fail[("logging", "eu-frankfurt-1", "")] = 403
        done = _cli("report", *args, env=env)
        assert done.returncode == 1
        summary = json.loads((folder / "summary.json").read_text())
        rows = {t["name"]: t for t in summary["tenancies"]}
        assert rows["acme"]["complete"] and not rows["beta"]["complete"] and not summary["complete"]
        # its complete report of the first run is kept, and the summary says why it was not replaced
        assert any("403" in p and "kept" in p for p in rows["beta"]["errors"]), rows["beta"]
        assert json.loads((folder / "acme" / "changes.json").read_text())["complete"]
        assert "beta" in done.stderr and "incomplete" in done.stderr
        # A range over that day and the next, both tenancies: their complete day shards are reused (beta's too:
        # the failed run kept it), the other days read, each tenancy added up, and one summary over both.
        other.fail.clear()
        until = (DAY.date + timedelta(days=2)).isoformat()
        ranged = [a for a in args if a not in ("--date", DAY.date.isoformat())]
        done = _cli("report", "--since", DAY.date.isoformat(), "--until", until, *ranged, env=env)
        assert done.returncode == 0, done.stderr
        folder = out / "reports" / "range" / f"{DAY.date}_{until}"
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["kind"] == "range" and summary["complete"]
        # the day after holds two of the generator's edge events, both changes
        assert [(t["name"], t["totals"]["changes"]) for t in summary["tenancies"]] == [
            (name, n + 2) for name, n in expected.items()
        ]
        assert json.loads((folder / "beta" / "changes.json").read_text())["tenancyName"] == "beta"
    finally:
        mine.close()
        other.close()
