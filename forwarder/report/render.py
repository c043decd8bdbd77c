"""The report's three forms, from one JSON mapping: HTML for people, CSV rows, JSON for machines.

- `csv_rows(changes)`: CSV text (RFC 4180, header `changes.COLUMNS`) of a batch of changes; cells a
  spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading `'`.
- `html(report, rows)`: one self-contained page of a day or a period (Jinja2 template
  `templates/changes.html`, every value escaped; inline CSS and an inline SVG chart; no script, no
  external asset, a Content-Security-Policy that allows none): totals and trends, the chart and the
  call-outs first, then the details; a day lists its first rows, and both point to the CSV for all.
- `json_bytes(report)`: the mapping, strict JSON (`forwarder.jsoncodec`).
The three carry the same numbers: the HTML and the notification are rendered from the JSON mapping.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from forwarder.jsoncodec import encode
from forwarder.report.changes import COLUMNS, KINDS, Change

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
#: The chart's drawing area, in SVG user units.
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM = 960, 170, 48, 24
COLOURS = {"create": "#2e7d32", "update": "#1565c0", "delete": "#c62828", "failed": "#9e9e9e"}
_environment = None


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def csv_header() -> bytes:
    return csv_text([list(COLUMNS)])


def csv_rows(changes: Iterable[Change]) -> bytes:
    """CSV lines (CRLF) of `changes`, formula-like cells neutralised."""
    return csv_text([[_cell(v) for v in change] for change in changes])


def csv_text(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def json_bytes(report: dict[str, Any]) -> bytes:
    return encode(report)


def chart(per_hour: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of the chart of a day's hours or a period's days (`label` each): stacked bars of created,
    updated and deleted, and a thin bar of failed attempts beside each; `ticks` are y-axis values."""
    peak = max([h["create"] + h["update"] + h["delete"] for h in per_hour] + [h["failed"] for h in per_hour] + [1])
    scale = (CHART_HEIGHT - CHART_BOTTOM - 10) / peak
    slot = (CHART_WIDTH - CHART_LEFT) / max(len(per_hour), 1)
    base = CHART_HEIGHT - CHART_BOTTOM
    bars = []
    for i, hour in enumerate(per_hour):
        x = CHART_LEFT + i * slot + 2
        y, segments = base, []
        for kind in KINDS:
            height = hour[kind] * scale
            y -= height
            if hour[kind]:
                segments.append({"kind": kind, "y": round(y, 2), "height": round(height, 2), "colour": COLOURS[kind]})
        failed = hour["failed"] * scale
        bars.append(
            {
                "x": round(x, 2),
                "width": round(slot * 0.7 - 2, 2),
                "segments": segments,
                "failed_x": round(x + slot * 0.7 - 1, 2),
                "failed_width": round(slot * 0.2, 2),
                "failed_y": round(base - failed, 2),
                "failed_height": round(failed, 2),
                "label": hour["label"],
                "hour": hour,
                "text_x": round(x + slot * 0.35, 2),
            }
        )
    ticks = sorted({0, peak // 2, peak})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "base": base,
        "bars": bars,
        "ticks": [{"value": t, "y": round(base - t * scale, 2)} for t in ticks],
        "colours": COLOURS,
        "label_every": max(1, len(per_hour) // 12),
    }


def html(report: dict[str, Any], rows: list[Change], csv_name: str = "changes.csv") -> bytes:
    """The self-contained HTML page of `report`, with `rows` (the first changes) in its table."""
    template = environment().get_template("changes.html")
    bars = report["perHour"] if report.get("kind", "day") == "day" else report["perDay"]
    page = template.render(r=report, rows=rows, chart=chart(bars), csv_name=csv_name, kinds=KINDS, listed=50)
    return page.encode("utf-8")


def environment():
    """The Jinja2 environment of the report's templates (autoescaped, strict), made once."""
    global _environment
    if _environment is None:
        import jinja2

        _environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _environment
