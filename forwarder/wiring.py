"""Builds the data path from validated settings: routes (a format and a sink), tickets, dead letter, enricher,
detector.

Each component builds its own part from its own settings (`sinks.build`, `tickets.config.build`,
`detect.config.build`), reading what settings only name: Vault secrets and certificate files or PEM
text, with the function's clients (`oci.clients.for_function`). Here the routes join a format to a
sink. Run once per container (`forwarder.tasks.Container`) or per CLI run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from forwarder.delivery.route import Route
from forwarder.normalize.credentials import scrub_bytes
from forwarder.oci.clients import Clients, for_function
from forwarder.pipeline import Pipeline
from forwarder.settings import Settings

if TYPE_CHECKING:
    from forwarder.normalize.record import Record


def build(settings: Settings, clients: Clients | None = None) -> Pipeline:
    """The pipeline `settings` configure (reads Vault secrets and certificates, once). `clients` sign its
    own OCI calls (dead letters, Vault, rule buckets): default the function's (`for_function`); the CLI
    passes its principal's.

    Raises:
        ConfigError: a CA bundle, client certificate, key or rule file is unusable (named by key).
        forwarder.oci.vault.SecretError: a configured Vault secret cannot be read.
    """
    from forwarder.detect import config as detection

    clients = clients or for_function(settings)
    dead_letter = None
    if settings.dead_letter is not None:
        from forwarder.delivery.deadletter import open_store

        dead_letter = open_store(settings.dead_letter, clients)
    tracker = None
    if settings.tickets is not None:
        from forwarder.tickets import config as tickets

        tracker = tickets.build(settings.tickets, clients, settings.timeout)
    from forwarder.enrich import config as enrichment

    detector = detection.build(settings.detection, clients)
    redis = getattr(detector.state, "client", None) if detector is not None else None  # one connection
    return Pipeline(
        build_routes(settings, clients),
        region=settings.region,
        tracker=tracker,
        dead_letter=dead_letter,
        detector=detector,
        enricher=enrichment.build(settings.enrich, clients, redis),
    )


def build_routes(settings: Settings, clients: Clients | None = None) -> list[Route]:
    """The routes for `settings`: syslog and/or HTTP, or the log sink when neither is set."""
    from forwarder.formats import http_bodies, record_json
    from forwarder.formats import syslog as syslog_format
    from forwarder.formats.shape import shaper
    from forwarder.sinks import build as sinks

    clients = clients or for_function(settings)
    routes: list[Route] = []
    if settings.syslog:
        s = settings.syslog
        sink = sinks.syslog_sink(s, clients, settings.timeout, settings.insecure_skip_verify)
        frame = syslog_format.rfc5424 if s.format == "rfc5424" else syslog_format.rfc3164
        payload = scrubbed(payload_encoder(s.payload, settings.volume["syslog"]))  # masked before a UDP cut
        facility, hostname, app_name, limit = s.facility, s.hostname, s.app_name, sink.max_payload_bytes

        def item(record):  # per-route constants bound once
            return frame(
                record, payload(record), facility=facility, hostname=hostname, app_name=app_name, max_bytes=limit
            )

        routes.append(Route(item, sink, accepts=accepts(settings, "syslog")))
    if settings.http:
        h = settings.http
        sink = sinks.http_sink(h, clients, settings.timeout, settings.insecure_skip_verify)
        volume = settings.volume["http"]
        if h.format == "splunk-hec":
            encode = partial(
                http_bodies.hec_item,
                index=h.splunk_index,
                sourcetype=h.splunk_sourcetype,
                source="oci:forwarder",
                host="oci",
                shape=shaper(volume.original, volume.fields),
            )
            join = http_bodies.hec_join
        else:
            encode, join = payload_encoder(h.format, volume), http_bodies.webhook_join
        routes.append(
            Route(scrubbed(encode), sink, join=join, batch_size=h.batch_size, accepts=accepts(settings, "http"))
        )
    if not routes:
        from forwarder.sinks.log import LogSink

        routes.append(Route(scrubbed(record_json.encode), LogSink()))
    return routes


def payload_encoder(name: str, volume) -> Callable[[Record], bytes]:
    """The payload format `name` (`formats.PAYLOADS`) with what the sink's `volume` settings leave of each
    record: JSON shaped (`formats.shape`), OCSF with or without `raw_data`; CEF and LEEF as they are."""
    from forwarder.formats import PAYLOADS, record_json
    from forwarder.formats.shape import shaper

    if name == "json":
        return record_json.shaped(shaper(volume.original, volume.fields))
    if name == "ocsf":
        from forwarder.formats import ocsf

        return partial(ocsf.encode, original=volume.original)
    return PAYLOADS[name]


def accepts(settings: Settings, sink: str) -> Callable[[dict], bool] | None:
    """The predicate of `sink`'s filter (`detect.filter`), or None when it takes every record."""
    condition = settings.volume[sink].filter
    if condition is None:
        return None
    from forwarder.detect.filter import predicate

    return predicate(condition, settings.detection.placeholders)


def scrubbed(encode: Callable[[Record], bytes]) -> Callable[[Record], bytes]:
    """`encode` whose output has every credential pattern masked (`normalize.credentials`): the second
    line of defence behind `normalize.redact`, for shapes no field rule knows."""

    def item(record: Record) -> bytes:
        return scrub_bytes(encode(record))

    return item
