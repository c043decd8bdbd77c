"""What a sink is sent of a record (pure): `original` kept or left out, a field list kept or dropped.

`shaper(original, fields)` gives a function from `Record.data` to the mapping a JSON payload encodes:
`data` itself when nothing is left out (no copy: the common case costs nothing), else a shallow copy
with the dropped keys gone and, for a dotted path (`principal.userAgent`), a copy of that one nested
object. A keep list (`eventId,time,title,principal.name`) keeps only the named fields, in the record's
order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Data = dict[str, Any]


def shaper(original: bool = True, fields: tuple[str, tuple[str, ...]] | None = None) -> Callable[[Data], Data] | None:
    """The function that shapes `Record.data` for one sink, or None when it sends the whole record. `fields`:
    ("keep" | "drop", dotted paths), as `forwarder.config.values.field_list` parses a sink's field list."""
    mode, paths = fields or ("drop", ())
    if mode == "drop":
        paths = paths + (() if original else ("original",))
        if not paths:
            return None
        tree = _tree(paths)
        return lambda data: _drop(data, tree)
    tree = _tree(tuple(p for p in paths if original or p.split(".")[0] != "original"))
    return lambda data: _keep(data, tree)


def _tree(paths: tuple[str, ...]) -> dict[str, Any]:
    """Dotted paths as a tree: {"a": None (the whole field), "b": {"c": None}}."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        *parents, last = path.split(".")
        for part in parents:
            child = node.get(part, {})
            if child is None:  # the whole field is already named
                break
            node = node.setdefault(part, child)
        else:
            node[last] = None
    return tree


def _drop(data: Data, tree: dict[str, Any]) -> Data:
    out = dict(data)
    for key, sub in tree.items():
        if key not in out:
            continue
        if sub is None:
            del out[key]
        elif isinstance(out[key], dict):
            out[key] = _drop(out[key], sub)
    return out


def _keep(data: Data, tree: dict[str, Any]) -> Data:
    out = {}
    for key, value in data.items():
        if key in tree:
            sub = tree[key]
            out[key] = value if sub is None or not isinstance(value, dict) else _keep(value, sub)
    return out
