"""Realms: which realm a region belongs to, its domain, and its Console, from the OCI SDK's own table.

The SDK maps every region it knows to a realm (`oc1` commercial, `oc2` / `oc3` US government, `oc4` UK
government, `oc8` Japan, `oc19` EU sovereign, ...) and every realm to its second-level domain
(`oraclecloud.com`, `oraclegovcloud.com`, `oraclegovcloud.uk`, `oraclecloud8.com`, `oraclecloud.eu`, ...)
in `oci/regions_definitions.py`. SDK clients build their endpoints through it; this module reads the same
table for what the SDK does not build, the Console links of tickets. The file is plain data and is
loaded on its own, so a ticket never imports the whole SDK (a cold start would pay ~300 ms).

Console: `https://cloud.oracle.com` in the commercial realm (the region as `?region=`), and
`https://console.<region>.<realm domain>` in the others (the Government Cloud's documented sign-in form,
`https://console.us-langley-1.oraclegovcloud.com`).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType

COMMERCIAL = "oc1"
COMMERCIAL_CONSOLE = "https://cloud.oracle.com"


@functools.cache
def _table() -> ModuleType | None:
    """The SDK's `regions_definitions` module, loaded from its file without importing `oci`; None when
    the SDK is not installed."""
    spec = importlib.util.find_spec("oci")  # a top-level name: finding it imports nothing
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "regions_definitions.py"
    loader = importlib.util.spec_from_file_location("_forwarder_oci_regions_definitions", path)
    if loader is None or not path.is_file():
        return None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def realm_of(region: str | None, ocid: str | None = None) -> str | None:
    """The realm key of `region` (`us-langley-1` -> `oc2`), else the realm an OCID names
    (`ocid1.cloudguardproblem.oc2.<region>.<id>` -> `oc2`), else None."""
    table = _table()
    if region and table is not None:
        realm = table.REGION_REALMS.get(region.lower())
        if realm:
            return realm
    parts = (ocid or "").split(".")
    if len(parts) > 2 and parts[0] == "ocid1" and parts[2].startswith("oc"):
        return parts[2]
    return None


def domain_of(realm: str | None) -> str | None:
    """A realm's second-level domain (`oc4` -> `oraclegovcloud.uk`), None when unknown."""
    table = _table()
    return None if table is None or realm is None else table.REALMS.get(realm)


def console(region: str | None, ocid: str | None = None) -> str:
    """The base URL of the OCI Console for `region` (or the realm `ocid` names): `https://cloud.oracle.com`
    in the commercial realm and wherever the realm is unknown, else `https://console.<region>.<domain>`."""
    realm = realm_of(region, ocid)
    domain = domain_of(realm)
    if realm == COMMERCIAL or not domain or not region:
        return COMMERCIAL_CONSOLE
    return f"https://console.{region.lower()}.{domain}"


def region_of(ocid: str) -> str | None:
    """The region a regional OCID names (`ocid1.stream.oc1.iad.<id>` -> `us-ashburn-1`: the SDK's short
    names, or a region identifier written out), None when it names none the SDK knows."""
    parts = ocid.split(".")
    key = parts[3].lower() if len(parts) > 4 else ""
    table = _table()
    if not key or table is None:
        return None
    if key in table.REGION_REALMS:
        return key
    return table.REGIONS_SHORT_NAMES.get(key)
