"""Logging Search results (`POST /20190909/search`): `{"summary": {...}, "results": [{"data": {...}}]}`.

Each result's `data` holds `datetime` (epoch milliseconds) and `logContent`, the CloudEvents 1.0 log
record. A response may come without `summary` (and `fields`), and its results as their bare `data`
(`{"datetime", "logContent"}`), as the OCI CLI's `--query` and hand-made exports give them: every one
of these forms is read. An older form also carries the record's attributes flattened beside `logContent`
(`"oracle.tenantid"`, `"specversion"`, `"type"`, ...) (as oracle/oci-cli#443 shows). `record()` returns
the log record, with flattened attributes filling what `logContent` lacks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

#: CloudEvents attributes that the older form may carry flattened.
_ATTRIBUTES = ("id", "type", "time", "source", "specversion", "subject", "dataschema")


def is_response(item: dict[str, Any]) -> bool:
    """True for a whole search response: a `results` array, with `summary`, or whose items are all results
    (`{"data": {...}}`) or bare result data (`{"datetime", "logContent"}`)."""
    results = item.get("results")
    if not isinstance(results, list):
        return False
    return "summary" in item or all(isinstance(r, dict) and ("data" in r or "logContent" in r) for r in results)


def is_result(item: dict[str, Any]) -> bool:
    """True for one result (`{"data": {"logContent": ...}}`) or its `data` (`{"datetime", "logContent"}`)."""
    return isinstance(_data(item).get("logContent"), dict)


def record(item: dict[str, Any]) -> dict[str, Any]:
    """The log record of one result; `logContent` is returned (completed in place) as the event."""
    data = _data(item)
    content = data["logContent"]
    flat_oracle = {key[len("oracle.") :]: value for key, value in data.items() if key.startswith("oracle.")}
    if flat_oracle and isinstance(content.setdefault("oracle", {}), dict):
        for key, value in flat_oracle.items():
            content["oracle"].setdefault(key, value)
    for key in _ATTRIBUTES:
        if key in data:
            content.setdefault(key, data[key])
    millis = data.get("datetime")
    if "time" not in content and isinstance(millis, (int, float)) and not isinstance(millis, bool):
        try:
            moment = datetime.fromtimestamp(millis / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return content
        content["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return content


def _data(item: dict[str, Any]) -> dict[str, Any]:
    inner = item.get("data")
    if isinstance(inner, dict) and "logContent" in inner:
        return inner
    return item
