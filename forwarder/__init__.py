"""OCI security event forwarder: Cloud Guard problems and audit events to SIEMs.

Data path: `parse` (bytes -> raw events -> `Record`) -> `formats` (record -> bytes) -> `sinks`
(bytes -> syslog/HTTP/log). `pipeline.Forwarder` runs it; `handler` is the fdk glue.
"""

__version__ = "0.1.0"
VENDOR = "Oracle"
PRODUCT = "OCI Security Event Forwarder"
