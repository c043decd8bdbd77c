"""Where events come from, unwrapped to raw events (JSON objects); `normalize` maps them to Records.

Invocation bodies (`body.read_body`): the Events Service (one CloudEvents 0.1 event), Service Connector
Hub batches (`connector_hub`: `_Audit` log records, Streaming messages), Logging Search results
(`logging_search`), and JSON lines for replay. What is not an event becomes a `Reject`. Files and
standard input are read incrementally, in bounded batches (`files.read_batches`). The OCI APIs (the
pull side: audit, Cloud Guard, Logging Search) are read by `sources.api`, page by page, each source
with one face (`pull`).
"""

from forwarder.sources.body import Item, Reject, loads, read_body
from forwarder.sources.files import read_batches

__all__ = ["COLLECTED", "Item", "Reject", "loads", "read_body", "read_batches"]

#: The sources a collection reads from the OCI APIs (COLLECT_SOURCES, `collect --source`; `pull.source`).
COLLECTED = ("audit", "cloudguard", "logsearch", "stream")
