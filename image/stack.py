"""The Resource Manager stack: the Terraform module's root files and its form (terraform/schema.yaml) in one zip.

`python image/stack.py [OUT]` (`make stack`) writes OUT (default dist/oci-security-forwarder-stack.zip) with
terraform/*.tf, event-types.json, schema.yaml and README.md at the zip's root, as Resource Manager expects,
and terraform/stack/providers.tf as providers.tf (the module declares no provider configuration: a stack is
a root); examples/, modules/, state, variable files and .terraform are left out. Entries carry a fixed time, so the
same sources give the same zip.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "terraform"
#: What the stack holds besides the *.tf files.
EXTRA = ("event-types.json", "schema.yaml", "README.md")


def members() -> list[Path]:
    """The files of the stack, sorted by name."""
    return sorted([*MODULE.glob("*.tf"), *(MODULE / name for name in EXTRA)], key=lambda p: p.name)


def build(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in [*members(), MODULE / "stack" / "providers.tf"]:
            info = zipfile.ZipInfo(path.name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "oci-security-forwarder-stack.zip"
    print(build(target))
