"""Making one day's change report: read the day, count and list its changes, write the three objects,
tell people.

Events are read hour by hour and region by region (`read`), normalized into Records (the same
`normalize` as every other path: credentials redacted, both key styles), classified by the table
(`changes`), counted (`tally`) and written to the CSV as they go; the HTML and JSON are rendered at the
end from the counts. Objects are written CSV, JSON, HTML, each whole or not at all (`store`); a run that
could not read the whole day writes a report marked incomplete, except over a complete report of that
day, which it leaves in place. Re-running a day writes the same objects with the same content, given
the same audit events (no time of generation inside them).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from forwarder.collect import estate
from forwarder.jsoncodec import encode, loads
from forwarder.oci.auth import AuthError
from forwarder.oci.calls import Counter
from forwarder.report import events, read, render, trends
from forwarder.report.count import changes_of
from forwarder.report.day import Day
from forwarder.report.notify import NotifyError, message, publish
from forwarder.report.store import StoreError
from forwarder.report.tally import Tally
from forwarder.retry import Failure
from forwarder.sources.api import tenancy as tenancy_api

log = logging.getLogger("forwarder")

NAMES = {"html": "changes.html", "csv": "changes.csv", "json": "changes.json"}
TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}
#: The day shard: the day's counts, what a week's, a month's or a range's report adds up (`report.periods`).
SHARD = "tally.json"
#: Audit events can appear up to 15 minutes after they happen: a day reported sooner may miss some.
SETTLE = timedelta(minutes=15)


class Reporter:
    """Makes change reports.

    Args:
        settings: `forwarder.settings.ReportSettings`.
        collect: `forwarder.settings.CollectSettings` (tenancy, regions, workers, endpoints).
        clients: `oci.clients.Clients`.
        store: `store.LocalStore` or `store.BucketStore`.
        tenancies: the tenancies reported (`collect.tenancies.Tenancy`), or None: COLLECT_TENANCIES,
            else the one tenancy. With several, each has its report under `<day>/<name>/` and the day
            a summary page over all of them (`report.estate`).
        vault_clients: the clients that read API keys' Vault secrets.
    """

    def __init__(self, settings, collect, clients, store, tenancies=None, vault_clients=None):
        self.settings = settings
        self.collect = collect
        self.clients = clients
        self.store = store
        self.tenancies = tenancies if tenancies is not None else collect.tenancies
        self.vault_clients = vault_clients

    def run(
        self,
        which,
        regions: tuple[str, ...] | None = None,
        deadline: float | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Make the report of `which`: a `day.Day`, or a `period.Period` (a day, week, month or range).
        Never raises for API or store failures: they are in the result.

        Returns:
            A day: `{"ok", "date", "complete", "totals", "where": {form: location}, "problems", "errors",
            "apiCalls", "seconds"}`; `ok` when the whole day was read, written and (if configured) sent.
            A period: the same with `period`, `kind`, `since`, `until` and `days` (`report.periods.one`).
            With several tenancies: `{"ok", "date" | "period", "complete", "tenancies": {name: that
            mapping}, "where": {"html", "json"} (the summary page), "errors", "apiCalls", "seconds"}`.
        """
        from forwarder.report import periods
        from forwarder.report.period import of_day

        if getattr(which, "kind", "day") == "day":
            d = which if isinstance(which, Day) else which.days[0]

            def one(target, folder):
                return self.one(d, target, regions, deadline, now, folder)

            when = of_day(d)
        else:
            when = which

            def one(target, folder):
                return periods.one(self, which, target, regions, deadline, now, folder)

        if self.tenancies is None:
            return one(None, "")
        from forwarder.report import estate

        return estate.run(self, when, one)

    def one(
        self, day: Day, target, regions=None, deadline=None, now=None, folder: str = "", quiet: bool = False
    ) -> dict[str, Any]:
        """The report of one tenancy (`collect.estate.Target`; None: the settings' single tenancy), its
        objects under `day.prefix + folder`; `quiet`: no read link, no message (a day of a period)."""
        started, counter = time.monotonic(), Counter()
        result: dict[str, Any] = {
            "ok": False,
            "date": day.date.isoformat(),
            "complete": False,
            "totals": None,
            "where": {},
            "problems": [],
            "errors": [],
            "apiCalls": 0,
        }
        try:
            if target is None:
                target = estate.resolve(None, self.collect, self.clients)[0][0]
            wanted = regions or target.regions or self.collect.regions or None
            names, unread = tenancy_api.chosen(target.clients, target.tenancy, target.home, wanted, deadline, counter)
            if target.compartment:  # a scope naming no visible compartment would read nothing: say so
                tenancy_api.compartments(
                    target.clients, target.tenancy, target.home, deadline, counter, target.compartment
                )
            if hasattr(self.store, "deadline"):  # a bucket: its calls end with the run
                self.store.deadline = deadline
            report, rows, csv_out, shard = self._make(
                day, target, names, deadline, counter, now or datetime.now(UTC), unread, folder
            )
            result.update(problems=report["problems"], complete=report["complete"], totals=report["totals"])
            result["where"] = self._deliver(
                day, report, rows, csv_out, deadline, counter, result["errors"], folder, target, shard, quiet
            )
        except (Failure, AuthError, StoreError) as exc:
            result["errors"].append(getattr(exc, "reason", None) or str(exc))
        result["ok"] = result["complete"] and not result["errors"]
        result["apiCalls"], result["seconds"] = counter.calls, round(time.monotonic() - started, 3)
        return result

    def _make(self, day: Day, target, regions: list[str], deadline, counter, now, unread=(), folder=""):
        tally = Tally(day, html_rows=self.settings.html_rows)
        prefix, tenancy_id = day.prefix + folder, target.tenancy
        existing = self.read_json(prefix + NAMES["json"])
        previous_day = day.date - timedelta(days=1)
        previous = self.read_json(f"reports/{previous_day:%Y/%m/%d}/{folder}{NAMES['json']}")
        problems: list[str] = list(unread)  # named regions the tenancy does not subscribe to
        every = events.count(target.clients, target.compartment or tenancy_id, day, regions, deadline, counter)
        problems += every.problems
        out = self.store.writer(prefix + NAMES["csv"], TYPES["csv"])
        try:
            out.write(render.csv_header())
            for shard, window, page, problem in read.read(
                target.clients,
                tenancy_id,
                day,
                regions,
                self.collect.workers,
                deadline,
                counter,
                target.compartment,
            ):
                if page is None:
                    if problem:
                        problems.append(f"{shard.region} {window.start:%H:%M}-{window.end:%H:%M} UTC: {problem}")
                    continue
                out.write(render.csv_rows(changes_of(tally, page, shard.region, day)))
            if now < day.end:  # today: the hours still to come cannot have been read
                problems.append(f"the day has not ended: read up to {now:%H:%M} UTC; run it again after the day")
            complete = not problems
            if not complete and existing is not None and existing.get("complete"):
                raise StoreError(
                    f"{prefix}: this run could not read the whole day ({problems[0]}); "
                    "the complete report already there is kept"
                )
        except BaseException:
            out.abort()
            raise
        warnings = []
        if day.end <= now < day.end + SETTLE:
            minutes = max(int((now - day.end).total_seconds() // 60), 0)
            warnings.append(
                f"Made {minutes} minutes after the day ended: audit events can appear up to 15 minutes "
                "late; run the day again for them."
            )
        report = {
            "report": "oci-changes",
            "version": 1,
            "kind": "day",
            "period": day.date.isoformat(),
            "date": day.date.isoformat(),
            "timezone": day.zone,
            "window": {
                "start": day.start.isoformat().replace("+00:00", "Z"),
                "end": day.end.isoformat().replace("+00:00", "Z"),
            },
            "tenancy": tenancy_id,
            **({"tenancyName": target.name} if target.name else {}),
            "regions": regions,
            "source": "Logging Search: " + read.query(tenancy_id),
            "complete": complete,
            "problems": problems,
            "warnings": warnings,
            "previousReport": previous_day.isoformat() if previous is not None else None,
            **tally.summary(trends.principal_keys(previous)),
            "perHour": tally.per_hour(every.hours),
            "allEvents": every.as_json(),
        }
        report["totals"] = {"events": every.total, **report["totals"]}
        report["trends"] = trends.compare(report, previous)
        rows = tally.first.rows()
        report["rows"] = {"total": tally.changes + tally.attempts, "inHtml": len(rows), "outsideDay": tally.outside}
        report["objects"] = dict(NAMES)
        shard = {
            "shard": "oci-changes-day",
            "version": 1,
            "date": day.date.isoformat(),
            "timezone": day.zone,
            "tenancy": tenancy_id,
            "regions": regions,
            "complete": complete,
            "problems": problems,
            "counts": tally.dump(),
            "events": {"hours": every.hours, **every.as_json()},
        }
        return report, rows, out, shard

    def read_json(self, name: str) -> dict[str, Any] | None:
        raw = self.store.read(name)
        if raw is None:
            return None
        try:
            value = loads(raw)
        except (ValueError, RecursionError):
            log.warning("report: %s is not JSON; ignored", self.store.where(name))
            return None
        return value if isinstance(value, dict) else None

    def _deliver(
        self,
        day: Day,
        report: dict[str, Any],
        rows,
        csv_out,
        deadline,
        counter,
        errors: list[str],
        folder,
        target,
        shard,
        quiet=False,
    ) -> dict[str, str]:
        """Write the CSV (streamed so far), JSON, HTML and the day shard, in that order, each rendered
        before any is written; then the link and the message."""
        store, prefix = self.store, day.prefix + folder
        try:
            forms = {"json": render.json_bytes(report), "html": render.html(report, rows, NAMES["csv"])}
        except BaseException:
            csv_out.abort()
            raise
        csv_out.commit()
        for form in ("json", "html"):
            store.put(prefix + NAMES[form], forms[form], TYPES[form])
        store.put(prefix + SHARD, encode(shard), TYPES["json"])
        where = self.where(prefix)
        if quiet:
            return where
        return self.tell(prefix, report, where, deadline, counter, errors, target)

    def where(self, prefix: str) -> dict[str, str]:
        """Where the three objects under `prefix` are in the store: form -> location."""
        return {form: self.store.where(prefix + name) for form, name in NAMES.items()}

    def tell(self, prefix: str, report, where, deadline, counter, errors: list[str], target) -> dict[str, str]:
        """The read link to the objects under `prefix` (REPORT_LINK_HOURS) and the message (REPORT_TOPIC_OCID);
        returns where the objects are (the link's URLs when there is one). Failures go to `errors`."""
        if self.settings.link_hours:
            try:
                base = self.store.link(prefix, self.settings.link_hours)
                if base:
                    where = {form: base + prefix + name for form, name in NAMES.items()}
            except StoreError as exc:
                errors.append(str(exc))
        if self.settings.topic:
            title, body = message(report, where)
            region = self.clients.home or target.home or report["regions"][0]
            try:
                publish(self.clients, region, self.settings.topic, title, body, deadline, counter)
            except NotifyError as exc:
                errors.append(str(exc))
        return where
