"""The one table of configuration keys, gathered from the components that own them.

Function config keys arrive as environment variables. Each key is declared once, beside the code that
uses it (`forwarder/<component>/config.py`); this module puts them in one table, in COMPONENTS order:
`forwarder.settings.load_settings` parses it into typed settings, `--help` lists it, and docs/configuration.md
configuration reference is generated from it (`python -m forwarder.settings`; a test keeps them equal).
A key under one of `PREFIXES` that is not in the table is an error.
"""

from __future__ import annotations

import importlib

from forwarder.config import Key

#: The components that own configuration keys, in the table's order.
COMPONENTS = (
    "forwarder.sinks.config",
    "forwarder.sinks.volume",
    "forwarder.tickets.config",
    "forwarder.delivery.config",
    "forwarder.enrich.config",
    "forwarder.detect.config",
    "forwarder.collect.config",
    "forwarder.collect.stream_config",
    "forwarder.report.config",
    "forwarder.metrics.config",
    "forwarder.oci.config",
)
MODULES = tuple(importlib.import_module(name) for name in COMPONENTS)

#: Names under these prefixes are ours: one that is not in KEYS is a misspelling, not someone else's.
PREFIXES = (
    "SIEM_",
    "TICKET_",
    "DEAD_LETTER_",
    "ENRICH_",
    "COLLECT_",
    "CHECKPOINT_",
    "DETECTION_",
    "REPORT_",
    "METRICS_",
)

KEYS: tuple[Key, ...] = tuple(key for module in MODULES for key in module.KEYS)
BY_NAME = {key.name: key for key in KEYS}
KEY_NAMES = frozenset(BY_NAME)
#: The keys a deployment sets in the function's config (what the Terraform module may set).
FUNCTION_KEYS = frozenset(k.name for k in KEYS if k.scope == "function")
#: The keys only the collector function's config adds.
COLLECTOR_KEYS = frozenset(k.name for k in KEYS if k.scope == "collector")
#: The keys only the reporter function's config adds.
REPORT_KEYS = frozenset(k.name for k in KEYS if k.scope == "report")


def markdown_table() -> str:
    """The configuration table of docs/configuration.md, one row per key, in table order."""
    rows = ["| key | default | example | meaning |", "|---|---|---|---|"]
    rows += [f"| `{k.name}` | {k.default_text} | `{k.example}` | {k.doc} |" for k in KEYS]
    return "\n".join(rows)


def help_text() -> str:
    """The keys for `--help`: name and default, one per line."""
    return "\n".join(f"  {k.name:36} default {k.default_text}" for k in KEYS)
