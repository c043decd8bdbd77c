"""The change report of a week, a month or any range: its days' shards, added up.

A period is made of day shards: each day is the daily report of that day (`run.Reporter.one`, its
objects under `reports/YYYY/MM/DD/`) with its counts in `tally.json`. A day whose complete shard is
already there is not read again; any other day is claimed with the collector's conditional-write ledger
(`collect.ledger`: of two runs at once, one makes it, the other leaves it) under
`checkpoints/report/<tenancy>/<date>` in the report's bucket (or `checkpoints.json` in `--out`), made, and
committed. Days are made until the deadline: a period longer than one invocation can read is completed
by the next invocations or by the CLI, and its report is written once every day has its shard, by
adding them up (`tally.PeriodTally`, bounded memory) and joining the days' CSVs in bounded pieces.

The previous period (for trends and new principals) is its own report when there is a complete one,
else its day shards, made as well once the period's own days are done.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from forwarder.collect import estate
from forwarder.oci.auth import AuthError
from forwarder.oci.calls import Counter
from forwarder.report import read, render, trends
from forwarder.report.period import Period
from forwarder.report.run import NAMES, SHARD, TYPES
from forwarder.report.store import StoreError
from forwarder.report.tally import PeriodTally
from forwarder.retry import Failure

#: Seconds a claim on a day holds (a function runs at most 300 s; a CLI day longer than this may be made twice,
#: to the same content).
LEASE_SECONDS = 900
#: A day is not started with less than this many seconds before the deadline.
DAY_SECONDS = 60.0


def one(reporter, period: Period, target, regions, deadline, now, folder: str = "") -> dict[str, Any]:
    """The report of `period` for one tenancy (`collect.estate.Target`; None: the settings' own).

    Returns:
        `{"ok", "period", "kind", "since", "until", "complete", "totals", "where", "problems", "errors",
        "days": {"reused", "made", "pending": [dates]}, "apiCalls", "seconds"}`; `ok` when every day was
        read whole and the report written (and sent); with days pending, nothing is written yet.
        `already: true` when a complete report with its trends was there: nothing is read, written or sent.
    """
    started, counter = time.monotonic(), Counter()
    result: dict[str, Any] = {
        "ok": False,
        "period": period.label,
        "kind": period.kind,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "complete": False,
        "totals": None,
        "where": {},
        "problems": [],
        "errors": [],
        "days": {"reused": 0, "made": 0, "pending": []},
    }
    now = now or datetime.now(UTC)
    try:
        if target is None:
            target = estate.resolve(None, reporter.collect, reporter.clients)[0][0]
        if hasattr(reporter.store, "deadline"):
            reporter.store.deadline = deadline
        made = reporter.read_json(period.prefix + folder + NAMES["json"])
        if made is not None and made.get("complete") and made.get("trends") is not None:
            # Made whole before, with its trends: left as it is (a schedule repeating to finish a long period
            # sends one message); delete its changes.json to make it again.
            result.update(complete=True, already=True, totals=made["totals"], problems=[])
            result["where"] = reporter.where(period.prefix + folder)
            result["days"]["reused"] = len(period.days)
        else:
            _make(reporter, period, target, regions, deadline, now, folder, counter, result)
    except (Failure, AuthError, StoreError) as exc:
        result["errors"].append(getattr(exc, "reason", None) or str(exc))
    result["ok"] = result["complete"] and not result["errors"]
    result["apiCalls"], result["seconds"] = counter.calls, round(time.monotonic() - started, 3)
    return result


def _make(reporter, period: Period, target, regions, deadline, now, folder: str, counter, result) -> None:
    """Find or make the period's day shards; once all are there, add them up (with the previous period's, for
    trends) and write the report. What happened goes into `result`."""
    maker = _Days(reporter, target, regions, deadline, now, folder, result)
    shards = maker.shards(period)
    if None in shards:
        pending = [d.date.isoformat() for d, s in zip(period.days, shards, strict=True) if s is None]
        result["days"]["pending"] = pending
        result["problems"].append(f"{len(pending)} of {len(shards)} days still to make: run the report again")
        return
    before = period.previous()
    previous = reporter.read_json(before.prefix + folder + NAMES["json"])
    if previous is None or not previous.get("complete"):
        earlier = maker.shards(before)
        previous = None if None in earlier else merge(before, earlier, reporter.read_json, target, None)
    report = merge(period, shards, reporter.read_json, target, previous)
    result.update(complete=report["complete"], problems=report["problems"], totals=report["totals"])
    result["where"] = _write(reporter, period, folder, report, deadline, counter, result["errors"], target)


class _Days:
    """Finds or makes the day shards of one tenancy."""

    def __init__(self, reporter, target, regions, deadline, now, folder, result):
        self.reporter, self.target, self.regions = reporter, target, regions
        self.deadline, self.now, self.folder, self.result = deadline, now, folder, result
        self.ledgers = _ledger_store(reporter.store)

    def shards(self, period: Period) -> list[str | None]:
        """Where each day's shard is, in order: a complete one already there, else one made now (complete or
        not), else None (the deadline came, another run is making it, or the day has not begun: nothing is
        read for it). Shards are read again one at a time when added up: memory holds one, whatever the
        number of days."""
        found = []
        to_come = [d for d in period.days if d.start > self.now]
        if to_come:
            self.result["problems"].append(
                f"{len(to_come)} days still to come ({to_come[0].date} to {to_come[-1].date}): "
                "the report is written once the period has ended"
            )
        for d in period.days:
            if d.start > self.now:
                found.append(None)
                continue
            name = d.prefix + self.folder + SHARD
            shard = self.reporter.read_json(name)
            if _usable(shard, d) and shard["complete"]:
                self.result["days"]["reused"] += 1
                found.append(name)
                continue
            if self.deadline is not None and time.monotonic() > self.deadline - DAY_SECONDS:
                found.append(None)
                continue
            found.append(self._make(d, name))
        return found

    def _make(self, d, name: str) -> str | None:
        from forwarder.collect.checkpoints import CheckpointError, Conflict
        from forwarder.collect.ledger import Ledger, owner_id

        ledger = Ledger(self.ledgers, f"report/{self.target.tenancy}/{d.date}", owner_id(), LEASE_SECONDS, 0)
        try:
            busy = ledger.claim(d.end)
        except CheckpointError as exc:
            raise StoreError(str(exc)) from None
        if busy:
            self.result["problems"].append(f"{d.date}: {busy}")
            return None
        made = self.reporter.one(d, self.target, self.regions, self.deadline, self.now, self.folder, quiet=True)
        self.result["days"]["made"] += 1
        self.result["errors"] += [f"{d.date}: {e}" for e in made["errors"]]
        shard = self.reporter.read_json(name) if made["where"] else None
        try:
            if shard is not None and shard.get("complete"):
                ledger.commit(d.end, {}, None)
            else:
                ledger.release(d.start, {})
        except (CheckpointError, Conflict) as exc:
            self.result["errors"].append(f"{d.date}: {exc}")
        return name if _usable(shard, d) else None


def _usable(shard, d) -> bool:
    return (
        isinstance(shard, dict)
        and shard.get("shard") == "oci-changes-day"
        and shard.get("version") == 1
        and shard.get("date") == d.date.isoformat()
        and shard.get("timezone") == d.zone
    )


def _ledger_store(store):
    from forwarder.collect import checkpoints

    if hasattr(store, "bucket"):
        return checkpoints.BucketStore(store.bucket, getattr(store, "deadline", None))
    try:
        store.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{store.root}: cannot write: {exc.strerror}") from None
    return checkpoints.FileStore(store.root / "checkpoints.json")


def merge(period: Period, shards: list[str], load, target, previous) -> dict[str, Any]:
    """The report mapping of `period` from its day shards (`shards`: where each is, all present, in order;
    `load(name)` reads one) and the previous period's mapping (None: no trends).

    Raises:
        StoreError: a shard cannot be read, or is no longer a shard of its day.
    """
    tally = PeriodTally(len(shards))
    per_day, services, by_region, problems, regions, days = [], {}, {}, [], set(), []
    for index, (d, name) in enumerate(zip(period.days, shards, strict=True)):
        shard = load(name)
        if not _usable(shard, d):
            raise StoreError(f"{name}: not the day shard of {d.date} any more; run the report again")
        tally.absorb(index, shard["counts"])
        every = shard["events"]
        for key, n in every["byService"].items():
            services[key] = services.get(key, 0) + n
        for key, n in every["byRegion"].items():
            by_region[key] = by_region.get(key, 0) + n
        c, u, dl, f = tally.slots[index]
        per_day.append({"day": index, "label": d.date.isoformat(), "create": c, "update": u, "delete": dl})
        per_day[-1].update(failed=f, events=every["total"])
        problems += [f"{d.date}: {p}" for p in shard["problems"]]
        regions.update(shard.get("regions", ()))
        days.append({"date": d.date.isoformat(), "complete": shard["complete"], "eventsCounted": every["complete"]})
        del shard
    events_total = sum(day["events"] for day in per_day)
    report = {
        "report": "oci-changes",
        "version": 1,
        "kind": period.kind,
        "period": period.label,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "timezone": period.zone,
        "window": {"start": _z(period.start), "end": _z(period.end)},
        "tenancy": target.tenancy,
        **({"tenancyName": target.name} if target.name else {}),
        "regions": sorted(regions),
        "source": "Logging Search: " + read.query(target.tenancy),
        "complete": not problems,
        "problems": problems,
        "warnings": [],
        "previousPeriod": previous.get("period") if previous is not None else None,
        **tally.summary(trends.principal_keys(previous)),
        "perDay": per_day,
        "allEvents": {
            "total": events_total,
            "complete": all(day["eventsCounted"] for day in days),
            "byService": dict(sorted(services.items(), key=lambda kv: (-kv[1], kv[0]))),
            "byRegion": dict(sorted(by_region.items())),
        },
        "days": [{"date": day["date"], "complete": day["complete"]} for day in days],
    }
    report["totals"] = {"events": events_total, **report["totals"]}
    report["trends"] = trends.compare(report, previous)
    report["rows"] = {"total": tally.changes + tally.attempts, "inHtml": 0, "outsideDay": tally.outside}
    report["objects"] = dict(NAMES)
    return report


def _z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _write(reporter, period: Period, folder: str, report, deadline, counter, errors, target) -> dict[str, str]:
    """The CSV (the days' CSVs joined, one header), JSON and HTML under the period's prefix; then the link
    and the message."""
    store, prefix = reporter.store, period.prefix + folder
    forms = {"json": render.json_bytes(report), "html": render.html(report, [], NAMES["csv"])}
    out = store.writer(prefix + NAMES["csv"], TYPES["csv"])
    try:
        out.write(render.csv_header())
        for d in period.days:
            header = True
            for piece in store.chunks(d.prefix + folder + NAMES["csv"]):
                if header:  # every day's CSV starts with the same header line
                    piece, header = piece.split(b"\n", 1)[1] if b"\n" in piece else b"", False
                out.write(piece)
    except BaseException:
        out.abort()
        raise
    out.commit()
    for form in ("json", "html"):
        store.put(prefix + NAMES[form], forms[form], TYPES[form])
    return reporter.tell(prefix, report, reporter.where(prefix), deadline, counter, errors, target)
