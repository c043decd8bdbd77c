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

from collections.abc import Callable
from functools import lru_cache

from forwarder.detect.compare import as_text, value_test

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
    if len(path) == 3:  # `original.data.<key>`: the event's own data (flow logs' fields), dicts on the way
        a, b, c = path

        def three(d: dict) -> list:
            outer = d.get(a)
            inner = outer.get(b) if outer.__class__ is dict else None
            if inner.__class__ is not dict:
                return _walk(d, path)
            v = inner.get(c)
            return v if v.__class__ is list else ([] if v is None else [v])

        return three
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
        return lambda d: not any(as_text(v) != "" for v in get(d))
    if op == "exists":
        want = node[2]
        return lambda d: bool(get(d)) is want
    test = value_test(op, node[2:])
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


#: Tests that merge into one when several on one field are joined by `or`: strings, and address ranges (the
#: address is parsed once for all of them).
_MERGEABLE = ("eq", "pre", "suf", "has", "cidr")


def _merge(children: list) -> list:
    """`or` children: string tests of the same op, field and case, or address ranges of the same field, folded
    into one `<op>*` test."""
    groups: dict[tuple, list] = {}
    out: list = []
    for child in children:
        if child[0] in _MERGEABLE:
            key = (child[0], child[1], child[3] if len(child) > 3 else None)  # cidr has no case
            if key not in groups:
                groups[key] = []
                out.append(key)
            groups[key].append(child[2])
        else:
            out.append(child)
    return [[key[0] + "*", key[1], tuple(groups[key]), key[2]] if isinstance(key, tuple) else key for key in out]
