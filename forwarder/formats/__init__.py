"""Pure formats: a record (or a list of records) in, bytes out. No I/O, no configuration reads.

Payload formats (`PAYLOADS`) turn one `Record` into the MSG of a syslog message:
`record_json.encode` (JSON), `cef.encode` (ArcSight CEF), `leef.encode` (IBM LEEF 2.0), `ocsf.encode`
(OCSF 1.5.0 events). `shape` decides what a sink's JSON records keep.
`syslog.rfc5424` / `syslog.rfc3164` wrap a payload in a syslog header. `http_bodies` builds
HTTP request bodies (a JSON array per request, or Splunk HEC concatenated events).
"""

from forwarder.formats import cef, leef, ocsf, record_json

#: Payload format name (the value of SIEM_SYSLOG_PAYLOAD) -> encoder `(Record) -> bytes`.
PAYLOADS = {"json": record_json.encode, "cef": cef.encode, "leef": leef.encode, "ocsf": ocsf.encode}
