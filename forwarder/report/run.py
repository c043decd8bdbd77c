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
from forwarder.jsoncodec import loads
from forwarder.normalize import normalize
from forwarder.oci.auth import AuthError
from forwarder.oci.calls import Counter
from forwarder.report import changes as ch
from forwarder.report import read, render
from forwarder.report.day import Day
from forwarder.report.notify import NotifyError, message, publish
from forwarder.report.store import StoreError
from forwarder.report.tally import Tally
from forwarder.retry import Failure
from forwarder.sources.api import tenancy as tenancy_api

log = logging.getLogger("forwarder")

NAMES = {"html": "changes.html", "csv": "changes.csv", "json": "changes.json"}
TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}
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
        day: Day,
        regions: tuple[str, ...] | None = None,
        deadline: float | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Make the report of `day`. Never raises for API or store failures: they are in the result.

        Returns:
            `{"ok", "date", "complete", "totals", "where": {form: location}, "problems", "errors",
            "apiCalls", "seconds"}`; `ok` when the whole day was read, written and (if configured) sent.
            With several tenancies: `{"ok", "date", "complete", "tenancies": {name: that mapping},
            "where": {"html", "json"} (the summary page), "errors", "apiCalls", "seconds"}`.
        """
        if self.tenancies is None:
            return self.one(day, None, regions, deadline, now)
        from forwarder.report import estate

        return estate.run(self, day, regions, deadline, now)

    def one(self, day: Day, target, regions=None, deadline=None, now=None, folder: str = "") -> dict[str, Any]:
        """The report of one tenancy (`collect.estate.Target`; None: the settings' single tenancy), its
        objects under `day.prefix + folder`."""
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
            report, rows, csv_out = self._make(
                day, target, names, deadline, counter, now or datetime.now(UTC), unread, folder
            )
            result.update(problems=report["problems"], complete=report["complete"], totals=report["totals"])
            result["where"] = self._deliver(
                day, report, rows, csv_out, deadline, counter, result["errors"], folder, target
            )
        except (Failure, AuthError, StoreError) as exc:
            result["errors"].append(getattr(exc, "reason", None) or str(exc))
        result["ok"] = result["complete"] and not result["errors"]
        result["apiCalls"], result["seconds"] = counter.calls, round(time.monotonic() - started, 3)
        return result

    def _make(self, day: Day, target, regions: list[str], deadline, counter, now, unread=(), folder=""):
        tally = Tally(day, html_rows=self.settings.html_rows)
        prefix, tenancy_id = day.prefix + folder, target.tenancy
        existing = self._read_json(prefix + NAMES["json"])
        previous_day = day.date - timedelta(days=1)
        previous = self._read_json(f"reports/{previous_day:%Y/%m/%d}/{folder}{NAMES['json']}")
        out = self.store.writer(prefix + NAMES["csv"], TYPES["csv"])
        problems: list[str] = list(unread)  # named regions the tenancy does not subscribe to
        try:
            out.write(render.csv_header())
            for shard, window, events, problem in read.read(
                target.clients,
                tenancy_id,
                day,
                regions,
                self.collect.workers,
                deadline,
                counter,
                target.compartment,
            ):
                if events is None:
                    if problem:
                        problems.append(f"{shard.region} {window.start:%H:%M}-{window.end:%H:%M} UTC: {problem}")
                    continue
                out.write(render.csv_rows(self._count(tally, events, shard.region, day)))
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
        previous_keys = None
        if previous is not None:
            previous_keys = {p.get("id") or p.get("name") for p in previous.get("byPrincipal", ())}
        report = {
            "report": "oci-changes",
            "version": 1,
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
            **tally.summary(previous_keys),
        }
        rows = tally.first.rows()
        report["rows"] = {"total": tally.changes + tally.attempts, "inHtml": len(rows), "outsideDay": tally.outside}
        report["objects"] = dict(NAMES)
        return report, rows, out

    def _count(self, tally: Tally, events: list[dict], region: str, day: Day) -> list[ch.Change]:
        batch = []
        for event in events:
            record = normalize(event, region)
            data = record.original.get("data")
            name = data.get("eventName") if isinstance(data, dict) else None
            name = name if isinstance(name, str) else None
            action = record.request_action
            kind = ch.classify(action, name)
            if kind is None:
                tally.read_posts += ch.is_read_post(action, name)
                continue
            moment, principal, resource = record.time, record.principal, record.resource
            service = ch.service_of(record.event_type)
            change = ch.Change(
                "" if moment is None else day.local(moment),
                "failed" if ch.failed(record.response_status) else "done",
                kind,
                ch.category(service) or "",
                service,
                name or "",
                (action or "").upper(),
                principal.name or "",
                principal.id or "",
                principal.auth_type or "",
                principal.ip or "",
                resource.name or "",
                resource.id or "",
                record.compartment_name or "",
                record.compartment_id or "",
                record.region or region,
                record.response_status or "",
                record.request_id or "",
                record.event_id or "",
            )
            if tally.add(change, moment, record.time_iso or ""):
                batch.append(change)
        return batch

    def _read_json(self, name: str) -> dict[str, Any] | None:
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
        self, day: Day, report: dict[str, Any], rows, csv_out, deadline, counter, errors: list[str], folder, target
    ) -> dict[str, str]:
        """Write the CSV (streamed so far), JSON and HTML, in that order, each rendered before any is
        written; then the link and the message."""
        store, prefix = self.store, day.prefix + folder
        try:
            forms = {"json": render.json_bytes(report), "html": render.html(report, rows, NAMES["csv"])}
        except BaseException:
            csv_out.abort()
            raise
        csv_out.commit()
        for form in ("json", "html"):
            store.put(prefix + NAMES[form], forms[form], TYPES[form])
        where = {form: store.where(prefix + name) for form, name in NAMES.items()}
        hours = self.settings.link_hours
        if hours:
            try:
                base = store.link(prefix, hours)
                if base:
                    where = {form: base + prefix + name for form, name in NAMES.items()}
            except StoreError as exc:
                errors.append(str(exc))
        topic = self.settings.topic
        if topic:
            title, body = message(report, where)
            try:
                publish(
                    self.clients,
                    self.clients.home or target.home or report["regions"][0],
                    topic,
                    title,
                    body,
                    deadline,
                    counter,
                )
            except NotifyError as exc:
                errors.append(str(exc))
        return where
