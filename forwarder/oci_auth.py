"""The function's resource-principal signer, built once per container.

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


def bounded_retry():
    """An SDK retry strategy of at most 3 attempts and 20 s (the default spent 94 s on a 503)."""
    import oci

    return oci.retry.RetryStrategyBuilder(
        max_attempts_check=True, max_attempts=3, total_elapsed_time_check=True, total_elapsed_time_seconds=20
    ).get_retry_strategy()
