"""The daily change report as users get it: a generated day of 5,000 audit events over 3 regions read
through Logging Search, every count checked against the generator, the HTML opened in headless
Chromium, the objects in the bucket, the message on the topic with a working read link, re-runs."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import timedelta

import httpx
import pytest

from forwarder.oci import bucket
from forwarder.report import render
from tests.report_day import PRINCIPALS
from tests.report_world import DAY, REGIONS, ReportWorld
from tests.support import chromium

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def world(httpserver, tmp_path, monkeypatch):
    w = ReportWorld(httpserver, tmp_path, monkeypatch)
    yield w
    w.close()


def counts(rows, key="name"):
    return {r[key]: (r["create"], r["update"], r["delete"], r["failed"]) for r in rows}


def expected_counts(by):
    return {k: (c["create"], c["update"], c["delete"], c["failed"]) for k, c in by.items()}


def test_a_generated_day_is_counted_exactly_in_all_three_forms(world, monkeypatch, tmp_path):
    monkeypatch.setattr(bucket, "PART_SIZE", 256 * 1024)  # the CSV goes as a multipart upload of several parts
    exp = world.fill()
    result = world.run()
    assert result["ok"] and result["complete"], result
    assert not world.apis.bad and not world.bucket.uploads  # signatures good, no upload left open
    objects = world.objects()
    assert set(objects) == {"html", "csv", "json"}
    assert world.bucket.content_types[DAY.prefix + "changes.html"].startswith("text/html")
    assert any(name.endswith("changes.csv") and parts > 1 for name, parts in world.bucket.committed)
    # Reads never left the service: every query carries the change filter.
    changes = [q for q in world.apis.queries if q not in world.apis.summaries]
    assert changes and all("data.request.action = 'DELETE'" in q for q in changes)
    # Every event, reads included, counted by the service: two aggregating queries per region, no more.
    assert len(world.apis.summaries) == 2 * len(REGIONS)

    report = json.loads(objects["json"])
    t = report["totals"]
    assert (t["create"], t["update"], t["delete"]) == (exp["create"], exp["update"], exp["delete"])
    assert t["changes"] == exp["create"] + exp["update"] + exp["delete"]
    assert {k: t["failed"][k] for k in ("create", "update", "delete")} == {
        k: exp["failed"][k] for k in ("create", "update", "delete")
    }
    assert t["failed"]["total"] == sum(exp["failed"].values())
    assert t["readPostsExcluded"] == exp["readposts"] and exp["reads"] > 0
    assert t["events"] == exp["events"] and report["allEvents"]["complete"]
    assert [h["events"] for h in report["perHour"]] == [exp["event_hours"][h] for h in range(24)]
    assert report["allEvents"]["byService"] == dict(exp["event_services"])
    assert 0 < t["bytesRead"] and report["trends"] is None  # no report of the day before
    assert counts(report["byService"]) == expected_counts(exp["service"])
    assert counts(report["byRegion"]) == expected_counts(exp["region"]) and set(report["regions"]) == set(REGIONS)
    assert counts(report["byPrincipal"], "id") == expected_counts(exp["principal"])
    assert counts(report["byCompartment"], "id") == expected_counts(exp["compartment"])
    assert len(report["perHour"]) == 24 and report["perHour"][0]["label"] == "00:00"
    assert [(h["create"], h["update"], h["delete"], h["failed"]) for h in report["perHour"]] == [
        tuple(exp["hours"][h][k] for k in ("create", "update", "delete", "failed")) for h in range(24)
    ]
    for name in ("deletions", "iam", "network", "security"):
        callout = report["callouts"][name]
        assert (callout["changes"], callout["failed"]) == (
            exp["callouts"][name]["changes"],
            exp["callouts"][name]["failed"],
        )
    top = exp["resources"].most_common(1)[0]
    assert report["topResources"][0]["id"] == top[0] and report["topResources"][0]["changes"] == top[1]
    assert report["topResourcesExact"] and report["rows"]["total"] == exp["rows"] and report["rows"]["outsideDay"] == 0
    assert report["topPrincipals"][0]["id"] == PRINCIPALS[0][0]

    rows = list(csv.DictReader(io.StringIO(objects["csv"].decode())))
    assert len(rows) == exp["rows"] and len({r["event_id"] for r in rows}) == exp["rows"]
    assert not any(r["event_id"].startswith("out-") for r in rows)  # the day is local midnight to midnight
    assert sum(r["outcome"] == "failed" for r in rows) == t["failed"]["total"]
    widgets = [r for r in rows if r["service"] == "widgets"]
    assert widgets and all(r["resource_name"].startswith("'=HYPERLINK") for r in widgets)  # no formula runs
    assert {r["kind"] for r in rows if r["event_name"] == "FrobnicateWidget"} == {"create"}
    assert {r["kind"] for r in rows if r["event_name"] == "ScheduleKeyDeletion"} == {"delete"}
    assert rows[0]["time"].endswith("+01:00")  # shown in REPORT_TIMEZONE

    # The page, in a browser: a non-blank screenshot, and the same numbers read back from the DOM.
    page_file = tmp_path / "changes.html"
    page_file.write_bytes(objects["html"])
    png = chromium.screenshot(page_file, tmp_path / "changes.png")
    from PIL import Image

    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert image.size == (1280, 2000) and len(colours) > 20, "the screenshot is blank"
    page = chromium.Page(chromium.dom(page_file))
    assert page.text("total-changes") == str(t["changes"]) and page.text("total-delete") == str(t["delete"])
    assert page.text("total-failed") == str(t["failed"]["total"])
    assert page.tags.get("script", 0) == 0 and "deployer<script>alert(1)</script>" in page.text("by-principal")
    assert page.attrs["rows-note"]["data-total"] == str(exp["rows"]) and page.attrs["rows-note"]["data-shown"] == "1000"
    table = page.tables["changes"]
    assert len(table) == 1001 and table[1][0] == rows_sorted_first(rows)  # header + the first 1000, by time
    assert int(page.attrs["callout-iam"]["data-changes"]) == exp["callouts"]["iam"]["changes"]
    assert page.tags.get("rect", 0) > 24  # the chart has its bars

    # The message on the topic, with a read link that works without credentials.
    (message,) = world.apis.messages
    assert f"{t['changes']} changes" in message["title"] and f"{t['delete']} deleted" in message["body"]
    link = next(line.split(": ", 1)[1] for line in message["body"].splitlines() if line.strip().startswith("html:"))
    assert httpx.get(link).content == objects["html"]
    assert httpx.get(link.replace("changes.html", "../../17/changes.html")).status_code == 404


def rows_sorted_first(rows):
    return min(rows, key=lambda r: (r["time"], r["event_id"]))["time"]


def test_running_a_day_again_writes_the_same_objects_with_the_same_content(world):
    world.fill(n=1200)
    assert world.run()["ok"]
    first = dict(world.bucket.objects)
    assert world.run()["ok"]
    assert world.bucket.objects == first and len(first) == 4  # the three forms and the day shard


def test_principals_missing_from_the_previous_report_are_flagged_new(world):
    previous = DAY._replace(
        date=DAY.date - timedelta(days=1), start=DAY.start - timedelta(days=1), end=DAY.end - timedelta(days=1)
    )
    world.fill(previous, n=300, seed=3, principals=PRINCIPALS[:4])
    first = world.run(previous)
    assert first["ok"] and json.loads(world.objects(previous)["json"])["previousReport"] is None
    exp = world.fill(n=2000)
    assert world.run()["ok"]
    report = json.loads(world.objects()["json"])
    seen_before = {p[0] for p in PRINCIPALS[:4]}
    assert report["previousReport"] == previous.date.isoformat()
    assert {p["id"] for p in report["newPrincipals"]} == set(exp["principal"]) - seen_before
    assert all(p["new"] == (p["id"] not in seen_before) for p in report["byPrincipal"])
    assert "New principals" in world.apis.messages[-1]["body"]


def test_a_region_that_cannot_be_read_makes_an_incomplete_report_that_never_replaces_a_complete_one(world):
    world.fill(n=600)
    world.apis.fail[("logging", "ap-tokyo-1", "")] = 403
    partial = world.run()
    assert not partial["ok"] and not partial["complete"] and any("ap-tokyo-1" in p for p in partial["problems"])
    report = json.loads(world.objects()["json"])
    assert not report["complete"] and "ap-tokyo-1" not in {r["name"] for r in report["byRegion"]}
    assert b'id="incomplete"' in world.objects()["html"] and "INCOMPLETE" in world.apis.messages[-1]["title"]

    del world.apis.fail[("logging", "ap-tokyo-1", "")]
    assert world.run()["ok"]
    complete = world.objects()
    world.apis.fail[("logging", "eu-frankfurt-1", "")] = 404
    again = world.run()
    assert not again["ok"] and "complete report already there is kept" in again["errors"][0]
    assert world.objects() == complete and not world.bucket.uploads


def test_csv_cells_a_spreadsheet_would_run_are_neutralised():
    from forwarder.report.changes import Change

    change = Change(
        *(
            [
                "=1+1",
                "done",
                "create",
                "",
                "-x",
                "@SUM(A1)",
                "POST",
                "+cmd",
                "",
                "\tx",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "ok",
            ]
        )
    )
    row = next(csv.reader(io.StringIO(render.csv_rows([change]).decode())))
    assert row[0] == "'=1+1" and row[4] == "'-x" and row[5] == "'@SUM(A1)" and row[7] == "'+cmd" and row[9] == "'\tx"


def test_a_report_task_builds_no_forwarding_pipeline_so_a_broken_siem_key_cannot_stop_it(world, function_server):
    world.fill(n=50)
    config = {k: v for k, v in world.env.items() if not k.startswith("OCI_RESOURCE_PRINCIPAL")}
    config.update(
        {
            "SIEM_SYSLOG_URL": "tls://127.0.0.1:6514",
            "SIEM_SYSLOG_CA_CERT": "/nonexistent/ca.pem",
            "DETECTION_RULES": "/nonexistent/rules",
            "SIEM_HTTP_URL": "https://127.0.0.1:9/hec",
            "SIEM_HTTP_TOKEN_SECRET_OCID": "ocid1.vaultsecret.oc1..aaaaunreadable",
        }
    )
    platform = {k: v for k, v in world.env.items() if k.startswith("OCI_RESOURCE_PRINCIPAL")}
    server = function_server(config, platform)
    done = server.invoke(json.dumps({"task": "report", "date": DAY.date.isoformat()}).encode(), deadline_seconds=120)
    assert done.status == 200 and done.summary["ok"], done.text
    event = server.invoke(b'{"eventType": "com.oraclecloud.x", "data": {}}')  # the pipeline is what is broken
    assert event.status == 502 and event.summary["errors"][0].startswith("configuration: "), event.text


def test_the_reporter_function_runs_a_report_task_and_refuses_what_it_cannot_do(world, function_server):
    world.fill(n=500)
    config = {k: v for k, v in world.env.items() if not k.startswith("OCI_RESOURCE_PRINCIPAL")}
    platform = {k: v for k, v in world.env.items() if k.startswith("OCI_RESOURCE_PRINCIPAL")}
    server = function_server(config, platform)
    done = server.invoke(json.dumps({"task": "report", "date": DAY.date.isoformat()}).encode(), deadline_seconds=120)
    assert done.status == 200 and done.summary["ok"] and done.summary["complete"], done.text
    assert done.summary["where"]["html"].startswith("http") and set(world.objects()) == {"html", "csv", "json"}
    # A range through the real FDK: the day above reused, the one before read (2 of the 4 edge events are in it).
    until = (DAY.date + timedelta(days=1)).isoformat()
    body = {"task": "report", "since": (DAY.date - timedelta(days=1)).isoformat(), "until": until}
    ranged = server.invoke(json.dumps(body).encode(), deadline_seconds=120)
    assert ranged.status == 200 and ranged.summary["ok"] and ranged.summary["days"]["reused"] >= 1, ranged.text
    assert ranged.summary["totals"]["events"] == 502 and ranged.summary["where"]["html"].endswith("changes.html")
    for body, reason in (
        (b'{"task": "report", "date": "2026-13-01"}', "date"),
        (b'{"task": "report", "sources": ["audit"]}', "no sources"),
        (b'{"task": "report", "date": 20261118}', "string"),
    ):
        refused = server.invoke(body)
        assert refused.status == 502 and reason in refused.summary["errors"][0], refused.text
    bare = function_server(
        {k: v for k, v in config.items() if k != "REPORT_BUCKET" and k != "REPORT_LINK_HOURS"}, platform
    )
    refused = bare.invoke(b'{"task": "report"}')
    assert refused.status == 502 and "REPORT_BUCKET" in refused.summary["errors"][0]


def test_the_cli_writes_a_report_to_a_folder_with_an_api_key(httpserver, tmp_path, monkeypatch):
    import subprocess
    import sys

    from tests.conftest import clean_env
    from tests.support.oci import api_key_principal

    key = api_key_principal(tmp_path)
    world = ReportWorld(httpserver, tmp_path, monkeypatch, principal=key)
    try:
        exp = world.fill(n=800)
        env = {**clean_env(), **world.apis.endpoints, "REPORT_TIMEZONE": "Europe/Paris"}
        out = tmp_path / "out"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "forwarder",
                "report",
                "--date",
                DAY.date.isoformat(),
                "--out",
                str(out),
                "--auth",
                "api_key",
                "--config-file",
                str(key.config_file),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""  # summaries go to standard error, records only ever to standard output
        result = json.loads(next(line for line in done.stderr.splitlines() if line.startswith("{")))
        folder = out / "reports" / "2026" / "11" / "18"
        assert result["where"]["html"] == str(folder / "changes.html") and "open " in done.stderr
        report = json.loads((folder / "changes.json").read_text())
        assert report["totals"]["changes"] == exp["create"] + exp["update"] + exp["delete"]
        assert len((folder / "changes.csv").read_text().splitlines()) == exp["rows"] + 1
        assert not world.apis.messages and not world.bucket.objects  # no topic, no bucket: files only
        assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left
        bad = subprocess.run(
            [sys.executable, "-m", "forwarder", "report", "--date", "18/11/2026"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    finally:
        world.close()


def test_a_day_still_to_come_is_refused_and_todays_report_is_incomplete(world, tmp_path):
    import subprocess
    import sys
    from datetime import UTC, datetime

    from forwarder import handler
    from forwarder.report import day
    from tests.conftest import clean_env

    today = day.of(datetime.now(UTC).date(), "UTC")  # the world reports in Europe/Paris: a UTC day is enough here
    result = world.run(today)
    assert result["ok"] is False and result["complete"] is False
    assert any(p.startswith("the day has not ended: read up to ") for p in result["problems"]), result["problems"]
    status, summary = handler.handle(b'{"task": "report", "date": "2030-01-01"}', 30)
    assert status == 502 and "2030-01-01 is still to come in Europe/Paris" in summary["errors"][0]
    future = subprocess.run(
        [sys.executable, "-m", "forwarder", "report", "--date", "2030-01-01", "--out", str(tmp_path / "out")],
        cwd=ROOT,
        env={**clean_env(), **world.apis.endpoints},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert future.returncode == 2
    assert "--date: expected a day that has begun; 2030-01-01 is still to come" in future.stderr
    assert not (tmp_path / "out").exists()


def test_a_named_region_the_tenancy_does_not_subscribe_to_is_reported_and_never_read(world):
    world.fill(n=50)
    result = world.run(COLLECT_REGIONS="us-ashburn-1,sa-saopaulo-1")
    assert result["complete"] is False and not result["errors"]
    assert any("sa-saopaulo-1 is not subscribed by the tenancy" in p for p in result["problems"]), result["problems"]
    assert not [call for call in world.apis.calls if call[1] == "sa-saopaulo-1"]
    assert result["totals"]["changes"] > 0  # the subscribed region is read all the same


def test_a_compartment_scope_reports_the_changes_of_that_subtree_only(world):
    from tests.report_day import COMPARTMENTS

    (root, _), (c0, _), (c1, _), *_ = COMPARTMENTS
    world.apis.compartments = [c for c, _ in COMPARTMENTS[1:]]
    world.apis.parents = {c1: c0}  # root -> c0 -> c1; the others beside c0
    exp = world.fill(n=600)
    result = world.run(COLLECT_COMPARTMENT_OCID=c0)
    assert result["ok"], result
    wanted = sum(exp["compartment"][c][kind] for c in (c0, c1) for kind in ("create", "update", "delete"))
    assert 0 < result["totals"]["changes"] == wanted < exp["create"] + exp["update"] + exp["delete"]
    assert all(q.startswith(f'search "{c0}/_Audit_Include_Subcompartment"') for q in world.apis.queries)
