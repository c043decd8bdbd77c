"""The rules a detector runs: the built-in pack, minus what is turned off, plus the user's own.

- Built-in: one Sigma file per rule in `rules/`, compiled into `pack.json` at build time
  (`python -m forwarder.detect.pack` rewrites it; a test keeps the two equal), so a cold start reads
  JSON and never imports pySigma.
- DETECTION_DISABLE: built-in rule ids (or names) to turn off, or `all`. A correlation and the rules it
  counts go together.
- DETECTION_RULES: the user's Sigma files, compiled at cold start with pySigma: paths in the image
  (files, or folders of `*.yml` / `*.yaml`) and `oci://<bucket>@<namespace>/<prefix>` (every `.yml` /
  `.yaml` object under the prefix, read with the resource principal).

Errors: `forwarder.detect.RuleError` naming the file (or object) and the rule.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from forwarder.detect import RuleError
from forwarder.jsoncodec import loads

#: The built-in rule files, and the pack compiled from them (paths: pathlib is not imported at cold start).
RULES_DIR = os.path.join(os.path.dirname(__file__), "rules")
PACK = os.path.join(os.path.dirname(__file__), "pack.json")
_SUFFIXES = (".yml", ".yaml")
#: Most seconds spent reading the rule files of one oci:// location at cold start, retries included.
READ_SECONDS = 30.0


@lru_cache(maxsize=1)
def builtin() -> tuple[dict[str, Any], ...]:
    """The compiled built-in pack (pack.json)."""
    with open(PACK, "rb") as f:
        return tuple(loads(f.read())["rules"])


def compile_builtin() -> dict[str, Any]:
    """Compile rules/*.yml with pySigma: the content of pack.json."""
    from pathlib import Path

    from forwarder.detect import attack
    from forwarder.detect.sigma import compile_files

    files = sorted(Path(RULES_DIR).glob("*.yml"))
    rules = compile_files([(f"rules/{f.name}", f.read_text(encoding="utf-8")) for f in files])
    return {
        "about": "Compiled from forwarder/detect/rules by `python -m forwarder.detect.pack`; do not edit.",
        "attackVersion": attack.table().version,
        "rules": rules,
    }


def load(sources: tuple[str, ...] = (), disable: frozenset[str] = frozenset(), *, clients=None) -> list[dict[str, Any]]:
    """Built-in rules not disabled, then the rules of `sources` (DETECTION_RULES).

    Raises:
        RuleError: a rule does not compile, an id is used twice, or `disable` names no built-in rule; the
            message starts with the key (DETECTION_RULES or DETECTION_DISABLE), then the file and the rule.
    """
    pack = list(builtin())
    known = {r["id"] for r in pack} | {r["name"] for r in pack if r["name"]}
    unknown = sorted(set(disable) - known - {"all"})
    if unknown:
        raise RuleError(
            f"DETECTION_DISABLE: no built-in rule has the id or name {', '.join(unknown)} "
            "(python -m forwarder rules list)"
        )
    off = disabled(disable)
    rules = [r for r in pack if r["id"] not in off]
    if sources:
        from forwarder.detect.sigma import compile_files

        try:
            user = compile_files(read_sources(sources, clients=clients))
        except RuleError as exc:
            text = str(exc)
            raise RuleError(text if text.startswith("DETECTION_RULES:") else f"DETECTION_RULES: {text}") from None
        taken = {r["id"] for r in pack}
        for rule in user:
            if rule["id"] in taken:
                raise RuleError(
                    f"DETECTION_RULES: {rule['file']}: rule {rule['title']}: id {rule['id']} is a built-in rule's id"
                )
        rules += user
    return rules


def disabled(disable: frozenset[str]) -> set[str]:
    """Ids of the built-in rules DETECTION_DISABLE turns off (ids or names, or `all`): a correlation goes
    with a rule it counts, and the rules only an off correlation counts go with it."""
    pack = builtin()
    off = {r["id"] for r in pack if "all" in disable or r["id"] in disable or r["name"] in disable}
    correlations = [r for r in pack if "correlation" in r]
    for rule in correlations:
        if off & set(rule["correlation"]["rules"]):
            off.add(rule["id"])
    counted_on = {i for r in correlations if r["id"] not in off for i in r["correlation"]["rules"]}
    for rule in correlations:
        if rule["id"] in off:
            off |= set(rule["correlation"]["rules"]) - counted_on
    return off


def read_sources(sources: tuple[str, ...], *, clients=None) -> list[tuple[str, str]]:
    """(name, YAML text) of every rule file the sources name; `oci://` ones read with `clients`
    (`forwarder.oci.clients.Clients`: the function's principal), within READ_SECONDS.

    Raises:
        RuleError: a file or object cannot be read (named).
    """
    from pathlib import Path

    out: list[tuple[str, str]] = []
    for source in sources:
        if source.startswith("oci://"):
            out += _read_bucket(source, clients)
            continue
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise RuleError(f"DETECTION_RULES: {source}: no such file or folder")
        for f in files:
            try:
                out.append((str(f), f.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise RuleError(f"{f}: cannot read ({exc})") from None
    return out


def _read_bucket(source: str, clients) -> list[tuple[str, str]]:
    import time

    from forwarder.oci.auth import AuthError
    from forwarder.oci.bucket import Bucket
    from forwarder.oci.clients import Clients
    from forwarder.retry import Failure

    where, _, prefix = source[len("oci://") :].partition("/")
    name, _, namespace = where.partition("@")
    if not name or not namespace:
        raise RuleError(f"DETECTION_RULES: {source}: expected oci://<bucket>@<namespace>/<prefix>")
    bucket = Bucket(clients or Clients("resource_principal"), name, namespace)
    deadline = time.monotonic() + READ_SECONDS
    out = []
    try:
        for object_name in bucket.names(prefix, deadline):
            if object_name.endswith(_SUFFIXES):
                found = bucket.get(object_name, deadline)
                if found is not None:
                    out.append((f"oci://{name}@{namespace}/{object_name}", found[0].decode("utf-8", "replace")))
    except (Failure, AuthError) as exc:  # a service error, or no connection: named, never a traceback
        raise RuleError(f"DETECTION_RULES: {source}: {getattr(exc, 'reason', exc)}") from None
    return out


def emitting(rules: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules that make detections: correlations, and plain rules no correlation counts or one counts with
    `generate: true` (a correlation stands for the rules it counts)."""
    counted = {i for r in rules if "correlation" in r for i in r["correlation"]["rules"]}
    generated = {
        i for r in rules if "correlation" in r and r["correlation"]["generate"] for i in r["correlation"]["rules"]
    }
    return [r for r in rules if r["id"] not in counted or r["id"] in generated]


def markdown_table() -> str:
    """The table of the built-in pack in docs/detections.md: one row per rule that fires (a correlation stands for the
    rules it counts)."""
    rules = builtin()
    rows = ["| name | level | ATT&CK | CIS | fires on |", "|---|---|---|---|---|"]
    for r in emitting(rules):
        c = r.get("correlation")
        window = ""
        if c and c["type"].startswith("temporal"):
            window = f" ({' then '.join(_names(rules, c['rules']))} within {c['timespan'] // 60} min by "
            window += f"{', '.join(c['groupBy'])})"
        elif c:
            window = f" ({c['op']} {c['count']} in {c['timespan'] // 60} min by {', '.join(c['groupBy'])})"
        cis = ", ".join(r.get("cis") or []) or "-"
        rows.append(f"| `{r['name']}` | {r['level']} | {', '.join(r['techniques'])} | {cis} | {r['title']}{window} |")
    return "\n".join(rows)


def _names(rules: tuple[dict[str, Any], ...], ids: list[str]) -> list[str]:
    by_id = {r["id"]: r["name"] or r["id"] for r in rules}
    return [f"`{by_id.get(i, i)}`" for i in ids]


def main() -> None:
    """Rewrite pack.json from rules/ (run after changing a built-in rule)."""
    import json  # written indented, for people to read and diff

    with open(PACK, "w", encoding="utf-8") as f:
        f.write(json.dumps(compile_builtin(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {PACK}")


if __name__ == "__main__":
    main()
