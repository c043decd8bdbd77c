"""Enrichment's configuration (ENRICH_*): keys and typed settings."""

from __future__ import annotations

from typing import Any, NamedTuple

from forwarder.config import Key
from forwarder.config import values as v

KEYS: tuple[Key, ...] = (
    Key(
        "ENRICH_NAMES",
        v.boolean,
        True,
        "false",
        "Names for the OCIDs of each record from the OCI APIs: compartment name and path, tenancy name, the "
        "user's name, e-mail and groups, a group changed, a Cloud Guard target. A kind whose policy is not "
        "granted (403/404) turns itself off with a warning.",
        shown="true",
    ),
    Key(
        "ENRICH_CACHE_SECONDS",
        v.integer(60, 86400),
        3600,
        "600",
        "How long a name is kept (per container, and in Redis when DETECTION_STATE_URL is set), in seconds.",
    ),
)


class EnrichSettings(NamedTuple):
    names: bool  #: whether records are enriched at all
    cache_seconds: int


def sections(c: dict[str, Any]) -> dict[str, Any]:
    """The enrichment part of `forwarder.settings.Settings`."""
    return {"enrich": EnrichSettings(c["ENRICH_NAMES"], c["ENRICH_CACHE_SECONDS"])}


def build(e: EnrichSettings, clients, redis=None):
    """The enrich stage (`stage.Enricher`) with its cache (`redis`: the detector's Redis client, when
    DETECTION_STATE_URL is set), or None when ENRICH_NAMES is false."""
    if not e.names:
        return None
    from forwarder.enrich.cache import NameCache
    from forwarder.enrich.stage import Enricher

    return Enricher(clients, NameCache(e.cache_seconds, redis))
