"""A compiled condition (`forwarder.detect.sigma`) -> a predicate over `Record.data`, and its index keys.

Sigma semantics, over the record's JSON: a dotted field path reaches into nested objects, and into
every element of a list on the way (a test holds when any value holds); strings compare
case-insensitively unless the rule says `|cased`; a number in the rule equals the same number sent as
text (`responseStatus: 401` matches "401"); `null` matches a missing or null field; wildcards `*` and `?`
(`|contains`, `|startswith`, `|endswith` add them) match any text.

Index: `op_key(event_type)` is the operation an event type names, lowercased, without the `.begin` /
`.end` of long-running operations (`com.oraclecloud.ComputeApi.TerminateInstance` and
`com.oraclecloud.computeapi.terminateinstance.begin` both give `terminateinstance`). A rule whose
condition requires an event type (equal to, or ending in `.<operation>`) is only tried on records of
those operations; other rules are tried on every record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

Predicate = Callable[[dict], bool]

_PHASES = ("begin", "end")


@lru_cache(maxsize=8192)
def op_key(event_type: str | None) -> str | None:
    """The operation an event type names (its last segment, lowercased, skipping `.begin`/`.end`)."""
    if not event_type:
        return None
    parts = event_type.lower().rsplit(".", 2)
    if parts[-1] in _PHASES and len(parts) > 1:
        return parts[-2] or None
    return parts[-1] or None


def index_keys(node: list) -> frozenset[str] | None:
    """Operations a record must name for `node` to hold, or None when any record might match."""
    op = node[0]
    if op == "and":
        for child in node[1]:
            keys = index_keys(child)
            if keys is not None:
                return keys
        return None
    if op == "or":
        union: set[str] = set()
        for child in node[1]:
            keys = index_keys(child)
            if keys is None:
                return None
            union |= keys
        return frozenset(union)
    if node[1] != "eventType" or op not in ("eq", "suf") or node[3]:  # cased: the index folds case
        return None
    text = node[2]
    if op == "suf" and not text.startswith("."):
        return None  # `*uploadapikey` also matches `...foouploadapikey`: not one operation
    key = op_key(text)
    if key is None or (op == "suf" and text.count(".") == 1 and text[1:] in _PHASES):
        return None
    return frozenset([key])


def values_of(path: tuple[str, ...]) -> Callable[[dict], list]:
    """A getter of the values at a dotted path (lists on the way are walked; None values left out)."""
    if len(path) == 1:
        (a,) = path

        def one(d: dict) -> list:
            v = d.get(a)
            return v if v.__class__ is list else ([] if v is None else [v])

        return one
    if len(path) == 2:  # the record's own sections (principal.name, request.action, ...): dicts, no lists
        a, b = path

        def two(d: dict) -> list:
            section = d.get(a)
            if section.__class__ is not dict:
                return _walk(d, path)
            v = section.get(b)
            return v if v.__class__ is list else ([] if v is None else [v])

        return two
    return lambda d: _walk(d, path)


def _walk(d: dict, path: tuple[str, ...]) -> list:
    current = [d]
    for name in path:
        found = []
        for item in current:
            if item.__class__ is dict:
                v = item.get(name)
                if v.__class__ is list:
                    found += [x for x in v if x is not None]
                elif v is not None:
                    found.append(v)
        if not found:
            return found
        current = found
    return current


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if value.__class__ is str else str(value)


def compile_node(node: list) -> Predicate:
    """The predicate of a compiled condition node. Tests of one field joined by `or` (a value list:
    `eventType|endswith: [.a, .b]`) become one test on the field's values."""
    op = node[0]
    if op in ("and", "or"):
        children = _merge(node[1]) if op == "or" else node[1]
        parts = [compile_node(n) for n in children]
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            a, b = parts
            return (lambda d: a(d) and b(d)) if op == "and" else (lambda d: a(d) or b(d))
        if op == "and":

            def all_of(d: dict) -> bool:
                for p in parts:
                    if not p(d):
                        return False
                return True

            return all_of

        def any_of(d: dict) -> bool:
            for p in parts:
                if p(d):
                    return True
            return False

        return any_of
    if op == "not":
        inner = compile_node(node[1])
        return lambda d: not inner(d)
    get = values_of(tuple(node[1].split(".")))
    if op == "null":
        return lambda d: not any(_text(v) != "" for v in get(d))
    if op == "exists":
        want = node[2]
        return lambda d: bool(get(d)) is want
    test = _value_test(op, node[2:])
    path = tuple(node[1].split("."))
    if len(path) <= 2:  # the record's own keys: read in place, no list made for a single value
        a, b, nested = path[0], path[-1], len(path) == 2

        def direct(d: dict) -> bool:
            v = d.get(a)
            if nested:
                if v.__class__ is not dict:
                    return any(test(x) for x in _walk(d, path))
                v = v.get(b)
            if v is None:
                return False
            if v.__class__ is list:
                return any(test(x) for x in v if x is not None)
            return test(v)

        return direct

    def holds(d: dict) -> bool:
        for v in get(d):
            if test(v):
                return True
        return False

    return holds


#: String tests that merge into one when several on one field are joined by `or`.
_MERGEABLE = ("eq", "pre", "suf", "has")


def _merge(children: list) -> list:
    """`or` children: string tests of the same op, field and case folded into one `<op>*` test."""
    groups: dict[tuple, list] = {}
    out: list = []
    for child in children:
        if child[0] in _MERGEABLE:
            key = (child[0], child[1], child[3])
            if key not in groups:
                groups[key] = []
                out.append(key)
            groups[key].append(child[2])
        else:
            out.append(child)
    return [[key[0] + "*", key[1], tuple(groups[key]), key[2]] if isinstance(key, tuple) else key for key in out]


def _value_test(op: str, args: list) -> Callable[[Any], bool]:
    if op.endswith("*"):  # merged: any of several texts
        texts, cased = args
        fold = (lambda v: _text(v)) if cased else (lambda v: _text(v).lower())
        if op == "eq*":
            members = frozenset(texts)
            return lambda v: fold(v) in members
        if op == "pre*":
            return lambda v: fold(v).startswith(texts)
        if op == "suf*":
            return lambda v: fold(v).endswith(texts)
        return lambda v: any(t in fold(v) for t in texts)
    if op in ("eq", "pre", "suf", "has", "any"):
        text, cased = args
        fold = (lambda v: _text(v)) if cased else (lambda v: _text(v).lower())
        return {
            "eq": lambda v: fold(v) == text,
            "pre": lambda v: fold(v).startswith(text),
            "suf": lambda v: fold(v).endswith(text),
            "has": lambda v: text in fold(v),
            "any": lambda v: True,
        }[op]
    if op == "glob":
        pattern = re.compile(args[0], re.DOTALL if args[1] else re.DOTALL | re.IGNORECASE)
        return lambda v: pattern.match(_text(v)) is not None
    if op == "re":
        flags = 0
        for letter, flag in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL)):
            if letter in args[1]:
                flags |= flag
        pattern = re.compile(args[0], flags)
        return lambda v: pattern.search(_text(v)) is not None
    if op == "num":
        number = args[0]
        return lambda v: _number(v) == number
    if op == "cmp":
        compare = {
            "lt": float.__lt__,
            "lte": float.__le__,
            "gt": float.__gt__,
            "gte": float.__ge__,
            "neq": float.__ne__,
        }[args[0]]
        bound = float(args[1])

        def cmp(v: Any) -> bool:
            n = _number(v)
            return n is not None and compare(float(n), bound)

        return cmp
    if op == "bool":
        return lambda v: v is args[0] or _text(v).lower() == _text(args[0])
    if op == "cidr":
        import ipaddress

        network = ipaddress.ip_network(args[0])
        return lambda v: _in_network(v, network)
    raise ValueError(f"unknown test {op}")


def _number(value: Any) -> int | float | None:
    if value.__class__ in (int, float):
        return value
    try:
        text = _text(value).strip()
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return None


def _in_network(value: Any, network: Any) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(_text(value).strip()) in network
    except ValueError:
        return False
