"""The change report of several tenancies: one report per tenancy, and one summary page over all of them.

Each tenancy (COLLECT_TENANCIES, or the CLI's `--profile A --profile B`) gets the report of a single
tenancy under `<prefix>/<name>/changes.{html,csv,json}` (a day's prefix `reports/YYYY/MM/DD`, a week's
`reports/week/2026-W48`, ...; and its own Notifications message, naming it); then `<prefix>/summary.json`
and `index.html` list every tenancy with
its totals, whether it was read whole, and a link to its page. One tenancy that cannot be read is in
the summary with its error and never stops the others.
"""

from __future__ import annotations

import time
from typing import Any

from forwarder.collect import estate
from forwarder.jsoncodec import encode
from forwarder.oci.auth import AuthError
from forwarder.report.store import StoreError

NAMES = {"html": "index.html", "json": "summary.json"}
TYPES = {"html": "text/html; charset=utf-8", "json": "application/json"}


def run(reporter, when, one) -> dict[str, Any]:
    """The reports of every tenancy of `reporter` (a `run.Reporter`) for `when` (a `period.Period`), each
    made by `one(target, folder)`, then the summary page under `when.prefix`.

    Returns:
        `{"ok", "date" | "period", "complete", "tenancies": {name: one tenancy's result}, "where": {"html",
        "json"}, "errors", "apiCalls", "seconds"}`; `ok` when every tenancy's report is and the summary
        was written.
    """
    started = time.monotonic()
    key = "date" if when.kind == "day" else "period"
    result: dict[str, Any] = {"ok": False, key: when.label, "complete": False, "tenancies": {}}
    errors: list[str] = []
    try:
        targets, errors = estate.resolve(reporter.tenancies, reporter.collect, reporter.clients, reporter.vault_clients)
    except AuthError as exc:
        targets, errors = [], [str(exc)]
    for target in targets:
        result["tenancies"][target.label] = one(target, f"{target.name}/")
    listed = [_row(name, one) for name, one in result["tenancies"].items()]
    summary = {
        "report": "oci-changes-summary",
        "version": 1,
        "date": when.label,
        "kind": when.kind,
        "timezone": when.zone,
        "complete": bool(targets) and not errors and all(one["complete"] for one in result["tenancies"].values()),
        "errors": errors,
        "tenancies": listed,
        "totals": {k: sum(row["totals"].get(k, 0) for row in listed if row["totals"]) for k in _TOTALS},
    }
    where: dict[str, str] = {}
    try:
        reporter.store.put(when.prefix + NAMES["json"], encode(summary), TYPES["json"])
        reporter.store.put(when.prefix + NAMES["html"], page(summary), TYPES["html"])
        where = {form: reporter.store.where(when.prefix + name) for form, name in NAMES.items()}
    except StoreError as exc:
        errors.append(str(exc))
    result.update(
        complete=summary["complete"],
        where=where,
        errors=errors,
        apiCalls=sum(one["apiCalls"] for one in result["tenancies"].values()),
        seconds=round(time.monotonic() - started, 3),
    )
    result["ok"] = summary["complete"] and not errors and all(one["ok"] for one in result["tenancies"].values())
    return result


_TOTALS = ("events", "changes", "create", "update", "delete")


def _row(name: str, one: dict[str, Any]) -> dict[str, Any]:
    totals = one.get("totals") or {}
    return {
        "name": name,
        "complete": one["complete"],
        "ok": one["ok"],
        "totals": {k: totals.get(k, 0) for k in _TOTALS} | {"failed": (totals.get("failed") or {}).get("total", 0)},
        "problems": one["problems"][:5],
        "errors": one["errors"],
        "page": f"{name}/changes.html" if one.get("where") else None,
    }


def page(summary: dict[str, Any]) -> bytes:
    """The summary page (Jinja2 template `templates/summary.html`, every value escaped, no script)."""
    from forwarder.report.render import environment

    return environment().get_template("summary.html").render(s=summary).encode("utf-8")
