"""`Enricher`: the enrich stage of the data path, between normalize and detect (see `forwarder.enrich`)."""

from __future__ import annotations

import logging
import time
from typing import Any

from forwarder.enrich.cache import NameCache
from forwarder.enrich.lookup import kind_of, read
from forwarder.enrich.names import put_back
from forwarder.oci.calls import Counter
from forwarder.retry import Failure

log = logging.getLogger("forwarder")

#: Most seconds one batch spends on lookups, and the most of the time left before the deadline it may take.
BUDGET, SHARE = 10.0, 0.25
#: Seconds a kind of lookup rests after a failure that is not a refusal (a timeout, no connection).
PAUSE = 60.0
#: Follow-up rounds at most (parents of compartments, groups of users): the compartment tree is 6 deep.
ROUNDS = 8
#: Event types (last segment, lowercased) whose group OCID is named as `details.groupName`.
MEMBERSHIP = ("addusertogroup", "removeuserfromgroup")
_GROUP_PATHS = (("stateChange", "current", "groupId"), ("request", "payload", "groupId"))


class Enricher:
    """Adds names to records in place (`enrich`), looking each OCID up at most once per batch.

    Args:
        clients: `forwarder.oci.clients.Clients` of the function's principal (identity, cloudguard).
        cache: where names are kept between batches.
    """

    def __init__(self, clients, cache: NameCache):
        self.clients = clients
        self.cache = cache
        self.counter = Counter()  #: API calls made (each attempt)
        self.off: dict[str, str] = {}  #: lookup kind -> why it is off for this container
        self._resting: dict[str, float] = {}  #: lookup kind -> time.monotonic() until which it rests
        self.disabled: str | None = None  #: why enrichment is off for the whole container (no principal)

    def enrich(self, records: list, deadline: float | None) -> dict[str, Any]:
        """Name what `records` (`Record`s) carry; never raises for a failing API.

        Returns:
            {"lookups": API calls made, "cached": OCIDs served by the cache, "missed": OCIDs left unnamed
            (a failure or no time left), "off": [kinds turned off], "warnings": [...]}.
        """
        now = time.monotonic()
        left = BUDGET if deadline is None else max(0.0, min(BUDGET, (deadline - now) * SHARE))
        outcome = {"lookups": 0, "cached": 0, "missed": 0, "off": [], "warnings": []}
        before = self.counter.calls
        known: dict[str, dict] = {}
        if self.disabled is not None:
            return {**outcome, "off": ["all"]}
        try:
            own = self.clients.tenancy  # records of other tenancies are not looked up with this principal
        except Exception as exc:  # AuthError: no principal here (a laptop without a config): off, once
            self.disabled = f"no OCI principal to read names with: {getattr(exc, 'reason', None) or exc}"
            log.debug("enrichment turned off for this container: %s", self.disabled)  # the summary says it
            return {**outcome, "off": ["all"], "warnings": [self.disabled]}
        mine = [r for r in records if own is None or r.data["tenancyId"] in (None, own)]  # others' would 404
        wanted = {ocid for r in mine for ocid in _ocids(r.data)}
        for _ in range(ROUNDS):
            wanted = {o for o in wanted if o not in known and kind_of(o) not in self.off}
            if not wanted:
                break
            known.update(self._entries(sorted(wanted), now + left, outcome))
            wanted = {o for e in known.values() for o in [e.get("parent"), *e.get("groups", ())] if o}
        for record in mine:
            _apply(record.data, known)
        outcome["lookups"] = self.counter.calls - before
        outcome["off"] = sorted(self.off)
        if self.cache.warning and self.cache.warning not in outcome["warnings"]:
            outcome["warnings"].append(self.cache.warning)
        return outcome

    def _entries(self, ocids: list[str], end: float, outcome: dict) -> dict[str, dict]:
        found = self.cache.get_many(ocids)
        outcome["cached"] += len(found)
        fresh: dict[str, dict] = {}
        for ocid in ocids:
            kind = kind_of(ocid)
            if ocid in found or kind in self.off:
                continue
            moment = time.monotonic()
            if moment >= end or moment < self._resting.get(kind, 0.0):  # out of time, or the kind rests
                outcome["missed"] += 1
                continue
            try:
                fresh[ocid] = read(self.clients, ocid, end, self.counter)
            except Failure as exc:
                outcome["missed"] += 1
                if exc.status in (401, 403, 404):
                    self._turn_off(kind, exc, outcome)
                else:  # a timeout or no connection: the kind rests, so batches do not each wait for it
                    self._resting[kind] = time.monotonic() + PAUSE
                    if len(outcome["warnings"]) < 5:
                        outcome["warnings"].append(f"a name was not read: {exc.reason}")
            except Exception as exc:  # no principal (AuthError), a client bug: the records go unnamed
                outcome["missed"] += 1
                self._turn_off(kind, exc, outcome)
        self.cache.put_many(fresh)
        return {**found, **fresh}

    def _turn_off(self, kind: str, exc: BaseException, outcome: dict) -> None:
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        self.off[kind] = reason
        verb = "read" if kind == "cloud-guard-targets" else "inspect"
        warning = f"names of {kind} turned off for this container (is `{verb} {kind}` granted?): {reason}"
        outcome["warnings"].append(warning)
        log.warning("enrichment: %s", warning)


def _ocids(d: dict) -> list[str]:
    """The OCIDs of a record that enrichment names."""
    out = [d["compartment"]["id"], d["tenancyId"], d["principal"]["id"], d["targetId"], _group_of(d)]
    return [o for o in out if kind_of(o)]


def _group_of(d: dict) -> str | None:
    """The group OCID a group membership change names, when the event gives no group name."""
    event_type = (d["eventType"] or "").lower()
    if not event_type.endswith(MEMBERSHIP) or (d["details"] or {}).get("groupName"):
        return None
    data = (d["original"] or {}).get("data") or {}
    for path in _GROUP_PATHS:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.startswith("ocid1.group."):
            return value
    rid = d["resource"]["id"]
    return rid if isinstance(rid, str) and rid.startswith("ocid1.group.") else None


def _apply(d: dict, known: dict[str, dict]) -> None:
    """Write the names `known` holds for a record's OCIDs (through `names.put_back`, the one writer of them,
    which replay uses too)."""
    names: dict[str, Any] = {}
    entry = known.get(d["compartment"]["id"] or "")
    if entry is not None:
        names["compartmentName"] = entry.get("name")
        path = _path(d["compartment"]["id"], known)
        if path:
            names["compartmentPath"] = path
    tenancy = known.get(d["tenancyId"] or "")
    if tenancy is not None:
        names["tenancyName"] = tenancy.get("name")
    user = known.get(d["principal"]["id"] or "")
    if user is not None and "groups" in user:
        names["principalName"] = user.get("name")
        names["email"] = user.get("email")
        names["groups"] = [known[g]["name"] for g in user["groups"] if g in known and known[g].get("name")]
    target = known.get(d["targetId"] or "")
    if target is not None and target.get("name"):
        names["targetName"] = target["name"]
    group = _group_of(d)
    if group in known and known[group].get("name"):
        names["groupName"] = known[group]["name"]
    put_back(d, names)


def _path(ocid: str, known: dict[str, dict]) -> str | None:
    """`root/a/b` for compartment b in a in the root, or None when a parent is not known."""
    names = []
    for _ in range(ROUNDS + 2):
        entry = known.get(ocid)
        if entry is None:
            return None
        if entry.get("parent") is None:  # the root compartment: the tenancy
            return "/".join(["root", *reversed(names)])
        names.append(entry.get("name") or ocid)
        ocid = entry["parent"]
    return None
