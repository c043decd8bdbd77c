"""Readers of the OCI APIs (the pull side): audit events, Cloud Guard problems, Logging Search results.

Each reader turns one shard (a source in one region, and one compartment or query where that applies)
and one time window into pages of raw events, the same JSON objects the push side receives, so
`normalize` maps a pulled event to the same Record as its pushed form:
- `tenancy`: subscribed regions (`ListRegionSubscriptions`) and compartments (`ListCompartments`, + root);
- `audit`: Audit `ListEvents` per compartment, or Logging Search over `<tenancy>/_Audit_Include_Subcompartment`;
- `cloudguard`: Cloud Guard `ListProblems` in the reporting region, problems turned into problem events;
- `logsearch`: named Logging Search queries.
Clients are the real OCI SDK's (`clients`), every call retried under one bounded policy (`calls`).
"""
