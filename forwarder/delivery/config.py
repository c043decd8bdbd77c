"""The dead letter's configuration (DEAD_LETTER_*; its endpoint is OCI_OBJECTSTORAGE_ENDPOINT)."""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.config import Key
from forwarder.config import values as v

KEYS: tuple[Key, ...] = (
    Key(
        "DEAD_LETTER_BUCKET",
        v.text,
        None,
        "oci-forwarder-dead-letter",
        "Object Storage bucket where events that cannot be delivered are kept (NDJSON, one object per invocation "
        "and sink).",
        shown="(none: undeliverable events fail the invocation)",
    ),
    Key(
        "DEAD_LETTER_NAMESPACE",
        v.text,
        None,
        "axaxnpcrorw5",
        "Object Storage namespace of the dead-letter bucket.",
        shown="(looked up)",
    ),
)


class DeadLetterSettings(NamedTuple):
    """Where undeliverable events are kept."""

    bucket: str
    namespace: str | None  #: None: looked up


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The dead letter's part of `forwarder.settings.Settings`."""
    bucket = c["DEAD_LETTER_BUCKET"]
    return {"dead_letter": DeadLetterSettings(bucket, c["DEAD_LETTER_NAMESPACE"]) if bucket else None}
