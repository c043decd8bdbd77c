"""OCI security event forwarder: Cloud Guard problems and audit events to SIEMs and ticket systems.

The data path, the same for every input: `sources` (bodies -> raw events) -> `normalize` (one
`Record`, credentials redacted) -> `delivery` (routes, retries, dead letter, summary) -> `sinks` /
`tickets`, with `formats` pure (record in, bytes out). `settings` validates configuration,
`wiring` builds the path from it, `handler` is the fdk glue and `cli` the command line.
"""

__version__ = "0.1.0"
VENDOR = "Oracle"
PRODUCT = "OCI Security Event Forwarder"
#: Added to the user agent of every OCI API call the forwarder makes, so audit records name its own calls
#: (the List/Get burst rule leaves them out).
USER_AGENT = f"oci-security-forwarder/{__version__}"
