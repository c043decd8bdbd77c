"""The tenancy's subscribed regions and its compartments (Identity API).

- `regions`: `ListRegionSubscriptions` (GET /20160918/tenancies/{tenancyId}/regionSubscriptions), regions
  whose status is READY, home region first; read on every run, so a newly subscribed region is picked up.
- `compartments`: `ListCompartments` from the root with `compartmentIdInSubtree=true`,
  `accessLevel=ACCESSIBLE`, `lifecycleState=ACTIVE`, every page, plus the root itself, which the
  listing leaves out. Subtree listing works only from the root.
Identity is global: both are read through the home region's endpoint.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from forwarder.oci.calls import Counter, call, pages
from forwarder.oci.clients import Clients
from forwarder.retry import Failure

log = logging.getLogger("forwarder")


class Region(NamedTuple):
    name: str  #: e.g. "eu-frankfurt-1"
    home: bool


def regions(
    clients: Clients, tenancy: str, home: str, deadline: float | None, counter: Counter | None = None
) -> list[Region]:
    """The READY subscribed regions, home first.

    Raises:
        retry.Failure: the subscriptions cannot be read.
    """
    identity = clients.get("identity", home)
    data = call(identity.list_region_subscriptions, tenancy, deadline=deadline, counter=counter).data or []
    found = [
        Region(r["regionName"], bool(r.get("isHomeRegion")))  # REST JSON (clients: no SDK models)
        for r in data
        if (r.get("status") or "READY") == "READY"
    ]
    return sorted(found, key=lambda r: (not r.home, r.name))


def chosen(
    clients: Clients,
    tenancy: str,
    home: str,
    wanted: tuple[str, ...] | None,
    deadline: float | None,
    counter: Counter | None = None,
) -> tuple[list[str], list[str]]:
    """The regions a run reads, and the errors of the choice: every READY subscribed region when `wanted`
    is None, else those of `wanted` the tenancy subscribes to; one it does not is an error and is not
    read (its endpoint may not even resolve). When the subscriptions cannot be read, `wanted` is read as
    given (logged).

    Raises:
        retry.Failure: the subscriptions cannot be read and no region was named.
    """
    try:
        found = [r.name for r in regions(clients, tenancy, home, deadline, counter)]
    except Failure as exc:
        if wanted is None:
            raise
        log.warning("regions: %s; reading %s as given", exc.reason, ", ".join(wanted))
        return list(wanted), []
    if wanted is None:
        return found, []
    errors = [
        f"regions: {name} is not subscribed by the tenancy (subscribed: {', '.join(found)})"
        for name in wanted
        if name not in found
    ]
    return [name for name in wanted if name in found], errors


def compartments(
    clients: Clients,
    tenancy: str,
    home: str,
    deadline: float | None,
    counter: Counter | None = None,
    under: str | None = None,
) -> list[str]:
    """The OCIDs of the root and every ACTIVE compartment the principal can see, root first; with `under`,
    that compartment and its subtree only, it first. The subtree is read from the root (the API lists a
    subtree only from the root) and cut by each compartment's parent (`compartmentId`).

    Raises:
        retry.Failure: the listing cannot be read, or `under` is not an active compartment the principal
            can see (permanent, naming COLLECT_COMPARTMENT_OCID).
    """
    identity = clients.get("identity", home)
    found = [tenancy]
    parents: dict[str, str] = {}
    for data, _ in pages(
        identity.list_compartments,
        tenancy,
        deadline=deadline,
        counter=counter,
        compartment_id_in_subtree=True,
        access_level="ACCESSIBLE",
        lifecycle_state="ACTIVE",
        limit=1000,
    ):
        for c in data or ():
            if c.get("id") and c["id"] != tenancy:
                found.append(c["id"])
                parents[c["id"]] = c.get("compartmentId") or tenancy
    if under is None or under == tenancy:
        return found
    if under not in parents:
        raise Failure(
            f"COLLECT_COMPARTMENT_OCID: {under} is not an active compartment the principal can see "
            "(ListCompartments from the root)",
            permanent=True,
        )
    return [under] + [c for c in found if c != under and _within(c, under, parents)]


def _within(compartment: str, top: str, parents: dict[str, str]) -> bool:
    """Whether `compartment` is `top` or below it (parent links; a cycle or a broken chain is not below)."""
    seen = set()
    while compartment not in seen:
        if compartment == top:
            return True
        seen.add(compartment)
        if compartment not in parents:
            return False
        compartment = parents[compartment]
    return False
