"""Trends: a report's numbers beside the previous period's (the day before, the week before, the month
before, the same number of days before a range), from the two reports' JSON mappings.

`compare(report, previous)` gives, for each total (all events, changes, created, updated, deleted,
failed attempts), and for the principals and services with most changes, `{"now", "before", "change",
"percent"}` (`percent` None when the previous period had none), or None without a previous report.
"""

from __future__ import annotations

from typing import Any

#: Totals compared, as (name, path in `totals`).
TOTALS = (
    ("events", ("events",)),
    ("changes", ("changes",)),
    ("create", ("create",)),
    ("update", ("update",)),
    ("delete", ("delete",)),
    ("failed", ("failed", "total")),
)
TOP = 10


def principal_keys(previous: dict[str, Any] | None) -> set[str] | None:
    """The principals (id, else name) of a previous report's mapping, what `new` is judged against; None
    without one."""
    if previous is None:
        return None
    return {p.get("id") or p.get("name") for p in previous.get("byPrincipal", ())}


def entry(now: int | None, before: int | None) -> dict[str, Any]:
    """One number beside its previous value."""
    if now is None or before is None:
        return {"now": now, "before": before, "change": None, "percent": None}
    change = now - before
    return {
        "now": now,
        "before": before,
        "change": change,
        "percent": round(100 * change / before, 1) if before else None,
    }


def _total(report: dict[str, Any], path: tuple[str, ...]) -> int | None:
    value: Any = report.get("totals") or {}
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _rows(report: dict[str, Any], key: str) -> dict[str, int]:
    rows = report.get(key)
    if not isinstance(rows, list):
        return {}
    return {str(r.get("id") or r.get("name")): r.get("changes", 0) for r in rows if isinstance(r, dict)}


def compare(report: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """The trends of `report` against `previous` (both report JSON mappings), or None without one."""
    if previous is None:
        return None
    before_principals, before_services = _rows(previous, "byPrincipal"), _rows(previous, "byService")
    services = sorted(report["byService"], key=lambda r: (-r["changes"], r["name"]))[:TOP]
    return {
        "previous": previous.get("period") or previous.get("date"),
        "complete": bool(previous.get("complete")),
        "totals": {name: entry(_total(report, path), _total(previous, path)) for name, path in TOTALS},
        "principals": [
            {"name": p.get("name"), "id": p.get("id"), "new": p.get("new", False)}
            | entry(p["changes"], before_principals.get(str(p.get("id") or p.get("name")), 0))
            for p in report["topPrincipals"]
        ],
        "services": [{"name": s["name"]} | entry(s["changes"], before_services.get(s["name"], 0)) for s in services],
    }
