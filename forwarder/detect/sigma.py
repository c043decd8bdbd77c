"""Sigma rules (YAML, SigmaHQ format) -> the compiled form the engine runs (`forwarder.detect.match`).

Parsed with pySigma (`sigma.collection.SigmaCollection`): rule files, value modifiers, conditions
(`1 of sel*`, `all of them`, `not`, ...) and correlation rules (`event_count`, `value_count`,
`temporal`, `temporal_ordered`, with `timespan` and `group-by`) are pySigma's; what a rule means over a
normalized record is ours. The compiled form is plain JSON data, so the built-in pack is compiled once,
at build time, into `pack.json` (`python -m forwarder.detect.pack`): the function never imports pySigma
unless it is given rules of its own (DETECTION_RULES).

A compiled rule is a dict: id, name, title, description, level, tags, tactics, techniques (ATT&CK ids),
falsepositives, remediation, volume (how often it fires in a real tenancy), cis (the CIS OCI Benchmark
recommendations its references name), file, and either `condition` (a tree of ["and", [...]], ["or", [...]],
["not", node] and tests [op, field, value...]; a placeholder, `|expand: '%name%'`, is ["ph", field, name])
with `generate`, or `correlation` ({type, rules, timespan (seconds), groupBy, op, count, field}; temporal
types count their rules: op gte, count = the number of rules).

Errors: `RuleError`, naming the file and the rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from forwarder.detect import LEVELS, RuleError, attack
from forwarder.detect.fields import check_field

#: Correlation thresholds a window can fire on as events arrive (an upper bound needs the window to end).
THRESHOLDS = ("gte", "gt")
#: Correlation types the engine counts: events, distinct values, every rule (temporal), in order (_ordered).
CORRELATIONS = ("event_count", "value_count", "temporal", "temporal_ordered")


def compile_files(paths: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Compile Sigma YAML texts into rules.

    Args:
        paths: (name shown in errors, e.g. a file path or object name; YAML text), each holding one or
            more YAML documents (a correlation rule and the rules it counts may share a file).
    Returns:
        Compiled rules (see the module doc), in file order.
    Raises:
        RuleError: a file that is not Sigma, a rule that lacks id/title/level, a field that is not a record
            field, an unknown ATT&CK tag, an unsupported modifier or correlation.
    """
    from sigma.collection import SigmaCollection  # only when rules are compiled
    from sigma.correlations import SigmaCorrelationRule
    from sigma.exceptions import SigmaError

    rules: list[tuple[str, Any]] = []
    for name, text in paths:
        try:
            collection = SigmaCollection.from_yaml(text, resolve_references=False)  # resolved over every file below
        except SigmaError as exc:
            raise RuleError(f"{name}: {_first_line(exc)}") from None
        except Exception as exc:  # YAML errors and the like
            raise RuleError(f"{name}: not a Sigma rule file ({_first_line(exc)})") from None
        rules += [(name, rule) for rule in collection.rules]
    whole = SigmaCollection([rule for _, rule in rules])
    try:
        whole.resolve_rule_references()
    except SigmaError as exc:
        raise RuleError(f"{_file_of(rules, exc)}: {_first_line(exc)}") from None
    out, seen = [], {}
    for name, rule in rules:
        label = f"{name}: rule {rule.title or rule.id or '(untitled)'}"
        try:
            compiled = _correlation(rule) if isinstance(rule, SigmaCorrelationRule) else _rule(rule)
        except (SigmaError, RuleError) as exc:
            raise RuleError(f"{label}: {_first_line(exc)}") from None
        if compiled["id"] in seen:
            raise RuleError(f"{label}: id {compiled['id']} is also the id of a rule in {seen[compiled['id']]}")
        seen[compiled["id"]] = name
        compiled["file"] = Path(name).name
        out.append(compiled)
    return out


#: A reference to a recommendation of the CIS OCI Foundations Benchmark: its number is the rule's `cis`.
_CIS = re.compile(
    r"CIS Oracle Cloud Infrastructure Foundations Benchmark [0-9.]+, recommendation ([0-9]+(?:\.[0-9]+)+)"
)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _file_of(rules: list[tuple[str, Any]], exc: Exception) -> str:
    for name, rule in rules:
        if rule.title and rule.title in str(exc):
            return name
    return ", ".join(sorted({name for name, _ in rules}))


def _meta(rule: Any) -> dict[str, Any]:
    """The fields every rule carries, checked: id, title, level, ATT&CK tags."""
    if not rule.id:
        raise RuleError("has no id (a UUID)")
    if not rule.title:
        raise RuleError("has no title")
    level = rule.level.name.lower() if rule.level else None
    if level not in LEVELS:
        raise RuleError(f"level must be one of {', '.join(LEVELS)}; got {level}")
    tags = [f"{t.namespace}.{t.name}" for t in rule.tags]
    tactics, techniques = attack.from_tags(tags)
    custom = rule.custom_attributes or {}
    remediation, volume = custom.get("remediation"), custom.get("volume")
    for key, value in (("remediation", remediation), ("volume", volume)):
        if value is not None and not isinstance(value, str):
            raise RuleError(f"{key} must be text")
    references = [str(r) for r in rule.references or []]
    return {
        "id": str(rule.id),
        "name": rule.name or None,
        "title": rule.title,
        "description": rule.description or None,
        "level": level,
        "tags": tags,
        "tactics": tactics,
        "techniques": techniques,
        "falsepositives": [str(f) for f in rule.falsepositives or []],
        "remediation": " ".join(remediation.split()) if remediation else None,
        "volume": " ".join(volume.split()) if volume else None,
        "cis": [m for r in references for m in _CIS.findall(r)],
    }


def _rule(rule: Any) -> dict[str, Any]:
    compiled = _meta(rule)
    conditions = [_node(c.parse()) for c in rule.detection.parsed_condition]
    compiled["condition"] = conditions[0] if len(conditions) == 1 else ["or", conditions]
    compiled["generate"] = True
    return compiled


def _correlation(rule: Any) -> dict[str, Any]:
    compiled = _meta(rule)
    kind = rule.type.name.lower()
    if kind not in CORRELATIONS:
        raise RuleError(f"correlation type {kind} is not supported ({', '.join(CORRELATIONS)})")
    if kind.startswith("temporal"):
        if len(rule.rules) < 2:
            raise RuleError(f"{kind} needs two or more rules")
        op, count = "gte", len(rule.rules)  # every rule, within the timespan
    else:
        op, count = rule.condition.op.name.lower(), int(rule.condition.count)
    if op not in THRESHOLDS:
        raise RuleError(f"correlation condition {op} is not supported: a window fires on gte or gt as events arrive")
    if rule.timespan is None:
        raise RuleError("correlation needs a timespan")
    field = (rule.condition.fieldref or None) if rule.condition is not None and kind == "value_count" else None
    if kind == "value_count" and not field:
        raise RuleError("value_count needs condition.field")
    for name in [*(rule.group_by or []), *([field] if field else [])]:
        check_field(name)
    compiled["correlation"] = {
        "type": kind,
        "rules": [str(ref.rule.id) for ref in rule.rules],
        "timespan": int(rule.timespan.seconds),
        "groupBy": list(rule.group_by or []),
        "op": op,
        "count": count,
        "field": field,
        "generate": bool(rule.generate),
    }
    for ref in rule.rules:
        if ref.rule.__class__ is rule.__class__:
            raise RuleError(f"counts correlation rule {ref.rule.title}: only plain rules can be counted")
    return compiled


def _node(node: Any) -> list:
    from sigma import conditions as c

    if isinstance(node, c.ConditionAND):
        return ["and", [_node(a) for a in node.args]]
    if isinstance(node, c.ConditionOR):
        return ["or", [_node(a) for a in node.args]]
    if isinstance(node, c.ConditionNOT):
        return ["not", _node(node.args[0])]
    if isinstance(node, c.ConditionFieldEqualsValueExpression):
        check_field(node.field)
        return _test(node.field, node.value)
    if isinstance(node, c.ConditionValueExpression):
        raise RuleError(f"keyword search ({node.value!r}) is not supported: name a record field")
    raise RuleError(f"unsupported condition element {type(node).__name__}")


def _test(field: str, value: Any) -> list:
    """One field test: [op, field, operand...]; strings compare case-insensitively unless |cased."""
    from sigma import types as t

    if isinstance(value, t.SigmaExpansion):
        return ["or", [_test(field, v) for v in value.values]]
    if isinstance(value, t.SigmaString) and len(value.s) == 1 and isinstance(value.s[0], t.Placeholder):
        return ["ph", field, value.s[0].name]  # `|expand: '%name%'`: DETECTION_PLACEHOLDERS' values (engine)
    if isinstance(value, t.SigmaString):  # includes SigmaCasedString
        cased = isinstance(value, t.SigmaCasedString)
        star = t.SpecialChars.WILDCARD_MULTI
        shape = tuple("*" if p is star else "s" if isinstance(p, str) else "?" for p in value.s)
        op = _SHAPES.get(shape)
        if op is None:
            return ["glob", field, _glob_regex(value.s), cased]
        text = next((p for p in value.s if isinstance(p, str)), "")
        return [op, field, text if cased else text.lower(), cased]
    if isinstance(value, t.SigmaRegularExpression):
        flags = "".join(sorted(value.sigma_to_re_flag[f] for f in value.flags))
        pattern = value.regexp.to_plain() if hasattr(value.regexp, "to_plain") else str(value.regexp)
        _check_regex(pattern, flags)
        return ["re", field, pattern, flags]
    if isinstance(value, t.SigmaBool):
        return ["bool", field, value.boolean]
    if isinstance(value, t.SigmaNumber):
        return ["num", field, value.number]
    if isinstance(value, t.SigmaCIDRExpression):
        return ["cidr", field, str(value.network)]
    if isinstance(value, t.SigmaCompareExpression):
        return ["cmp", field, value.op.name.lower(), value.number.number]
    if isinstance(value, t.SigmaNull):
        return ["null", field]
    if isinstance(value, t.SigmaExists):
        return ["exists", field, value.exists]
    raise RuleError(f"field {field}: value type {type(value).__name__} is not supported")


#: Wildcard shapes with a fast test: `value`, `value*`, `*value`, `*value*`, `*`.
_SHAPES = {(): "eq", ("s",): "eq", ("s", "*"): "pre", ("*", "s"): "suf", ("*", "s", "*"): "has", ("*",): "any"}


def _glob_regex(parts: tuple) -> str:
    import re

    from sigma.types import SpecialChars

    out = []
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        elif isinstance(part, str):
            out.append(re.escape(part))
        else:
            raise RuleError(f"placeholder {part} is supported only as the whole value (`|expand: '%name%'`)")
    return "^" + "".join(out) + "$"


def _check_regex(pattern: str, flags: str) -> None:
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        raise RuleError(f"regular expression {pattern!r}: {exc}") from None
