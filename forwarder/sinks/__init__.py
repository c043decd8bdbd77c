"""Sinks: transports for encoded payloads, one module each (`syslog`, `http`, `log`), one face (`base.Sink`)."""

from forwarder.sinks.base import DeliveryError, Sink, describe, time_left

__all__ = ["DeliveryError", "Sink", "describe", "time_left"]
