"""OCI Functions entry point (func.yaml: `fdk /function/func.py handler`). The work is in forwarder/."""

from forwarder.handler import handler

__all__ = ["handler"]
