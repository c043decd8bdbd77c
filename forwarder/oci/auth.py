"""The principals that sign OCI API requests: resource principal, instance principal, API key.

- `resource_principal`: OCI Functions. The signer reads OCI_RESOURCE_PRINCIPAL_RPST and _PRIVATE_PEM
  (file paths in OCI Functions); it is built once per container and kept, but never trusted forever:
  on a 401 the SDK calls `signer.refresh_security_token()`, which re-reads both files and retries once.
- `instance_principal`: a compute instance in a dynamic group.
- `api_key`: a user's API key from the OCI config file (`~/.oci/config`) and a profile.

`Principal` is the signer with what the principal says of itself: its tenancy and its region (the
function's region, the instance's, or the profile's `region`). `oci` is imported on first use only.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

AUTH_MODES = ("resource_principal", "instance_principal", "api_key")

_resource_signer = None


class AuthError(RuntimeError):
    """The principal cannot be set up (no config file, no such profile, not on an instance, ...)."""


class Principal(NamedTuple):
    """A signer and what its principal names: `tenancy` and `region` (None when it does not say), and
    `config` (the config file's profile for `api_key`, which the SDK clients validate; else empty)."""

    signer: Any
    tenancy: str | None
    region: str | None
    config: dict[str, Any]


def default_auth() -> str:
    """The principal when none is named: the resource principal inside OCI Functions (its environment is
    set), else the API key of the OCI config file."""
    return "resource_principal" if os.environ.get("OCI_RESOURCE_PRINCIPAL_VERSION") else "api_key"


def resource_signer():
    """The container's resource-principal signer (oci.auth.signers.get_resource_principals_signer)."""
    global _resource_signer
    if _resource_signer is None:
        import oci

        _resource_signer = oci.auth.signers.get_resource_principals_signer()
    return _resource_signer


def reset() -> None:
    """Forget the container's signer (tests; a new container)."""
    global _resource_signer
    _resource_signer = None


def principal(auth: str, config_file: str | None = None, profile: str | None = None) -> Principal:
    """Set up the principal `auth` (one of AUTH_MODES).

    Raises:
        AuthError: naming the principal and why (the SDK's own message).
    """
    if auth not in AUTH_MODES:
        raise AuthError(f"auth: expected one of {', '.join(AUTH_MODES)}; got {auth!r}")
    import oci

    try:
        if auth == "resource_principal":
            signer = resource_signer()
            return Principal(signer, getattr(signer, "tenancy_id", None), getattr(signer, "region", None), {})
        if auth == "instance_principal":
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
            return Principal(signer, getattr(signer, "tenancy_id", None), getattr(signer, "region", None), {})
        config = oci.config.from_file(config_file or oci.config.DEFAULT_LOCATION, profile or oci.config.DEFAULT_PROFILE)
        signer = oci.signer.Signer(
            tenancy=config["tenancy"],
            user=config["user"],
            fingerprint=config["fingerprint"],
            private_key_file_location=config.get("key_file"),
            pass_phrase=config.get("pass_phrase"),
            private_key_content=config.get("key_content"),
        )
        return Principal(signer, config["tenancy"], config.get("region"), config)
    except Exception as exc:
        raise AuthError(f"cannot set up the {auth} principal: {type(exc).__name__}: {exc}") from None


def describe_error(exc: BaseException) -> str:
    """One line for an SDK failure: `HTTP <status> <code>` for service errors, else type and message."""
    status = getattr(exc, "status", None)
    if status:
        return f"HTTP {status} {getattr(exc, 'code', '') or ''}".strip()
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
