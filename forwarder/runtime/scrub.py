"""Secret values the container knows, and scrubbing them out of any text that leaves it.

Tokens, passwords and keys (from Vault or plaintext config) are registered when read. Any text that
may carry remote content or configuration (a receiver's error body, a reason, a log line, a dead
letter) is passed through `scrub` before it reaches a summary, a dead-letter object or the log: the
registered values, then every credential pattern (`forwarder.normalize.credentials`), whatever the shape.
"""

from __future__ import annotations

import logging

from forwarder.normalize.credentials import REDACTED, scrub_text

_secrets: set[str] = set()


def register(*values: str | None) -> None:
    """Remember secret values (ignores empty and very short ones, which would scrub ordinary text)."""
    for value in values:
        if value and len(value) >= 6:
            _secrets.add(value)


def scrub(text: str) -> str:
    """`text` with every registered secret value, and every credential pattern's value, replaced by [REDACTED]."""
    for value in _secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    return scrub_text(text)


class ScrubFilter(logging.Filter):
    """A logging filter that scrubs each record's message and traceback (`scrub`: secrets and credential patterns)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:  # a traceback's text can carry an exception's message
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True
