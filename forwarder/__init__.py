"""OCI security event forwarder: Cloud Guard problems and audit events to SIEMs and ticket systems.

The data path, the same for every input: `sources` (bodies -> raw events) -> `normalize` (one
`Record`, credentials redacted) -> `delivery` (routes, retries, dead letter, summary) -> `sinks` /
`tickets`, with `formats` pure (record in, bytes out). `settings` validates configuration,
`wiring` builds the path from it, `handler` is the fdk glue and `cli` the command line.
"""

__version__ = "0.1.0"
VENDOR = "Oracle"
PRODUCT = "OCI Security Event Forwarder"
