"""The pull side: collection runs over the OCI APIs, into the same pipeline as pushed events.

`shards` plans what to read (sources x regions x compartments or queries) and in which window,
`checkpoints` and `ledger` keep each shard's checkpoint (leased, moved only after delivery),
`run.Collector` reads shards concurrently and delivers page by page, `outcome` says what happened,
`config` holds the collector's keys. `build(settings, pipeline, auth=...)` wires a Collector from
validated settings (the function's task bodies and the CLI). Nothing heavy is imported with the
package: settings read `collect.config` at every cold start.
"""

from __future__ import annotations

from forwarder.collect.config import SOURCES

__all__ = ["SOURCES", "build", "parse_when"]


def parse_when(text: str, now=None):
    """`--since/--until` (see `when.parse_when`)."""
    from forwarder.collect.when import parse_when as parse

    return parse(text, now)


def build(
    settings,
    pipeline,
    auth: str = "resource_principal",
    config_file: str | None = None,
    profile: str | None = None,
    state_path: str | None = None,
    progress=None,
    tenancies=None,
):
    """A `run.Collector` for `settings` (forwarder.settings.Settings): clients for `auth`, checkpoints in
    `state_path` (a local file) when given, else in CHECKPOINT_BUCKET (in the principal's region) when
    set, else none; `tenancies` (`tenancies.Tenancy`, the CLI's) in place of COLLECT_TENANCIES. API keys'
    Vault secrets are read with the function's clients. Nothing is read or signed until the first run."""
    from forwarder.collect import checkpoints
    from forwarder.collect.run import Collector
    from forwarder.oci.bucket import Bucket
    from forwarder.oci.clients import for_function, for_settings

    c = settings.collect
    clients = for_settings(settings, auth, config_file, profile)
    store = None
    if state_path:
        store = checkpoints.FileStore(state_path)
    elif c.checkpoint_bucket:
        store = checkpoints.BucketStore(Bucket(clients, c.checkpoint_bucket, c.checkpoint_namespace))
    vault = for_function(settings, auth, config_file, profile)
    return Collector(c, pipeline, clients, store, progress=progress, tenancies=tenancies, vault_clients=vault)
