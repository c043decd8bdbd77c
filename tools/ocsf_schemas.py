"""Writes the OCSF classes the `ocsf` payload uses, compiled to JSON Schema, into tests/data/ocsf/.

Run: `.venv/bin/python tools/ocsf_schemas.py` (needs ocsf-json-schema from requirements-dev.txt, which
ships OCSF's own schema releases and compiles a class with its objects embedded, JSON Schema draft
2020-12). Writes one file per class of `forwarder.formats.ocsf` with the `cloud` profile, and a header
file naming the OCSF version and the compiler's version; the tests validate every sample against them.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "ocsf"
#: class_uid -> file name of the compiled class.
CLASSES = {6003: "api_activity", 3002: "authentication", 2004: "detection_finding"}


def main() -> int:
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    sys.path.insert(0, str(ROOT))
    from forwarder.formats.ocsf import VERSION

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=VERSION))
    OUT.mkdir(parents=True, exist_ok=True)
    for uid, name in CLASSES.items():
        assert schema.lookup_class_name_from_uid(class_uid=uid) == name
        compiled = schema.get_class_schema(class_name=name, profiles=["cloud"])
        (OUT / f"{name}.json").write_text(json.dumps(compiled, indent=1, sort_keys=True) + "\n")
    source = {"ocsf": VERSION, "profiles": ["cloud"], "compiler": f"ocsf-json-schema {version('ocsf-json-schema')}"}
    (OUT / "source.json").write_text(json.dumps(source, indent=1) + "\n")
    print(f"wrote {len(CLASSES)} classes of OCSF {VERSION} to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
