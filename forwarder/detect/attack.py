"""The MITRE ATT&CK table shipped with the project (attack.tsv: Enterprise, the version in its header).

Rule tags (`attack.persistence`, `attack.t1098.001`) are checked against it, and detection records
carry the names it gives.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from forwarder.detect import RuleError

_TABLE = Path(__file__).with_name("attack.tsv")


class Attack:
    """The table: `version` ("17.0"), `tactics` {id: (name, short name)}, `techniques` {id: (name, tactics)}."""

    def __init__(self, version: str, tactics: dict[str, tuple[str, str]], techniques: dict[str, tuple[str, str]]):
        self.version = version
        self.tactics = tactics
        self.techniques = techniques
        self.tactic_by_short = {short: tid for tid, (_, short) in tactics.items()}


@lru_cache(maxsize=1)
def table() -> Attack:
    """Read attack.tsv once."""
    version, tactics, techniques = "", {}, {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            if not version and "version" in line:
                version = line.split("version", 1)[1].split(":", 1)[0].strip(" ,")
            continue
        ident, name, extra = line.split("\t")
        if ident == "id":
            continue
        (tactics if ident.startswith("TA") else techniques)[ident] = (name, extra)
    return Attack(version, tactics, techniques)


def from_tags(tags: list[str]) -> tuple[list[str], list[str]]:
    """The ATT&CK tactic ids and technique ids of a rule's tags (`attack.<tactic short name>`,
    `attack.tNNNN[.NNN]`); other namespaces are left alone, as are ATT&CK groups and software (gNNNN, sNNNN).

    Raises:
        RuleError: an `attack.` tag names no tactic or technique of the table.
    """
    t = table()
    tactics: list[str] = []
    techniques: list[str] = []
    for tag in tags:
        namespace, _, name = tag.partition(".")
        if namespace != "attack":
            continue
        name = name.lower()
        if name[:1] == "t" and name[1:2].isdigit():
            ident = name.upper()
            if ident not in t.techniques:
                raise RuleError(f"tag {tag}: {ident} is not a technique of MITRE ATT&CK {t.version}")
            techniques.append(ident)
        elif name[:1] in "gs" and name[1:2].isdigit():
            continue
        elif name.replace("_", "-") in t.tactic_by_short:
            tactics.append(t.tactic_by_short[name.replace("_", "-")])
        else:
            raise RuleError(f"tag {tag}: not a tactic of MITRE ATT&CK {t.version} ({', '.join(t.tactic_by_short)})")
    return tactics, techniques


def named(ids: list[str]) -> list[dict[str, str]]:
    """[{"id", "name"}] for tactic or technique ids of the table."""
    t = table()
    return [{"id": i, "name": (t.tactics.get(i) or t.techniques.get(i) or ("?",))[0]} for i in ids]
