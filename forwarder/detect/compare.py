"""Value tests of compiled rules (`forwarder.detect.match`): one operand against one value of a record.

Sigma semantics: strings compare case-insensitively unless `cased`; a number in the rule equals the same
number sent as text; `cidr` holds for an IP address inside a range (each distinct address parsed once).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any


def as_text(value: Any) -> str:
    """A record's value as rules compare it: text as is, booleans `true` / `false`, numbers in decimal."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if value.__class__ is str else str(value)


def value_test(op: str, args: list) -> Callable[[Any], bool]:
    if op == "cidr*":  # merged: any of several address ranges
        import ipaddress

        networks = tuple(ipaddress.ip_network(n) for n in args[0])
        return lambda v: _in_networks(v, networks)
    if op.endswith("*"):  # merged: any of several texts
        texts, cased = args
        fold = (lambda v: as_text(v)) if cased else (lambda v: as_text(v).lower())
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
        fold = (lambda v: as_text(v)) if cased else (lambda v: as_text(v).lower())
        return {
            "eq": lambda v: fold(v) == text,
            "pre": lambda v: fold(v).startswith(text),
            "suf": lambda v: fold(v).endswith(text),
            "has": lambda v: text in fold(v),
            "any": lambda v: True,
        }[op]
    if op == "glob":
        pattern = re.compile(args[0], re.DOTALL if args[1] else re.DOTALL | re.IGNORECASE)
        return lambda v: pattern.match(as_text(v)) is not None
    if op == "re":
        flags = 0
        for letter, flag in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL)):
            if letter in args[1]:
                flags |= flag
        pattern = re.compile(args[0], flags)
        return lambda v: pattern.search(as_text(v)) is not None
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
        return lambda v: v is args[0] or as_text(v).lower() == as_text(args[0])
    if op == "cidr":
        import ipaddress

        one = (ipaddress.ip_network(args[0]),)
        return lambda v: _in_networks(v, one)
    raise ValueError(f"unknown test {op}")


def _number(value: Any) -> int | float | None:
    if value.__class__ in (int, float):
        return value
    try:
        text = as_text(value).strip()
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return None


def _in_networks(value: Any, networks: tuple) -> bool:
    address = _address(as_text(value))
    return address is not None and any(address in network for network in networks)


@lru_cache(maxsize=8192)
def _address(text: str) -> Any:
    """The IP address `text` names, or None (parsed once per distinct text: flow logs repeat addresses)."""
    import ipaddress

    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None
