"""The forwarder's logger: INFO and up, secret values scrubbed, chatty client libraries quieted.

fdk sets the root logger to DEBUG when imported; urllib3, httpx and the OCI SDK would then
log every request, headers included. `setup()` is idempotent and runs at import of the handler and CLI.
"""

from __future__ import annotations

import logging

from forwarder.runtime.scrub import ScrubFilter

log = logging.getLogger("forwarder")
_QUIET = ("urllib3", "httpx", "httpcore", "oci", "asyncio")


def setup() -> logging.Logger:
    """Configure the `forwarder` logger once; return it."""
    if not any(isinstance(f, ScrubFilter) for f in log.filters):
        log.setLevel(logging.INFO)
        log.addFilter(ScrubFilter())  # no secret value reaches the function log
        for name in _QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
    return log
