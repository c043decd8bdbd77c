"""One OCID's entry read from its API, through the one OCI plumbing (`forwarder.oci.calls`).

Entries (what `cache.NameCache` keeps): a compartment `{"name", "parent"}` (GetCompartment), the tenancy
`{"name", "parent": null}` (GetTenancy), a user `{"name", "email", "groups": [group OCIDs]}` (GetUser,
ListUserGroupMemberships in the user's tenancy), a group `{"name"}` (GetGroup), a Cloud Guard target
`{"name"}` (GetTarget's displayName). The kind is the OCID's resource type.
"""

from __future__ import annotations

import re
from typing import Any

from forwarder.oci import calls

#: OCID resource type -> kind of lookup (the policy that grants it).
KINDS = {
    "compartment": "compartments",
    "tenancy": "tenancies",
    "user": "users",
    "group": "groups",
    "cloudguardtarget": "cloud-guard-targets",
}


#: An OCID as OCI writes them (`ocid1.<type>.<realm>.[region][.future].<unique>`): nothing else is sent in
#: a request path, so a hostile field cannot steer a lookup elsewhere.
_OCID = re.compile(r"ocid1\.[a-z0-9]+\.[a-z0-9-]+\.[a-z0-9-]*(?:\.[a-z0-9-]*)?\.[A-Za-z0-9_-]{1,200}")


def kind_of(ocid: str | None) -> str | None:
    """The lookup kind of an OCID (`ocid1.<type>.<realm>...`), or None when nothing can name it."""
    if not ocid or not ocid.startswith("ocid1.") or not _OCID.fullmatch(ocid):
        return None
    return KINDS.get(ocid.split(".", 2)[1])


def read(clients, ocid: str, deadline: float | None, counter: calls.Counter | None = None) -> dict[str, Any]:
    """The entry of `ocid` (its kind from `kind_of`).

    Raises:
        forwarder.retry.Failure: the API refused (`status` 403/404: the policy is missing, or the
            resource is gone) or did not answer before `deadline`.
    """
    kind = ocid.split(".", 2)[1]
    if kind == "cloudguardtarget":
        target = calls.call(clients.get("cloudguard").get_target, ocid, deadline=deadline, counter=counter).data
        return {"name": target.get("displayName")}
    identity = clients.get("identity")
    if kind == "tenancy":
        tenancy = calls.call(identity.get_tenancy, ocid, deadline=deadline, counter=counter).data
        return {"name": tenancy.get("name"), "parent": None}
    if kind == "compartment":
        compartment = calls.call(identity.get_compartment, ocid, deadline=deadline, counter=counter).data
        return {"name": compartment.get("name"), "parent": compartment.get("compartmentId")}
    if kind == "group":
        group = calls.call(identity.get_group, ocid, deadline=deadline, counter=counter).data
        return {"name": group.get("name")}
    user = calls.call(identity.get_user, ocid, deadline=deadline, counter=counter).data
    groups: list[str] = []
    for page, _ in calls.pages(
        identity.list_user_group_memberships,
        user.get("compartmentId"),
        user_id=ocid,
        deadline=deadline,
        counter=counter,
    ):
        groups += [m["groupId"] for m in page if m.get("lifecycleState", "ACTIVE") == "ACTIVE"]
    return {"name": user.get("name"), "email": user.get("email"), "groups": groups}
