"""The `stream` source's configuration: OCI Streaming streams read with a consumer group (COLLECT_STREAM*)."""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.config import Invalid, Key
from forwarder.config import values as v


def stream_list(raw: str) -> tuple[str, ...]:
    """Comma-separated stream OCIDs (`ocid1.stream.<realm>.<region key>.<id>`), each once; the region is
    read from the OCID."""
    parse = v.ocid("stream")
    streams = tuple(dict.fromkeys(s.strip() for s in raw.split(",") if s.strip()))
    if not streams:
        raise Invalid("one or more stream OCIDs, comma-separated")
    for stream in streams:
        try:
            parse(stream)
        except Invalid as exc:
            raise Invalid(f"{stream!r}: {exc}") from None
        if not stream.split(".")[3]:
            raise Invalid(f"{stream!r}: the OCID names no region")
    return streams


KEYS: tuple[Key, ...] = (
    Key(
        "COLLECT_STREAMS",
        stream_list,
        None,
        "ocid1.stream.oc1.iad.amaaaaaa",
        "Streams the `stream` source reads (comma-separated OCIDs; a Connector Hub or Events rule route into "
        "OCI Streaming), each in the region its OCID names, with the consumer group COLLECT_STREAM_GROUP.",
        shown="(none)",
        scope="collector",
    ),
    Key(
        "COLLECT_STREAM_GROUP",
        v.text,
        "oci-forwarder",
        "siem-forwarder",
        "The consumer group: collectors of one group share the partitions; the group's cursor is committed only "
        "once every message read was delivered or dead-lettered.",
        scope="collector",
    ),
    Key(
        "COLLECT_STREAM_START",
        v.choice("TRIM_HORIZON", "LATEST", fold=str.upper),
        "TRIM_HORIZON",
        "LATEST",
        "Where a new consumer group starts: `TRIM_HORIZON` (the oldest message kept) or `LATEST` (what comes "
        "next); an existing group goes on from its committed offsets.",
        scope="collector",
    ),
    Key(
        "COLLECT_STREAM_BATCH",
        v.integer(1, 10000),
        500,
        "1000",
        "Messages read by one GetMessages and delivered before the cursor is committed (bounded memory).",
        scope="collector",
    ),
    Key(
        "COLLECT_STREAM_TIMEOUT_SECONDS",
        v.integer(1, 300),
        30,
        "60",
        "Seconds a collector may be silent before the group gives its partitions to another; it sends a "
        "heartbeat every third of it while slow sinks are retried.",
        scope="collector",
    ),
)


class StreamSettings(NamedTuple):
    """How the `stream` source reads (COLLECT_STREAM*)."""

    streams: tuple[str, ...]  #: stream OCIDs; () = none configured
    group: str  #: the consumer group
    start: str  #: TRIM_HORIZON or LATEST, for a new group
    batch: int  #: messages a GetMessages, at most
    timeout: int  #: seconds of silence before the group rebalances


def streams(c: dict[str, Any]) -> StreamSettings:
    return StreamSettings(
        streams=c["COLLECT_STREAMS"] or (),
        group=c["COLLECT_STREAM_GROUP"],
        start=c["COLLECT_STREAM_START"],
        batch=c["COLLECT_STREAM_BATCH"],
        timeout=c["COLLECT_STREAM_TIMEOUT_SECONDS"],
    )


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """No section of its own: `collect.config.collect` puts StreamSettings in CollectSettings."""
    return {}
