"""Delivery: routes (format + sink), the send loop with retries (`retry`), dead letters, the
per-sink memory of handled ids (`dedupe`), the summary, and replay of dead letters.

Modules are imported directly (`forwarder.delivery.pipeline`, ...): this package imports nothing, so
a sink can use `forwarder.retry` without loading the pipeline.
"""
