"""The one OCI plumbing: principals (`auth`), SDK clients per service and region (`clients`), every call under
the one retry rule and the caller's deadline, with paging (`calls`), Object Storage buckets (`bucket`),
the fan-out over shards (`fanout`), Vault secrets (`vault`), and the endpoint keys (`config`)."""
