"""`Detector`: every record of a batch against every enabled rule; what fires becomes detection records.

A plain rule (not counted by a correlation, or `generate: true`) makes one detection per matching
record. A correlation rule counts the records its rules match, per group (`group-by` values), in
windows of `timespan` (`forwarder.detect.state`): a window fires once per group. Rules are indexed by
the operation their condition requires (`match.op_key`), so a record is only tried against the rules
of its own event type and the few rules that name none: the cost barely grows with the pack.
"""

from __future__ import annotations

import logging
from typing import Any

from forwarder.detect.match import compile_node, index_keys, op_key, values_of
from forwarder.detect.output import detection
from forwarder.detect.state import Member, MemoryState, Window, group_key
from forwarder.normalize.record import Kind, Record

log = logging.getLogger("forwarder")


class _Rule:
    __slots__ = ("rule", "test", "generate", "counted_by")

    def __init__(self, rule: dict[str, Any]):
        self.rule = rule
        self.test = compile_node(rule["condition"])
        self.generate = True
        self.counted_by: list[tuple[_Correlation, str | None]] = []


class _Correlation:
    __slots__ = ("rule", "window", "group_by", "value", "temporal")

    def __init__(self, rule: dict[str, Any]):
        c = rule["correlation"]
        self.rule = rule
        self.window = Window(
            c["timespan"], c["op"], c["count"], c["type"] != "event_count", c["type"] == "temporal_ordered"
        )
        #: temporal types count which of their rules matched (its position, "0", "1", ...) as the value
        self.temporal = c["type"].startswith("temporal")
        self.group_by = [(name, values_of(tuple(name.split(".")))) for name in c["groupBy"]]
        self.value = values_of(tuple(c["field"].split("."))) if c["field"] else None


class Detection:
    """What detection did for one batch: `matched` (rule matches), `detections` (records made),
    `state` ("memory" or "redis"), `warning` (degraded state or a detection error, else None),
    `unevaluated` (records a rule could not be evaluated on: every other record still was)."""

    __slots__ = ("matched", "detections", "state", "warning", "unevaluated")

    def __init__(self, state: str):
        self.matched = 0
        self.detections: list[Record] = []
        self.state = state
        self.warning: str | None = None
        self.unevaluated = 0


class Detector:
    """Runs compiled rules (`forwarder.detect.pack.load`) over records.

    Args:
        rules: compiled rules, plain and correlation.
        state: where windows are counted: `MemoryState()` (default) or a `shared_state.RedisState`.
        placeholders: the values of Sigma placeholders (`|expand: '%name%'`; DETECTION_PLACEHOLDERS), name ->
            values; a test naming a placeholder without values matches nothing.
    """

    def __init__(
        self, rules: list[dict[str, Any]], state: Any = None, placeholders: dict[str, tuple[str, ...]] | None = None
    ):
        self.rules = rules
        self.state = state if state is not None else MemoryState()
        values = placeholders or {}
        plain = {r["id"]: _Rule({**r, "condition": expand(r["condition"], values)}) for r in rules if "condition" in r}
        self.correlations = [_Correlation(r) for r in rules if "correlation" in r]
        for corr in self.correlations:
            for position, rule_id in enumerate(corr.rule["correlation"]["rules"]):
                target = plain[rule_id]
                target.counted_by.append((corr, str(position) if corr.temporal else None))
                target.generate = target.generate and corr.rule["correlation"]["generate"]
        self._plain = [r for r in plain.values() if r.generate or r.counted_by]
        index: dict[str, list[_Rule]] = {}
        scan: list[_Rule] = []
        for r in self._plain:
            keys = index_keys(r.rule["condition"])
            if keys is None:
                scan.append(r)
            for key in keys or ():
                index.setdefault(key, []).append(r)
        self._scan = tuple(scan)
        self._index = {key: tuple(rules) + self._scan for key, rules in index.items()}

    def evaluate(self, records: list[Record]) -> Detection:
        """Match `records` (detections among them are skipped); returns the detections they make.

        Never raises: a record a rule fails on is counted in `Detection.unevaluated` (the first error
        named in `Detection.warning`) and the batch's other records are still evaluated; an error in
        the state is reported in `Detection.warning`; the records go on either way."""
        result = Detection(self.state.name)
        try:
            self._evaluate(records, result)
        except Exception as exc:  # a detection bug must never hold delivery back
            log.exception("detection failed")
            result.warning = f"detection failed: {type(exc).__name__}: {exc}"
        return result

    def _evaluate(self, records: list[Record], result: Detection) -> None:
        index, scan = self._index, self._scan
        groups: dict[str, tuple[_Correlation, dict[str, str], list[Member]]] = {}
        last: dict[str, Record] = {}
        for record in records:
            d = record.data
            if d["kind"] is Kind.DETECTION:
                continue
            try:
                self._match(record, index.get(op_key(d["eventType"]), scan), result, groups, last)
            except Exception as exc:  # one hostile record must not blind detection for the batch
                result.unevaluated += 1
                if result.unevaluated == 1:
                    log.warning("detection: event %r not evaluated: %s", d.get("eventId"), exc, exc_info=True)
                    result.warning = f"event {d.get('eventId')!r} not evaluated: {type(exc).__name__}: {exc}"
        if result.unevaluated > 1:
            result.warning = f"{result.unevaluated} events not evaluated; first: {result.warning}"
        if not groups:
            return
        entries = [(key, corr.window, members) for key, (corr, _, members) in groups.items()]
        fired = self.state.add_many(entries)
        result.state = self.state.name if self.state.warning is None else "memory"
        if self.state.warning is not None:
            result.warning = "; ".join(filter(None, (result.warning, self.state.warning)))
        for (key, (corr, group, _)), windows in zip(groups.items(), fired, strict=True):
            for members in windows:
                result.detections.append(detection(corr.rule, members, last.get(key), group))

    def _match(self, record: Record, rules: tuple, result: Detection, groups: dict, last: dict) -> None:
        """Try one record against `rules`. What it makes is worked out first and added to `result` and
        the correlation groups only when every rule was evaluated: a failing record leaves no half."""
        d = record.data
        matched = 0
        made: list[Record] = []
        counted: list[tuple[_Correlation, dict[str, str], str, Member]] = []
        for rule in rules:
            if not rule.test(d):
                continue
            matched += 1
            if rule.generate:
                made.append(detection(rule.rule, [Member(_ms(record), d["eventId"], "")], record))
            for corr, position in rule.counted_by:
                member = self._counted(corr, record, position)
                if member is not None:
                    counted.append(member)
        result.matched += matched
        result.detections += made
        for corr, group, key, member in counted:
            entry = groups.get(key)
            if entry is None:
                entry = groups[key] = (corr, group, [])
            entry[2].append(member)
            last[key] = record

    @staticmethod
    def _counted(
        corr: _Correlation, record: Record, position: str | None
    ) -> tuple[_Correlation, dict[str, str], str, Member] | None:
        """The record as a member of `corr`'s group: (corr, group values, state key, member), or None (a
        value_count record without the counted field adds no value). `position`: for temporal types, which
        of the correlation's rules matched, counted as the value."""
        d = record.data
        group = {name: _first(get(d)) for name, get in corr.group_by}
        value = position or ""
        if corr.value is not None:
            value = _first(corr.value(d))
            if not value:
                return None
        key = group_key(corr.rule["id"], tuple(group.values()))
        return corr, group, key, Member(_ms(record), d["eventId"], value)

    def close(self) -> None:
        self.state.close()


def expand(node: list, placeholders: dict[str, tuple[str, ...]]) -> list:
    """`node` with each placeholder test ["ph", field, name] replaced by a test of its values (any of them,
    case-insensitively), or by an empty `or` (never holds) when the placeholder has none."""
    op = node[0]
    if op in ("and", "or"):
        return [op, [expand(child, placeholders) for child in node[1]]]
    if op == "not":
        return ["not", expand(node[1], placeholders)]
    if op == "ph":
        return ["or", [["eq", node[1], value.lower(), False] for value in placeholders.get(node[2], ())]]
    return node


def _first(values: list) -> str:
    return "" if not values else str(values[0])


def _ms(record: Record) -> int:
    moment = record.time
    if moment is None:
        import time

        return int(time.time() * 1000)
    return int(moment.timestamp() * 1000)
