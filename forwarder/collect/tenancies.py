"""Several tenancies from one collector, reporter or CLI: who they are and how each is reached.

COLLECT_TENANCIES is a JSON list, one object per tenancy:

    {"name": "prod", "tenancy": "ocid1.tenancy.oc1..aaaa", "compartment": "ocid1.compartment...",
     "regions": ["eu-frankfurt-1"], "region": "eu-frankfurt-1",
     "user": "ocid1.user...", "fingerprint": "aa:bb:...", "keySecret": "ocid1.vaultsecret..."}

- `name` (required): letters, digits, `_` and `-`, at most 32, unique; it names the tenancy in summaries,
  report folders and messages.
- `tenancy`: the tenancy OCID; left out, the principal's own tenancy.
- `compartment`, `regions`: that tenancy's scope (default: the whole tenancy, every subscribed region).
- `region`: where its tenancy-wide calls (Identity, Cloud Guard's configuration) go; default the principal's.
- `user`, `fingerprint`, `keySecret`: an API key for a tenancy that cannot admit the collector's
  dynamic group: the PEM private key is read from the Vault secret `keySecret` (with the function's
  principal) on first use. All three together, and `region` with them. Without them the tenancy is
  reached by the collector's own principal, which the tenancy admits with cross-tenancy policies.
The CLI builds the same list from `--profile A --profile B` (each profile of the OCI config file is a
tenancy, named by the profile) and `--tenancy OCID` (reached by the `--auth` principal).

Checkpoint keys: the collector's own tenancy (COLLECT_TENANCY_OCID, else the principal's) keeps the
keys a single-tenancy collector writes (`audit/<region>/tenancy`); every other tenancy's shard keys
start with its OCID (`<tenancy OCID>/audit/<region>/tenancy`). So adding or removing a tenancy never
moves another's checkpoints, and turning a single-tenancy collector into a list keeps its own.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from forwarder.config.values import Invalid, ocid

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_REGION = re.compile(r"[a-z]{2,}-[a-z]+-\d+")
_FIELDS = ("name", "tenancy", "compartment", "regions", "region", "user", "fingerprint", "keySecret")
_FINGERPRINT = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){15}")


class Tenancy(NamedTuple):
    """One tenancy of the estate, as configured (COLLECT_TENANCIES) or named on the command line."""

    name: str
    tenancy: str | None = None  #: the OCID; None = the principal's own
    compartment: str | None = None  #: the subtree read; None = the whole tenancy
    regions: tuple[str, ...] | None = None  #: None = every subscribed region
    region: str | None = None  #: the region of tenancy-wide calls; None = the principal's
    user: str | None = None  #: API key: the user OCID
    fingerprint: str | None = None  #: API key: the key's fingerprint
    key_secret: str | None = None  #: API key: the Vault secret holding the PEM private key
    profile: str | None = None  #: CLI: the OCI config file profile that signs for it


def parse(raw: str) -> tuple[Tenancy, ...]:
    """The COLLECT_TENANCIES value (see the module's docstring).

    Raises:
        config.values.Invalid: naming the entry (by position and name) and the field that is wrong.
    """
    if len(raw.encode()) > 3072:
        raise Invalid(
            f"at most 3 KB ({len(raw.encode())} bytes): a function's whole configuration holds 4 KB; "
            "shorten names, or run a second collector"
        )
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, list) or not value:
        raise Invalid('a JSON list of tenancies, e.g. [{"name": "prod", "tenancy": "ocid1.tenancy.oc1..aaaa"}]')
    out: list[Tenancy] = []
    for position, entry in enumerate(value, 1):
        out.append(_entry(position, entry))
    names = [t.name for t in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise Invalid(f"each tenancy named once; {', '.join(twice)} named twice")
    ocids = [t.tenancy or "" for t in out]
    again = sorted({o or "(the principal's own)" for o in ocids if ocids.count(o) > 1})
    if again:
        raise Invalid(f"each tenancy listed once; {', '.join(again)} listed twice")
    return tuple(out)


def _entry(position: int, entry: Any) -> Tenancy:
    where = f"tenancy {position}"
    if not isinstance(entry, dict):
        raise Invalid(f"{where}: a JSON object with at least a name")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise Invalid(f"{where}: name: letters, digits, '_' or '-', at most 32 (got {name!r})")
    where = f"tenancy {position} ({name})"
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise Invalid(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(_FIELDS)})")

    def text(field: str, check=None) -> str | None:
        item = entry.get(field)
        if item is None:
            return None
        if not isinstance(item, str) or not item:
            raise Invalid(f"{where}: {field}: a non-empty string")
        if check is not None:
            try:
                check(item)
            except Invalid as exc:
                raise Invalid(f"{where}: {field}: {exc}") from None
        return item

    def region_check(item: str) -> None:
        if not _REGION.fullmatch(item):
            raise Invalid("a region identifier such as eu-frankfurt-1")

    regions = entry.get("regions")
    if regions is not None:
        if not isinstance(regions, list) or not regions or not all(isinstance(r, str) for r in regions):
            raise Invalid(f"{where}: regions: a non-empty list of region identifiers")
        for item in regions:
            if not _REGION.fullmatch(item):
                raise Invalid(f"{where}: regions: {item!r} is not a region identifier such as eu-frankfurt-1")
        regions = tuple(dict.fromkeys(regions))
    key = {f: entry.get(f) for f in ("user", "fingerprint", "keySecret")}
    if any(v is not None for v in key.values()):
        missing = [f for f, v in key.items() if v is None] + ([] if entry.get("region") else ["region"])
        if missing:
            raise Invalid(
                f"{where}: an API key needs user, fingerprint, keySecret and region; missing {', '.join(missing)}"
            )
        if not entry.get("tenancy"):
            raise Invalid(f"{where}: an API key needs the tenancy OCID")

    def fingerprint_check(item: str) -> None:
        if not _FINGERPRINT.fullmatch(item):
            raise Invalid("16 colon-separated hex pairs (aa:bb:...), as `oci setup keys` prints")

    return Tenancy(
        name=name,
        tenancy=text("tenancy", ocid("tenancy")),
        compartment=text("compartment", ocid("compartment")),
        regions=regions,
        region=text("region", region_check),
        user=text("user", ocid("user")),
        fingerprint=text("fingerprint", fingerprint_check),
        key_secret=text("keySecret", ocid("vaultsecret")),
    )


def short(tenancy_ocid: str) -> str:
    """A name for a tenancy known by its OCID only: `tenancy-<last 8 characters>`."""
    return "tenancy-" + re.sub(r"[^A-Za-z0-9]", "", tenancy_ocid)[-8:]
