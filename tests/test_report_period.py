"""The change report over a range, a week or a month as users get it: three generated days (and the three
before them) read through the Logging Search stand-in, every count checked against the generator, for
changes and for all events; the day shards, their ledger, a run that leaves days to the next one, the
page's first screen in headless Chromium, the task bodies and the command line."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from forwarder.report import day as days
from forwarder.report import period as periods
from forwarder.report import periods as period_run
from tests.report_day import CALLS, COMPARTMENTS, PRINCIPALS, record
from tests.report_world import REGIONS, ZONE, ReportWorld
from tests.support import chromium

SINCE, UNTIL = date(2026, 11, 16), date(2026, 11, 19)
RANGE = periods.between(SINCE.isoformat(), UNTIL.isoformat(), ZONE)
KINDS = ("create", "update", "delete")


@pytest.fixture
def world(httpserver, tmp_path, monkeypatch):
    w = ReportWorld(httpserver, tmp_path, monkeypatch)
    yield w
    w.close()


def fill(world, period, n: int, seed: int) -> dict:
    """Generated days of `period` in the stand-ins; their expectations added up."""
    total: dict = {"events": 0, "rows": 0, "days": [], "service": Counter(), "principal": Counter()}
    total |= {k: 0 for k in KINDS} | {"failed": Counter(), "callouts": {}}
    for i, d in enumerate(period.days):
        exp = world.fill(d, n=n, seed=seed + i, outside=False)
        total["days"].append(exp)
        for key in ("events", "rows", *KINDS):
            total[key] += exp[key]
        total["failed"].update(exp["failed"])
        for name, counts in exp["service"].items():
            total["service"][name] += sum(counts.values())
        for name, counts in exp["principal"].items():
            total["principal"][name] += counts["create"] + counts["update"] + counts["delete"]
        for name, counts in exp["callouts"].items():
            total["callouts"].setdefault(name, Counter()).update(counts)
    return total


def test_a_range_of_three_days_matches_the_generator_for_changes_and_all_events(world, tmp_path):
    exp = fill(world, RANGE, n=1500, seed=11)
    before = fill(world, RANGE.previous(), n=400, seed=31)
    for k, moment in enumerate((RANGE.start - timedelta(milliseconds=1), RANGE.end)):  # just outside the range
        world.apis.add(
            REGIONS[0],
            record(f"edge-{k}", moment, REGIONS[0], CALLS[8], PRINCIPALS[0], COMPARTMENTS[0], ("r", "r"), 200),
        )

    result = world.run(RANGE)
    assert result["ok"] and result["complete"], result
    assert result["days"] == {"reused": 0, "made": 6, "pending": []}  # its 3 days and the 3 before
    prefix = "reports/range/2026-11-16_2026-11-19/"
    report = json.loads(world.bucket.objects[prefix + "changes.json"])
    t = report["totals"]
    assert (t["create"], t["update"], t["delete"]) == (exp["create"], exp["update"], exp["delete"])
    assert t["failed"]["total"] == sum(exp["failed"].values()) and t["changes"] == sum(exp[k] for k in KINDS)
    assert t["events"] == exp["events"] == 4500 and report["allEvents"]["complete"]
    assert [d["events"] for d in report["perDay"]] == [d["events"] for d in exp["days"]]
    assert [d["create"] + d["update"] + d["delete"] for d in report["perDay"]] == [
        sum(d[k] for k in KINDS) for d in exp["days"]
    ]
    assert {r["name"]: r["changes"] + r["failed"] for r in report["byService"]} == dict(exp["service"])
    assert {r["id"]: r["changes"] for r in report["byPrincipal"] if r["changes"]} == {
        k: v for k, v in exp["principal"].items() if v
    }
    for name in ("deletions", "iam", "network", "security"):
        callout = report["callouts"][name]
        assert (callout["changes"], callout["failed"]) == (
            exp["callouts"][name]["changes"],
            exp["callouts"][name]["failed"],
        )
        assert (
            sum(g["changes"] + g["failed"] for g in callout["byService"]) == callout["changes"] + callout["failed"]
        ), (name, callout["byService"])
        assert len(callout["rows"]) == min(100, callout["changes"] + callout["failed"])
    # Trends against the three days before, counted by the generator too.
    trend = report["trends"]
    assert trend["previous"] == "2026-11-13_2026-11-16" and report["previousPeriod"] == trend["previous"]
    # The event just before the range is the previous period's last: one more change and event there.
    assert trend["totals"]["changes"]["before"] == sum(before[k] for k in KINDS) + 1
    assert trend["totals"]["events"] == {"now": 4500, "before": 1201, "change": 3299, "percent": 274.7}
    top = trend["principals"][0]
    edge = 1 if top["id"] == PRINCIPALS[0][0] else 0  # the edge event is the first principal's
    assert top["before"] == before["principal"][top["id"]] + edge and top["now"] == exp["principal"][top["id"]]

    # The CSV: every change of the three days once, one header.
    rows = list(csv.DictReader(io.StringIO(world.bucket.objects[prefix + "changes.csv"].decode())))
    assert len(rows) == exp["rows"] and len({r["event_id"] for r in rows}) == exp["rows"]
    assert not any(r["event_id"].startswith("edge-") for r in rows)
    assert world.bucket.ranged  # joined from the days' CSVs in ranged reads
    # Each day is a daily report with its shard, and its ledger entry committed.
    for d in RANGE.days + RANGE.previous().days:
        assert {d.prefix + name for name in ("changes.csv", "changes.json", "changes.html", "tally.json")} <= set(
            world.bucket.objects
        )
        ledger = json.loads(world.bucket.objects[f"checkpoints/report/{world.apis.tenancy}/{d.date}.json"])
        assert ledger["lease"] is None and ledger["end"] == d.end.isoformat().replace("+00:00", "Z")
    # One message, for the range (none for its days).
    (message,) = world.apis.messages
    assert "2026-11-16_2026-11-19" in message["title"] and f"{t['events']} audit events" in message["body"]

    # Run again (a schedule repeating until a long period is done): the complete report is left as it is.
    queries = len(world.apis.queries)
    first = {k: v for k, v in world.bucket.objects.items() if k.startswith(prefix)}
    again = world.run(RANGE)
    assert again["ok"] and again["already"] and len(world.apis.queries) == queries and len(world.apis.messages) == 1
    # Without it, the report is made again from the days' shards alone, to the same bytes.
    del world.bucket.objects[prefix + "changes.json"]
    again = world.run(RANGE)
    assert again["ok"] and again["days"] == {"reused": 6, "made": 0, "pending": []}
    assert len(world.apis.queries) == queries
    assert {k: v for k, v in world.bucket.objects.items() if k.startswith(prefix)} == first

    # The page: totals, the chart and the call-out summary on a laptop's first screen, then the details.
    page = tmp_path / "range.html"
    page.write_bytes(first[prefix + "changes.html"])
    boxes = chromium.layout(page, ["totals", "chart", "callout-summary", "callout-deletions", "by-service"])
    for ident in ("totals", "chart", "callout-summary"):
        assert boxes[ident]["bottom"] <= 768, (ident, boxes)
    assert boxes["callout-deletions"]["top"] > boxes["callout-summary"]["bottom"]
    dom = chromium.Page(chromium.dom(page))
    assert dom.text("total-events") == "4500" and dom.text("total-changes") == str(t["changes"])
    assert len(dom.tables["days"]) == 4 and dom.tables["callout-summary"][1][1] == str(
        report["callouts"]["deletions"]["changes"]
    )
    assert dom.tags.get("script", 0) == 0


def test_the_daily_page_opens_with_its_totals_chart_and_call_outs_on_a_laptop_screen(world, tmp_path):
    world.fill(n=3000)
    assert world.run()["ok"]
    page = tmp_path / "day.html"
    page.write_bytes(world.objects()["html"])
    png = chromium.screenshot(page, tmp_path / "day.png", width=1366, height=768)
    assert png.stat().st_size > 10_000
    boxes = chromium.layout(page, ["totals", "chart", "callout-summary", "callout-deletions", "changes"])
    for ident in ("totals", "chart", "callout-summary"):
        assert boxes[ident]["bottom"] <= 768, (ident, boxes)
    assert boxes["callout-summary"]["bottom"] < boxes["callout-deletions"]["top"] < boxes["changes"]["top"]


def test_a_period_left_unfinished_is_completed_by_the_next_run_and_a_day_held_by_another_run_is_left(world):
    fill(world, RANGE, n=300, seed=5)
    held = RANGE.days[1]
    key = f"checkpoints/report/{world.apis.tenancy}/{held.date}.json"
    lease = {"owner": "other-host:1:ab", "until": datetime.now(UTC).timestamp() + 600, "windowEnd": "x"}
    world.bucket.objects[key] = json.dumps({"lease": lease}).encode()

    first = world.run(RANGE)
    assert not first["ok"] and first["days"]["pending"] == [held.date.isoformat()]
    assert any("held by another run" in p for p in first["problems"])
    assert not any(k.startswith("reports/range/") for k in world.bucket.objects)  # nothing until every day is there

    world.bucket.objects[key] = json.dumps({"lease": lease | {"until": 0}}).encode()  # that run is gone
    second = world.run(RANGE)
    assert second["ok"] and second["days"]["reused"] == 2 and second["days"]["made"] >= 1
    assert "reports/range/2026-11-16_2026-11-19/changes.html" in world.bucket.objects


def test_a_run_out_of_time_reads_nothing_more_and_says_which_days_are_left(world):
    import time

    fill(world, RANGE, n=50, seed=3)
    result = world.run(RANGE, deadline=time.monotonic() + period_run.DAY_SECONDS / 2)
    assert not result["ok"] and result["days"]["pending"] == [d.date.isoformat() for d in RANGE.days]
    assert not world.apis.queries and "run the report again" in result["problems"][0]


def test_a_period_that_has_not_ended_reads_its_days_so_far_and_nothing_of_the_days_to_come(world):
    now = datetime.now(UTC)
    today = now.date()
    ongoing = periods.between(str(today - timedelta(days=1)), str(today + timedelta(days=3)), "UTC")
    result = world.run(ongoing)
    to_come = [str(today + timedelta(days=i)) for i in (1, 2)]
    assert not result["ok"] and result["days"]["pending"] == to_come
    assert result["problems"][0].startswith(f"2 days still to come ({to_come[0]} to {to_come[1]})")
    assert result["days"]["made"] == 2  # yesterday, and today (marked incomplete)
    assert len(world.apis.summaries) == 2 * len(REGIONS) * 2  # nothing was read of the days to come
    assert not any(k.startswith(ongoing.prefix) for k in world.bucket.objects)


def test_weeks_months_and_ranges_are_the_periods_people_name():
    week = periods.week("2026-W48", ZONE)
    assert (week.since, week.until, week.prefix) == (date(2026, 11, 23), date(2026, 11, 30), "reports/week/2026-W48/")
    assert week.previous().label == "2026-W47" and len(week.days) == 7
    month = periods.month("2026-02", ZONE)
    assert (month.until, len(month.days), month.previous().label) == (date(2026, 3, 1), 28, "2026-01")
    assert periods.month("2026-01", ZONE).previous().label == "2025-12"
    assert RANGE.previous().label == "2026-11-13_2026-11-16" and RANGE.prefix == "reports/range/2026-11-16_2026-11-19/"
    october = periods.month("2026-10", ZONE)  # clocks go back on 25 October in Paris: that day has 25 hours
    assert sum(d.hours for d in october.days) == 31 * 24 + 1 and october.start == datetime(2026, 9, 30, 22, tzinfo=UTC)
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)  # a Wednesday
    assert periods.just_ended("week", ZONE, now).label == "2026-W48"
    assert periods.just_ended("month", ZONE, now).label == "2026-11"
    for bad, call in (
        ("ISO week", lambda: periods.week("2026-48", ZONE)),
        ("ISO week", lambda: periods.week("2026-W54", ZONE)),
        ("month YYYY-MM", lambda: periods.month("2026-13", ZONE)),
        ("until after since", lambda: periods.between("2026-11-19", "2026-11-19", ZONE)),
        ("at most 366 days", lambda: periods.between("2024-01-01", "2026-01-01", ZONE)),
        ("still to come", lambda: periods.week("2030-W01", ZONE)),
    ):
        with pytest.raises(ValueError, match=bad):
            call()
    assert days.of(date(2026, 11, 16), ZONE) == RANGE.days[0]


def test_task_bodies_name_a_range_or_the_period_just_ended_and_bad_ones_are_refused(monkeypatch):
    from forwarder import tasks
    from forwarder.settings import load_settings

    monkeypatch.setenv("REPORT_BUCKET", "reports")
    monkeypatch.setenv("REPORT_TIMEZONE", ZONE)
    settings = load_settings()
    task = tasks.parse({"task": "report", "since": "2026-11-16", "until": "2026-11-19"}, settings)
    assert task.day == RANGE
    assert tasks.parse({"task": "report", "period": "week"}, settings).day.kind == "week"
    assert tasks.parse({"task": "report", "period": "month"}, settings).day.kind == "month"
    for body, said in (
        ({"period": "year"}, 'period: expected "week" or "month"'),
        ({"since": "2026-11-16"}, "since and until go together"),
        ({"date": "2026-11-16", "period": "week"}, "give one of"),
        ({"since": 20261116, "until": "2026-11-19"}, "since must be a string"),
        ({"since": "2026-11-19", "until": "2026-11-16"}, "until after since"),
    ):
        with pytest.raises(tasks.TaskError, match=said):
            tasks.parse({"task": "report", **body}, settings)


def test_the_cli_reports_a_range_to_a_folder_and_refuses_what_is_not_a_period(world, tmp_path):
    import subprocess
    import sys

    from tests.conftest import clean_env
    from tests.test_report import ROOT

    fill(world, RANGE, n=200, seed=9)
    env = {**clean_env(), **world.env}

    def cli(*args):
        command = [sys.executable, "-m", "forwarder", "report", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    out = tmp_path / "out"
    done = cli("--since", "2026-11-16", "--until", "2026-11-19", "--out", str(out))
    assert done.returncode == 0, done.stderr
    folder = out / "reports/range/2026-11-16_2026-11-19"
    assert {p.name for p in folder.iterdir()} == {"changes.csv", "changes.json", "changes.html"}
    report = json.loads((folder / "changes.json").read_text())
    assert report["totals"]["events"] == 600 and f"report: open {folder / 'changes.html'}" in done.stderr
    ledger = json.loads((out / "checkpoints.json").read_text())  # the days' claims, all committed
    assert len(ledger) == 6 and all(entry["document"]["lease"] is None for entry in ledger.values())
    for args, said in (
        (("--since", "2026-11-16"), "--since needs --until"),
        (("--until", "2026-11-19"), "--until goes with --since"),
        (("--week", "2026-48"), "--week: expected an ISO week YYYY-Www"),
        (("--month", "2026-11", "--week", "2026-W48"), "not allowed with argument"),
        (("--month", "2031-01"), "--month: expected a period that has begun"),
    ):
        refused = cli(*args, "--out", str(tmp_path / "never"))
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr
    assert not (tmp_path / "never").exists()
