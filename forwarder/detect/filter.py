"""Routing conditions in the rule pack's own language: a Sigma `detection` block decides which records a
sink gets (`SIEM_SYSLOG_FILTER`, `SIEM_HTTP_FILTER`).

The text is the `detection` of a Sigma rule, as YAML (one line in flow style is enough):
`{reads: {request.action: [GET, HEAD]}, condition: not reads}`. It is compiled by the same path as the
rules (`sigma.compile_files`: pySigma, the rule field table), so a filter names the same fields, modifiers
and conditions as a detection, and is checked the same way. Compiled once, when settings load.
"""

from __future__ import annotations

from typing import Any

from forwarder.detect import RuleError
from forwarder.detect.match import Predicate

#: The fixed id of the rule a filter is wrapped in (a filter is never a detection).
_ID = "5b0b6a52-9d3c-4f0e-9a4e-7f0e1c2a9d10"


def compile_filter(name: str, text: str) -> list:
    """The compiled condition (a `sigma` condition tree) of filter `text`, configured under `name`.

    Raises:
        RuleError: not a YAML mapping with a `condition`, or a selection the rule pack could not run
            (a field that is not a record field, an unsupported modifier), named.
    """
    import yaml  # pySigma's YAML library: only when a filter is configured

    try:
        detection: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"not YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(detection, dict) or "condition" not in detection:
        raise RuleError(
            "expected a Sigma detection: selections and a condition, e.g. "
            "{reads: {request.action: GET}, condition: not reads}"
        )
    rule = {
        "title": f"Sink filter {name}",
        "id": _ID,
        "status": "experimental",
        "level": "informational",
        "logsource": {"product": "oci"},
        "detection": detection,
    }
    from forwarder.detect.sigma import compile_files

    (compiled,) = compile_files([(name, yaml.safe_dump(rule, sort_keys=False))])
    if "condition" not in compiled:
        raise RuleError("a filter is one condition, not a correlation")
    return compiled["condition"]


def predicate(condition: list, placeholders: dict[str, tuple[str, ...]] | None = None) -> Predicate:
    """The predicate over `Record.data` of a compiled filter condition (placeholders from
    DETECTION_PLACEHOLDERS; one without values matches nothing, as in rules)."""
    from forwarder.detect.engine import expand
    from forwarder.detect.match import compile_node

    return compile_node(expand(condition, placeholders or {}))
