"""Sinks: where encoded payloads go (syslog over UDP, TCP, TLS and RELP; HTTP; the function log). Each
raises `forwarder.retry.Failure` for what it could not deliver."""

from forwarder.sinks.base import Sink, time_left

__all__ = ["Sink", "time_left"]
