"""The names enrichment writes into a record (`put_back`: the one writer, used by the enrich stage and on
replay) and what a dead letter keeps of them (`names_of`), so `replay-dead-letter` sends what the sink would
have been sent, names included, without asking the APIs again."""

from __future__ import annotations

from typing import Any


def names_of(d: dict) -> dict[str, Any] | None:
    """The names a record carries that enrichment may have added (None when it carries none)."""
    principal, compartment = d["principal"], d["compartment"]
    out: dict[str, Any] = {
        "compartmentName": compartment["name"],
        "compartmentPath": compartment.get("path"),
        "tenancyName": d["tenancyName"],
        "principalName": principal["name"],
        "email": principal.get("email"),
        "groups": principal.get("groups"),
        "targetName": d.get("targetName"),
        "groupName": (d["details"] or {}).get("groupName") if d.get("details") is not None else None,
    }
    if "path" not in compartment and "groups" not in principal and "targetName" not in d:
        return None  # not enriched: the event itself holds every name it has
    return {k: v for k, v in out.items() if v is not None}


def put_back(d: dict, names: dict[str, Any] | None) -> None:
    """Put `names` (from `names_of`) back on a record normalized again from its kept event."""
    if not names:
        return
    compartment, principal = d["compartment"], d["principal"]
    compartment["name"] = compartment["name"] or names.get("compartmentName")
    if "compartmentPath" in names:
        compartment["path"] = names["compartmentPath"]
    d["tenancyName"] = d["tenancyName"] or names.get("tenancyName")
    principal["name"] = principal["name"] or names.get("principalName")
    for key in ("email", "groups"):
        if key in names:
            principal[key] = names[key]
    if "groupName" in names and not (d["details"] or {}).get("groupName"):
        d["details"] = {**(d["details"] or {}), "groupName": names["groupName"]}
    if "targetName" in names:
        items = list(d.items())  # `targetName` right after `targetId` (`original` stays last)
        at = next(i for i, (key, _) in enumerate(items) if key == "targetId") + 1
        d.clear()
        d.update(
            items[:at] + [("targetName", names["targetName"])] + [kv for kv in items[at:] if kv[0] != "targetName"]
        )
