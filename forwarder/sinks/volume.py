"""What each SIEM sink is sent (SIEM_SYSLOG_* and SIEM_HTTP_* volume keys): `original` or not, a field list
kept or dropped, and a filter in the rule pack's Sigma condition language deciding which records it gets.

`sections(c)` gives `{"volume": {"syslog": Volume, "http": Volume}}`, raising `ConfigError` naming the key;
`forwarder.wiring` applies them (`formats.shape` to the JSON payloads, the filter to the route). A record a
filter leaves out is counted `filtered` for that sink in the summary: not delivered, not lost.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.config import ConfigError, Key
from forwarder.config import values as v

#: The sinks with volume keys, by the prefix of their keys.
SINKS = {"syslog": "SIEM_SYSLOG_", "http": "SIEM_HTTP_"}


def _keys(sink: str, prefix: str) -> tuple[Key, ...]:
    return (
        Key(
            f"{prefix}ORIGINAL",
            v.boolean,
            True,
            "false",
            f"Whether the {sink} sink's JSON records carry `original`, the event as received (OCSF: `raw_data`); "
            "`false` roughly halves an audit record.",
            shown="true",
        ),
        Key(
            f"{prefix}FIELDS",
            v.field_list,
            None,
            "-details,-principal.userAgent",
            f"Record fields the {sink} sink's JSON records keep (`eventId,time,title,principal.name`) or drop "
            "(`-details,-labels`); dotted paths reach into objects. Not for CEF, LEEF or OCSF.",
            shown="(every field)",
        ),
        Key(
            f"{prefix}FILTER",
            v.text,
            None,
            "{reads: {request.action: [GET, HEAD]}, condition: not reads}",
            f"Which records the {sink} sink gets: a Sigma `detection` (selections and a condition, YAML) over "
            "the rule fields; the others count as `filtered` for this sink.",
            shown="(every record)",
        ),
    )


KEYS: tuple[Key, ...] = tuple(key for sink, prefix in SINKS.items() for key in _keys(sink, prefix))


class Volume(NamedTuple):
    """What one sink is sent."""

    original: bool = True  #: whether JSON records carry `original`
    fields: tuple[str, tuple[str, ...]] | None = None  #: ("keep" | "drop", dotted paths), or None: all
    filter: list | None = None  #: compiled Sigma condition (`detect.filter`), or None: every record


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The volume part of `forwarder.settings.Settings`: {"volume": {sink: Volume}}."""
    from forwarder.normalize.record import SCHEMA

    out, problems = {}, []
    for sink, prefix in SINKS.items():
        parsed = c[f"{prefix}FIELDS"]
        if parsed is not None:
            try:
                unknown = [p for p in parsed[1] if p.split(".")[0] not in SCHEMA]
                if unknown:
                    raise ValueError(f"{', '.join(unknown)} not a record field (the JSON payload's keys)")
                shape = c["SIEM_SYSLOG_PAYLOAD"] if sink == "syslog" else c["SIEM_HTTP_FORMAT"]
                if shape not in ("json", "splunk-hec"):
                    raise ValueError(f"a field list shapes JSON records, and this sink sends {shape}")
            except ValueError as exc:
                problems.append(f"{prefix}FIELDS: {exc}")
        condition = None
        text = c[f"{prefix}FILTER"]
        if text is not None:
            from forwarder.detect import RuleError
            from forwarder.detect.filter import compile_filter

            try:
                condition = compile_filter(f"{prefix}FILTER", text)
            except RuleError as exc:
                problems.append(f"{prefix}FILTER: {str(exc).removeprefix(f'{prefix}FILTER: ')}")
        out[sink] = Volume(c[f"{prefix}ORIGINAL"], parsed, condition)
    if problems:
        raise ConfigError("\n".join(problems))
    return {"volume": out}
