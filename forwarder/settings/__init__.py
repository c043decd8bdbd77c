"""Configuration: every component's keys (`keys.KEYS`), validated once, up front, into frozen typed settings.

`load_settings(environ)` parses every key (no I/O: files, certificates and Vault secrets are read
when a component is built, by `forwarder.wiring`), then runs each component's checks of combinations,
and raises one `ConfigError` naming every bad key at once, one line each, with what it expected.
Run `python -m forwarder.settings` to print the configuration table of docs/configuration.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from forwarder.collect.config import CollectSettings
from forwarder.config import ConfigError, Invalid, Key
from forwarder.config.values import shown
from forwarder.delivery.config import DeadLetterSettings
from forwarder.detect.config import DetectionSettings
from forwarder.enrich.config import EnrichSettings
from forwarder.metrics.config import MetricsSettings
from forwarder.report.config import ReportSettings
from forwarder.settings.keys import FUNCTION_KEYS, KEY_NAMES, KEYS, MODULES, PREFIXES
from forwarder.sinks.config import HttpSettings, SyslogSettings
from forwarder.tickets.config import TicketSettings

__all__ = [
    "ConfigError",
    "CollectSettings",
    "ReportSettings",
    "Settings",
    "load_settings",
    "near_misses",
    "KEYS",
    "KEY_NAMES",
    "FUNCTION_KEYS",
    "Key",
]


class Settings(NamedTuple):
    """All settings. No sink configured means records go to the function log as JSON lines."""

    syslog: SyslogSettings | None
    http: HttpSettings | None
    tickets: TicketSettings | None
    dead_letter: DeadLetterSettings | None
    timeout: float  #: seconds, per connect / send
    insecure_skip_verify: bool  #: SIEM TLS certificates not verified (explicit key only)
    region: str | None
    secrets_endpoint: str | None
    doctor_endpoints: dict  #: service -> endpoint override, of the services only `doctor` reads
    collect: CollectSettings
    detection: DetectionSettings
    report: ReportSettings
    metrics: MetricsSettings
    enrich: EnrichSettings
    volume: dict  #: sink ("syslog", "http") -> forwarder.sinks.volume.Volume: what that sink is sent


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Validate the configuration keys in `environ` (default `os.environ`) into Settings.

    Raises:
        ConfigError: one line per problem, each starting with the key's name: an unknown key under one
            of PREFIXES (naming the closest known key), a bad value (saying what it expected), a
            combination a component cannot work with (naming the key to change).
    """
    env = os.environ if environ is None else environ
    problems = _unknown(env)
    c: dict[str, Any] = {}
    for key in KEYS:
        try:
            c[key.name] = _value(key, env)
        except ConfigError as exc:
            problems.append(str(exc))
            c[key.name] = key.default
    bad = {line.split(":", 1)[0] for line in problems}
    fields: dict[str, Any] = {}
    for module in MODULES:
        try:
            fields.update(module.sections(c))
        except ConfigError as exc:
            if str(exc).split(":", 1)[0] not in bad:  # a key already named for its value is not named twice
                problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))
    return Settings(**fields)


def _unknown(env: Mapping[str, str]) -> list[str]:
    problems = []
    for name in sorted(env):
        if name.startswith(PREFIXES) and name not in KEY_NAMES:
            import difflib  # only for a misspelled key

            close = difflib.get_close_matches(name, KEY_NAMES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else "; see the configuration reference"
            problems.append(f"{name}: not a configuration key{hint}")
    return problems


def near_misses(environ: Mapping[str, str] | None = None) -> list[str]:
    """Warnings for environment variables that look like a misspelled configuration key outside the
    known prefixes, which `load_settings` cannot refuse (`SEIM_SYSLOG_URL` for SIEM_SYSLOG_URL): a name
    whose first word is one edit from a prefix's (a letter changed, added, dropped or two swapped), or
    whose words after the first are a known key's. Cheap: no difflib at a cold start.

    Returns one line per name: "SEIM_SYSLOG_URL is not a configuration key and is ignored; did you
    mean SIEM_SYSLOG_URL?".
    """
    env = os.environ if environ is None else environ
    heads = {p.rstrip("_"): p for p in PREFIXES}
    rests = {}
    for name in KEY_NAMES:
        for prefix in PREFIXES:
            if name.startswith(prefix):
                rests.setdefault(name[len(prefix) :], name)
    warnings = []
    for name in sorted(env):
        if name in KEY_NAMES or name.startswith(PREFIXES) or not name.isupper():
            continue
        head, _, rest = name.partition("_")
        meant = None
        for known_head, prefix in heads.items():
            if _one_edit(head, known_head) and (prefix + rest in KEY_NAMES or not rest):
                meant = prefix + rest
                break
        if meant is None and rest in rests and _one_edit(head, rests[rest].partition("_")[0]):
            meant = rests[rest]
        if meant is not None and meant in KEY_NAMES:
            warnings.append(f"{name} is not a configuration key and is ignored; did you mean {meant}?")
    return warnings


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` differs from `b` by one letter changed, added or dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _value(key: Key, env: Mapping[str, str]) -> Any:
    raw = env.get(key.name, "").strip()
    if not raw:
        return key.default
    got = f"a value of {len(raw)} characters" if key.secret else repr(shown(raw[:200]))
    try:
        return key.parse(raw)
    except Invalid as exc:
        raise ConfigError(f"{key.name}: expected {exc}; got {got}") from None
    except Exception as exc:  # a parser that raised what is not Invalid: still the key's error, and only that
        raise ConfigError(f"{key.name}: cannot be read ({type(exc).__name__}); got {got}") from None
