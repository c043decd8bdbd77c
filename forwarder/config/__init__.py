"""What a configuration key is, and the parsers of its values: the ground every component's keys stand on.

Each component declares its own keys beside its code (`forwarder/<component>/config.py`: the keys, the
typed settings, the checks of combinations); `forwarder.settings` gathers them into the one table the
docs/configuration.md, `--help` and Terraform are made from, and validates them all at once.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.config import values as v
from forwarder.config.values import Invalid

__all__ = ["ConfigError", "Invalid", "Key", "PEM", "SECRET"]


class ConfigError(ValueError):
    """A configuration key is unknown, or its value is bad. Each line starts with a key's name."""


class Key(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to create at import (cold start)
    """One configuration key.

    Attributes:
        name: the environment variable.
        parse: raw text -> typed value; raises `values.Invalid` saying what it expected.
        default: the typed value when the key is unset (None: unset means "not configured").
        example: a value that parses, shown in docs/configuration.md.
        doc: one or two sentences for docs/configuration.md and `--help`.
        shown: the default cell of docs/configuration.md, when `default` alone does not say it.
        scope: "function" (set in the function's config, e.g. by the Terraform module), "collector" (set
            in the collector function's config, beside the "function" keys; read by the CLI too), "report"
            (the reporter function's config, with the tenancy, regions and endpoints it reads), "local"
            (plaintext stand-ins for Vault secrets or files, for local runs) or "platform" (set by OCI).
        secret: the value is a credential: errors never echo it.
    """

    name: str
    parse: v.Parser
    default: Any
    example: str
    doc: str
    shown: str | None = None
    scope: str = "function"
    secret: bool = False

    @property
    def default_text(self) -> str:
        if self.shown is not None:
            return self.shown
        return "(none)" if self.default is None else str(self.default).lower()


#: A Vault secret OCID.
SECRET = v.ocid("vaultsecret")
#: A path or PEM text; read and checked when the component is built.
PEM = v.text


def hidden_repr(settings: tuple, secret: tuple[str, ...]) -> str:
    """`repr` of a NamedTuple of settings with the `secret` fields left out (they are never logged)."""
    shown = ", ".join(
        f"{name}={value!r}" for name, value in zip(settings._fields, settings, strict=True) if name not in secret
    )
    return f"{type(settings).__name__}({shown})"
