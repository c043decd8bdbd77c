"""TLS client contexts: verification on by default (CERT_REQUIRED, hostname checked, TLS >= 1.2)."""

from __future__ import annotations

import os
import ssl
import tempfile


def client_context(
    ca_cert: str | None = None,
    client_cert: str | None = None,
    client_key: str | None = None,
    *,
    verify: bool = True,
) -> ssl.SSLContext:
    """Build a verifying client context.

    Args:
        ca_cert: CA bundle as a file path or PEM text; None uses the system trust store.
        client_cert: client certificate (path or PEM) for mutual TLS, with `client_key`.
        client_key: its private key (path or PEM text). PEM text is written to a file readable
            only by this process's user, because `ssl` loads keys from files.
        verify: False only for SIEM_TLS_INSECURE_SKIP_VERIFY=true (no certificate or host name check).
    Raises:
        ssl.SSLError, OSError: the bundle, certificate or key cannot be loaded.
    """
    if ca_cert and ca_cert.startswith("-----BEGIN"):
        context = ssl.create_default_context(cadata=ca_cert)
    else:
        context = ssl.create_default_context(cafile=ca_cert)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if client_cert:
        context.load_cert_chain(_as_file(client_cert), _as_file(client_key) if client_key else None)
    return context


def _as_file(pem_or_path: str) -> str:
    if not pem_or_path.startswith("-----BEGIN"):
        return pem_or_path
    fd, path = tempfile.mkstemp(prefix="forwarder-", suffix=".pem")
    with os.fdopen(fd, "w") as handle:
        handle.write(pem_or_path)
    return path
