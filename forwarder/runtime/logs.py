"""The forwarder's logger: INFO and up, secret values scrubbed, chatty client libraries quieted.

fdk sets the root logger to DEBUG when imported; urllib3, httpx and the OCI SDK would then
log every request, headers included. `setup()` is idempotent and runs at import of the handler and CLI.
"""

from __future__ import annotations

import logging

from forwarder.runtime.scrub import ScrubFilter

log = logging.getLogger("forwarder")
_QUIET = ("urllib3", "httpx", "httpcore", "oci", "asyncio")


def setup(level: int = logging.INFO) -> logging.Logger:
    """Configure the `forwarder` logger once (at `level`: the CLI's -v / -q); return it. Client libraries
    stay at WARNING (their DEBUG lines carry request headers, so -v does not open them)."""
    if not any(isinstance(f, ScrubFilter) for f in log.filters):
        log.addFilter(ScrubFilter())  # no secret value reaches the function log
        for name in _QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
    log.setLevel(level)
    return log
