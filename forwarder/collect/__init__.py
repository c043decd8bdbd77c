"""The pull side: collection runs over the OCI APIs, into the same pipeline as pushed events.

`shards` plans what to read (sources x regions x compartments or queries) and in which window,
`ledger` keeps each shard's checkpoint (leased, moved only after delivery), `run.Collector` reads
shards concurrently and delivers page by page, `report` says what happened. `build(settings, pipeline,
auth=...)` wires a Collector from validated settings (the function's task bodies and the CLI).
"""

from __future__ import annotations

from forwarder.collect.run import Collector, parse_when
from forwarder.collect.shards import SOURCES

__all__ = ["Collector", "SOURCES", "build", "parse_when"]


def build(settings, pipeline, auth: str = "resource_principal", config_file: str | None = None,
          profile: str | None = None, state_path: str | None = None, progress=None) -> Collector:  # fmt: skip
    """A Collector for `settings` (forwarder.settings.Settings): clients for `auth`, checkpoints in
    `state_path` (a local file) when given, else in CHECKPOINT_BUCKET when set, else none."""
    from forwarder.delivery import checkpoints
    from forwarder.sources.api.clients import AuthError, for_settings

    c = settings.collect
    clients = for_settings(settings, auth, config_file, profile)
    store = None
    if state_path:
        store = checkpoints.FileStore(state_path)
    elif c.checkpoint_bucket:
        region = clients.home or settings.region
        if not region:
            raise AuthError(
                "CHECKPOINT_BUCKET: the principal names no region; set OCI_RESOURCE_PRINCIPAL_REGION "
                "or the config file's region"
            )
        store = checkpoints.BucketStore(clients.get("objectstorage", region), c.checkpoint_bucket,
                                        c.checkpoint_namespace)  # fmt: skip
    return Collector(c, pipeline, clients, store, progress=progress)
