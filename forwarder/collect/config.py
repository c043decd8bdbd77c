"""The collector's configuration (COLLECT_*, CHECKPOINT_*): keys, typed settings, and the checks."""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.collect import stream_config
from forwarder.config import ConfigError, Key
from forwarder.config import values as v
from forwarder.sources import COLLECTED


def _tenancies(raw: str):
    from forwarder.collect.tenancies import parse

    return parse(raw)


#: What a collection reads.
SOURCES = COLLECTED

KEYS: tuple[Key, ...] = (
    Key(
        "COLLECT_SOURCES",
        v.names(*SOURCES),
        None,
        "audit,cloudguard",
        'Makes this function a collector: the sources a task body (`{"task": "collect"}`) may read: `audit`, '
        "`cloudguard`, `logsearch`, `stream`. Unset: task bodies are refused.",
        shown="(none: not a collector)",
        scope="collector",
    ),
    Key(
        "COLLECT_AUDIT_METHOD",
        v.choice("search", "list-events"),
        "search",
        "list-events",
        "How `audit` is read: `search` (Logging Search over `_Audit_Include_Subcompartment`, one query per region) "
        "or `list-events` (Audit ListEvents per compartment and region).",
        scope="collector",
    ),
    Key(
        "COLLECT_LOOKBACK_MINUTES",
        v.integer(1, 43200),
        60,
        "1440",
        "First run of a shard (no checkpoint yet): how far back to start, in minutes.",
        scope="collector",
    ),
    Key(
        "COLLECT_LAG_MINUTES",
        v.integer(0, 1440),
        15,
        "30",
        "Each window starts this many minutes before the last checkpoint, so late events are caught; repeats are "
        "dropped by event id.",
        scope="collector",
    ),
    Key(
        "COLLECT_QUERIES",
        v.named_queries,
        None,
        '{"flows": "search \\"ocid1.tenancy.oc1..aaaa/vcn\\""}',
        "Named Logging Search queries of the `logsearch` source, as a JSON object of name -> query; "
        "`{tenancy}` in a query is replaced by the tenancy OCID.",
        scope="collector",
    ),
    Key(
        "COLLECT_REGIONS",
        v.region_list,
        None,
        "eu-frankfurt-1,us-ashburn-1",
        "Regions to read, comma-separated.",
        shown="(every subscribed region)",
        scope="collector",
    ),
    Key(
        "COLLECT_COMPARTMENT_OCID",
        v.ocid("compartment"),
        None,
        "ocid1.compartment.oc1..aaaa",
        "Read only this compartment and its subtree (every source, and the change report); unset: the whole "
        "tenancy. `{compartment}` in a COLLECT_QUERIES query becomes it (else the tenancy OCID).",
        shown="(the whole tenancy)",
        scope="collector",
    ),
    Key(
        "COLLECT_TENANCY_OCID",
        v.ocid("tenancy"),
        None,
        "ocid1.tenancy.oc1..aaaa",
        "The tenancy to read.",
        shown="(the principal's tenancy)",
        scope="collector",
    ),
    Key(
        "COLLECT_TENANCIES",
        _tenancies,
        None,
        '[{"name": "prod", "tenancy": "ocid1.tenancy.oc1..aaaa"}]',
        "Several tenancies read by one collector and reporter: a JSON list of `{name, tenancy, compartment, "
        "regions, region}`, plus `user`, `fingerprint`, `keySecret` (a Vault secret holding the PEM key) for an "
        "API key; without them the collector's own principal reads it (cross-tenancy policies, docs/collection.md).",
        shown="(one tenancy: COLLECT_TENANCY_OCID)",
        scope="collector",
    ),
    Key(
        "COLLECT_WORKERS",
        v.integer(1, 64),
        4,
        "8",
        "Regions, compartments and queries read at once.",
        scope="collector",
    ),
    Key(
        "CHECKPOINT_BUCKET",
        v.text,
        None,
        "oci-forwarder-checkpoints",
        "Object Storage bucket of the collector's checkpoints (written with If-Match; needed by a collector function).",
        shown="(none)",
        scope="collector",
    ),
    Key(
        "CHECKPOINT_NAMESPACE",
        v.text,
        None,
        "axaxnpcrorw5",
        "Object Storage namespace of the checkpoint bucket.",
        shown="(looked up)",
        scope="collector",
    ),
)


class CollectSettings(NamedTuple):  # a NamedTuple: a dataclass costs the cold start ~1 ms, and no secret is here
    """What and how the pull side reads (COLLECT_*, CHECKPOINT_*, OCI_*_ENDPOINT)."""

    sources: tuple[str, ...]  #: sources a task body may read (COLLECT_SOURCES); () = not a collector
    audit_method: str  #: "search" or "list-events"
    lookback_minutes: int
    lag_minutes: int
    queries: dict[str, str]  #: name -> Logging Search query
    regions: tuple[str, ...] | None  #: None = every subscribed region
    tenancy: str | None  #: None = the principal's tenancy
    compartment: str | None  #: the subtree read; None = the whole tenancy
    tenancies: tuple | None  #: `tenancies.Tenancy` of COLLECT_TENANCIES; None = the one tenancy
    workers: int
    checkpoint_bucket: str | None
    checkpoint_namespace: str | None
    endpoints: dict[str, str | None]  #: service (forwarder.oci.clients.SERVICES) -> override
    streams: Any = None  #: `stream_config.StreamSettings` (the `stream` source)


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The collector's part of `forwarder.settings.Settings`."""
    return {"collect": collect(c)}


def collect(c: dict[str, Any]) -> CollectSettings:
    sources = c["COLLECT_SOURCES"] or ()
    if "logsearch" in sources and not c["COLLECT_QUERIES"]:
        raise ConfigError("COLLECT_QUERIES: the logsearch source needs at least one named query")
    if "stream" in sources and not c["COLLECT_STREAMS"]:
        raise ConfigError("COLLECT_STREAMS: the stream source needs at least one stream OCID")
    return CollectSettings(
        sources=sources,
        audit_method=c["COLLECT_AUDIT_METHOD"],
        lookback_minutes=c["COLLECT_LOOKBACK_MINUTES"],
        lag_minutes=c["COLLECT_LAG_MINUTES"],
        queries=c["COLLECT_QUERIES"] or {},
        regions=c["COLLECT_REGIONS"],
        tenancy=c["COLLECT_TENANCY_OCID"],
        compartment=c["COLLECT_COMPARTMENT_OCID"],
        tenancies=c["COLLECT_TENANCIES"],
        workers=c["COLLECT_WORKERS"],
        checkpoint_bucket=c["CHECKPOINT_BUCKET"],
        checkpoint_namespace=c["CHECKPOINT_NAMESPACE"],
        endpoints={
            "identity": c["OCI_IDENTITY_ENDPOINT"],
            "audit": c["OCI_AUDIT_ENDPOINT"],
            "cloudguard": c["OCI_CLOUDGUARD_ENDPOINT"],
            "logsearch": c["OCI_LOGGING_SEARCH_ENDPOINT"],
            "objectstorage": c["OCI_OBJECTSTORAGE_ENDPOINT"],
            "notification": c["OCI_NOTIFICATION_ENDPOINT"],
            "streaming-admin": c["OCI_STREAMING_ENDPOINT"],
        },
        streams=stream_config.streams(c),
    )
