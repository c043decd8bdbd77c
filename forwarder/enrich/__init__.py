"""Enrichment: names for the OCIDs a record carries, read from the OCI APIs (normalize -> enrich -> detect).

What a record gains (only when found; a record the lookups could not name goes as it is):
- `compartment.name` and `compartment.path` (`root/apps/prod`, from the compartment and its parents);
- `tenancyName` (GetTenancy);
- for a user principal (`ocid1.user.`): `principal.name` when absent, `principal.email`, `principal.groups`
  (the names of its groups: ListUserGroupMemberships, GetGroup);
- for a group membership change that names the group only by OCID: `details.groupName`;
- for a Cloud Guard problem: `targetName` (the target's display name, GetTarget).

`stage.Enricher` looks each distinct OCID of a batch up once, through the one OCI plumbing
(`forwarder.oci.calls`) with the function's principal and the invocation's deadline (never past a share
of it: delivery comes first), and keeps names in `cache.NameCache` (per container with a TTL, and in Redis
when DETECTION_STATE_URL is set, shared by every container and the collector). A 403 or 404 answer turns
that kind of lookup off for the container, once, with a warning: its policy is not granted. `config.py`
holds the ENRICH_* keys. Policy: `inspect compartments`, `inspect users`, `inspect groups` and
`read cloud-guard-targets` in tenancy.
"""
