"""Build forwarder/detect/attack.tsv (the ATT&CK table rules are checked against) from MITRE's STIX data.

Usage:
    python tools/attack_table.py extract CTI_DIR --version V --commit SHA --out EXTRACT.json
        Read a checkout of github.com/mitre/cti (STIX 2.0, one file per object) at the commit of an
        Enterprise release, keep the tactics and techniques, and write them as one STIX bundle (the
        extract shipped in tests/data/attack/, where MITRE's data is read offline).
    python tools/attack_table.py table BUNDLE.json [--out forwarder/detect/attack.tsv]
        Write the table from a STIX bundle: the extract, or a release bundle of
        github.com/mitre-attack/attack-stix-data (enterprise-attack-<version>.json). The table's header
        records the ATT&CK version, where the bundle came from and the bundle file's SHA-256.

Revoked and deprecated objects are left out. A technique's tactics are its `mitre-attack` kill chain
phases. Sub-technique names are written whole (`Parent: Sub`), as ATT&CK displays them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "forwarder" / "detect" / "attack.tsv"
#: Properties an extract keeps of each object: what the table and pySigma's ATT&CK validators read.
KEEP = ("type", "id", "name", "external_references", "kill_chain_phases", "x_mitre_shortname", "revoked")


def _external_id(obj: dict) -> str | None:
    for ref in obj.get("external_references") or []:
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return ref["external_id"]
    return None


def _live(obj: dict) -> bool:
    return not obj.get("revoked") and not obj.get("x_mitre_deprecated")


def extract(cti: Path, version: str, commit: str) -> dict:
    """The tactics and techniques of a mitre/cti checkout as one STIX bundle (sorted, trimmed to KEEP)."""
    objects = []
    for folder in ("x-mitre-tactic", "attack-pattern"):
        for path in sorted((cti / "enterprise-attack" / folder).glob("*.json")):
            for obj in json.loads(path.read_text(encoding="utf-8"))["objects"]:
                if obj.get("type") == folder and _live(obj) and _external_id(obj):
                    kept = {key: obj[key] for key in KEEP if key in obj}
                    kept["external_references"] = [{"source_name": "mitre-attack", "external_id": _external_id(obj)}]
                    objects.append(kept)
    objects.sort(key=lambda o: (o["type"], _external_id(o)))
    return {
        "type": "bundle",
        "id": "bundle--" + hashlib.sha256(f"{commit}:{version}".encode()).hexdigest()[:32],
        "x_source": {
            "attack_version": version,
            "domain": "enterprise-attack",
            "repository": "https://github.com/mitre/cti",
            "commit": commit,
            "folders": ["enterprise-attack/x-mitre-tactic", "enterprise-attack/attack-pattern"],
        },
        "objects": objects,
    }


def rows(bundle: dict) -> tuple[str, list[tuple[str, str, str]]]:
    """(ATT&CK version, [(id, name, tactic short names)]) of a bundle: tactics first, then techniques."""
    version = (bundle.get("x_source") or {}).get("attack_version")
    tactics, techniques, names = [], [], {}
    for obj in bundle["objects"]:
        if not _live(obj):
            continue
        if obj["type"] == "x-mitre-collection":
            version = version or obj.get("x_mitre_version")
        ident = _external_id(obj)
        if ident is None:
            continue
        if obj["type"] == "x-mitre-tactic":
            tactics.append((ident, obj["name"], obj["x_mitre_shortname"]))
        elif obj["type"] == "attack-pattern":
            phases = [
                p["phase_name"] for p in obj.get("kill_chain_phases") or [] if p["kill_chain_name"] == "mitre-attack"
            ]
            names[ident] = obj["name"]
            techniques.append((ident, obj["name"], ",".join(phases)))
    if not version:
        raise SystemExit("the bundle names no ATT&CK version (x-mitre-collection or x_source.attack_version)")
    whole = [(i, f"{names[i.split('.')[0]]}: {n}" if "." in i else n, t) for i, n, t in techniques]
    return version, sorted(tactics) + sorted(whole)


def table(bundle_path: Path) -> str:
    """The text of attack.tsv for a bundle file."""
    raw = bundle_path.read_bytes()
    bundle = json.loads(raw)
    version, lines = rows(bundle)
    source = bundle.get("x_source")
    where = (
        f"{source['repository']} at commit {source['commit']} ({', '.join(source['folders'])}), "
        f"extracted by tools/attack_table.py into {bundle_path.name}"
        if source
        else f"the release bundle {bundle_path.name} of https://github.com/mitre-attack/attack-stix-data"
    )
    head = [
        f"# MITRE ATT&CK Enterprise, version {version}: tactics and techniques (id, name, tactic short names).",
        "# Data: MITRE ATT&CK(R) (c) The MITRE Corporation, reproduced under the ATT&CK Terms of Use "
        "(attack.mitre.org).",
        f"# Source: {where}.",
        f"# SHA-256 of the bundle read: {hashlib.sha256(raw).hexdigest()}",
        "# Built by `python tools/attack_table.py table <bundle>`; do not edit. Columns are tab-separated.",
        "id\tname\ttactics",
    ]
    return "\n".join(head + ["\t".join(row) for row in lines]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/attack_table.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ex = commands.add_parser("extract", help="a mitre/cti checkout -> one trimmed STIX bundle")
    ex.add_argument("cti", type=Path)
    ex.add_argument("--version", required=True, help="the ATT&CK release the commit is, e.g. 18.1")
    ex.add_argument("--commit", required=True, help="the mitre/cti commit checked out")
    ex.add_argument("--out", type=Path, required=True)
    tb = commands.add_parser("table", help="a STIX bundle -> attack.tsv")
    tb.add_argument("bundle", type=Path)
    tb.add_argument("--out", type=Path, default=TABLE)
    args = parser.parse_args(argv)
    if args.command == "extract":
        bundle = extract(args.cti, args.version, args.commit)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(bundle, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{args.out}: {len(bundle['objects'])} tactics and techniques of ATT&CK {args.version}")
    else:
        args.out.write_text(table(args.bundle), encoding="utf-8")
        print(f"{args.out}: written from {args.bundle}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
