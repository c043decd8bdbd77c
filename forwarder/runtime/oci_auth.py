"""The function's resource-principal signer, built once per container, and OCI SDK clients using it.

The signer reads OCI_RESOURCE_PRINCIPAL_RPST and _PRIVATE_PEM (file paths in OCI Functions). It is
kept, not rebuilt, but never trusted forever: on a 401 the OCI SDK calls
`signer.refresh_security_token()`, which re-reads both files and retries once (oci base_client).
`oci` is imported on first use only.
"""

from __future__ import annotations

_signer = None


def signer():
    """The container's resource-principal signer (oci.auth.signers.get_resource_principals_signer)."""
    global _signer
    if _signer is None:
        import oci

        _signer = oci.auth.signers.get_resource_principals_signer()
    return _signer


def reset() -> None:
    """Forget the signer (tests; a new container)."""
    global _signer
    _signer = None


def client(factory, *, endpoint: str | None, timeout: float, retry_strategy=None):
    """An OCI SDK client (`factory`, e.g. oci.secrets.SecretsClient) signed by the container's signer.

    Args:
        endpoint: service endpoint override, or None for the signer's region. A trailing slash is
            dropped: the SDK would sign `//path` while the server sees `/path` (401).
        timeout: connect and read timeout, seconds.
        retry_strategy: an oci.retry strategy; default `bounded_retry()`.
    """
    kwargs = {
        "signer": signer(),
        "timeout": (timeout, timeout),
        "retry_strategy": retry_strategy if retry_strategy is not None else bounded_retry(),
    }
    if endpoint:
        kwargs["service_endpoint"] = endpoint.rstrip("/")
    from forwarder import USER_AGENT

    return factory({"additional_user_agent": USER_AGENT}, **kwargs)


def describe_error(exc: BaseException) -> str:
    """One line for an SDK failure: `HTTP <status> <code>` for service errors, else type and message."""
    status = getattr(exc, "status", None)
    if status:
        return f"HTTP {status} {getattr(exc, 'code', '') or ''}".strip()
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def cap_timeout(client, seconds: float, left: float | None) -> None:
    """Set an SDK client's (connect, read) timeout for its next requests to `seconds`, or to the `left`
    seconds before a deadline when that is less. Per client (oci BaseClient.timeout)."""
    if left is not None:
        seconds = min(seconds, left)
    client.base_client.timeout = (seconds, seconds)


def bounded_retry():
    """An SDK retry strategy of at most 3 attempts and 20 s (the default spent 94 s on a 503)."""
    import oci

    return oci.retry.RetryStrategyBuilder(
        max_attempts_check=True, max_attempts=3, total_elapsed_time_check=True, total_elapsed_time_seconds=20
    ).get_retry_strategy()
