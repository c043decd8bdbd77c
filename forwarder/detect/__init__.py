"""Detections: Sigma rules with MITRE ATT&CK run on every record; what fires becomes a `detection` record.

Layout: `sigma` compiles Sigma YAML (pySigma) into plain data; `pack` holds the built-in pack (rules/,
compiled into pack.json) and loads user rules; `match` turns a compiled condition into a predicate over
`Record.data`; `engine.Detector` indexes the rules by event type, matches each record and counts
correlation windows in a `state` (per-container memory, or Redis shared by every container);
`output` builds the detection record. `fields` is the one table of fields a rule may name; `attack`
the ATT&CK table the tags are checked against.
"""

#: Sigma levels -> risk levels of the detection record (`Record.riskLevel`).
LEVELS = {"informational": "MINOR", "low": "LOW", "medium": "MEDIUM", "high": "HIGH", "critical": "CRITICAL"}


class RuleError(ValueError):
    """A rule file does not parse, or a rule is not one the engine can run. Names the file and the rule."""
