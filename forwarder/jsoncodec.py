"""JSON in and out, strict RFC 8259 both ways: the one place the forwarder decodes or encodes JSON.

msgspec does the work (several times faster than the stdlib; integers of any size kept exact); what
it refuses is done again by the stdlib with the same rules:
- `loads`: non-finite numbers (`NaN`, `Infinity`, `-Infinity`, overflowing `1e999`) and integers of more
  than 4,300 digits (which Python will not convert) are kept as strings, so everything decoded can be
  written back as valid JSON and no number makes a body unreadable; invalid UTF-8 inside strings is
  the stdlib's to judge. A lone surrogate escape (`"\\ud800"`: legal JSON text, no Unicode character)
  becomes U+FFFD, the replacement character, in keys and values alike, with a warning that says how
  many: one rule, so every output (JSON, syslog structured data, CEF, group keys) shows the same text.
- `encode` (bytes) / `dumps` (text): compact, UTF-8, no raw control characters, lone surrogates
  escaped. msgspec writes numbers in shortest form (`1e16`, where Python writes `1e+16`). Values hold
  finite numbers only (as `loads` gives them): msgspec would write a non-finite float as null, the
  stdlib path refuses it.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

import msgspec

#: msgspec alone: raises one of REFUSED for what `loads` would hand to the stdlib.
loads_fast = msgspec.json.Decoder().decode
_fast_encode = msgspec.json.Encoder().encode
#: What msgspec refuses (ValueError: invalid UTF-8 in a string); the stdlib then decides.
REFUSED = (msgspec.MsgspecError, ValueError, RecursionError)
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)


def loads(text: str | bytes) -> Any:
    """Decode one JSON text, keeping non-finite numbers as strings.

    Raises:
        ValueError (json.JSONDecodeError, UnicodeDecodeError), RecursionError: not usable JSON; the
        message is the stdlib's (`Expecting value: line 1 column 5 (char 4)`).
    """
    try:
        return loads_fast(text)
    except REFUSED:
        value = json.loads(text, parse_constant=str, parse_float=_finite_float, parse_int=_integer)
    if _SURROGATE_ESCAPE.search(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")):
        replaced = [0]
        value = _without_surrogates(value, replaced)
        if replaced[0]:
            logging.getLogger("forwarder").warning(
                "%d JSON strings held lone surrogate escapes (\\ud800-\\udfff); each became U+FFFD", replaced[0]
            )
    return value


#: A \\uD800-\\uDFFF escape in JSON text (msgspec refuses lone ones, so only the stdlib path sees them).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def fix_surrogates(text: str) -> str:
    """`text` with each lone surrogate code point (U+D800-U+DFFF) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _without_surrogates(value: Any, replaced: list[int]) -> Any:
    if isinstance(value, str):
        fixed = fix_surrogates(value)
        replaced[0] += fixed != value
        return fixed
    if isinstance(value, list):
        return [_without_surrogates(item, replaced) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(k, replaced): _without_surrogates(v, replaced) for k, v in value.items()}
    return value


#: Most digits of an integer read as a number: Python converts no longer text to int (its own guard,
#: sys.get_int_max_str_digits(), against quadratic conversions); longer ones are kept as their text.
MAX_INT_DIGITS = 4300


def _integer(text: str) -> int | str:
    return int(text) if len(text) <= MAX_INT_DIGITS else text


def _finite_float(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else text


def encode(value: Any) -> bytes:
    """Compact JSON of `value` as UTF-8 bytes (see the module docstring).

    Raises:
        ValueError: a non-finite float, found on the stdlib path.
    """
    try:
        return _fast_encode(value)
    except (TypeError, UnicodeEncodeError, msgspec.MsgspecError):  # a lone surrogate, a key that is not a string
        return _encoder.encode(value).encode("utf-8", "backslashreplace")


def dumps(value: Any) -> str:
    """Compact strict JSON text of any JSON-ready value (the stdlib encoder, for what is not a record).

    Raises:
        ValueError: the value holds a non-finite float.
    """
    return _encoder.encode(value)


def dumps_lenient(value: Any) -> str:
    """`dumps`, with non-finite floats written as strings ("NaN", "Infinity"): for what must be kept
    whatever it holds (dead letters)."""
    try:
        return _encoder.encode(value)
    except ValueError:
        return _encoder.encode(_finite(value))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
