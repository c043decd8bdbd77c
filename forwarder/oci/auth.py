"""The principals that sign OCI API requests: resource principal, instance principal, API key.

- `resource_principal`: OCI Functions. The signer reads OCI_RESOURCE_PRINCIPAL_RPST and _PRIVATE_PEM
  (file paths in OCI Functions); it is built once per container and kept, but never trusted forever:
  on a 401 the SDK calls `signer.refresh_security_token()`, which re-reads both files and retries once.
- `instance_principal`: a compute instance in a dynamic group.
- `api_key`: a user's API key from the OCI config file (`~/.oci/config`) and a profile.
- `security_token`: a session of the OCI config file's profile (`oci session authenticate`, what
  single sign-on users have): its `security_token_file` and `key_file`, as the OCI CLI's
  `--auth security_token`.

`Principal` is the signer with what the principal says of itself: its tenancy and its region (the
function's region, the instance's, or the profile's `region`). `oci` is imported on first use only.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

AUTH_MODES = ("resource_principal", "instance_principal", "api_key", "security_token")
#: Keys a profile needs, per mode of the config file.
_PROFILE_KEYS = {
    "api_key": ("user", "fingerprint", "tenancy", "region"),
    "security_token": ("security_token_file", "key_file", "tenancy", "region"),
}
_SETUP = {
    "api_key": "`oci setup config` (an API key)",
    "security_token": "`oci session authenticate` (a browser sign-in)",
}

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
        AuthError: one line naming the principal, what is wrong and the fix (`oci setup config`,
            `oci session authenticate`, `--profile`).
    """
    if auth not in AUTH_MODES:
        raise AuthError(f"auth: expected one of {', '.join(AUTH_MODES)}; got {auth!r}")
    if auth == "resource_principal" and not os.environ.get("OCI_RESOURCE_PRINCIPAL_VERSION"):
        # said before the SDK is imported: a process without a principal pays no `import oci` to learn it
        raise AuthError("no resource principal here: OCI_RESOURCE_PRINCIPAL_VERSION is not set (not in OCI Functions)")
    import oci

    if auth in _PROFILE_KEYS:
        config = profile_config(auth, config_file, profile)
    try:
        if auth == "resource_principal":
            signer = resource_signer()
            return Principal(signer, getattr(signer, "tenancy_id", None), getattr(signer, "region", None), {})
        if auth == "instance_principal":
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
            return Principal(signer, getattr(signer, "tenancy_id", None), getattr(signer, "region", None), {})
        if auth == "security_token":
            private = oci.signer.load_private_key_from_file(config["key_file"], config.get("pass_phrase"))
            signer = oci.auth.signers.SecurityTokenSigner(_session_token(config, profile), private)
        else:
            signer = oci.signer.Signer(
                tenancy=config["tenancy"],
                user=config["user"],
                fingerprint=config["fingerprint"],
                private_key_file_location=config.get("key_file"),
                pass_phrase=config.get("pass_phrase"),
                private_key_content=config.get("key_content"),
            )
        return Principal(signer, config["tenancy"], config.get("region"), config)
    except AuthError:
        raise
    except Exception as exc:
        raise AuthError(f"cannot set up the {auth} principal: {type(exc).__name__}: {exc}") from None


def check(auth: str, config_file: str | None = None, profile: str | None = None) -> None:
    """Check, without any API call, that the principal `auth` can be set up (the CLI does this first).

    Raises:
        AuthError: as `principal`.
    """
    if auth in _PROFILE_KEYS:
        principal(auth, config_file, profile)


def profile_config(auth: str, config_file: str | None, profile: str | None) -> dict[str, Any]:
    """The profile of the OCI config file that `auth` ("api_key" or "security_token") signs with.

    Raises:
        AuthError: no config file, no such profile, or a key the mode needs is missing; each naming the fix.
    """
    import oci

    path = config_file or oci.config.DEFAULT_LOCATION
    name = profile or oci.config.DEFAULT_PROFILE
    fix = f"run {_SETUP[auth]}, or name another file with --config-file or OCI_CLI_CONFIG_FILE"
    try:
        config = oci.config.from_file(path, name)
    except oci.exceptions.ConfigFileNotFound:
        raise AuthError(f"no OCI config file at {path}: {fix}") from None
    except oci.exceptions.ProfileNotFound:
        import configparser

        names = configparser.ConfigParser(interpolation=None)
        names.read(os.path.expanduser(path))
        known = ", ".join(names.sections() + (["DEFAULT"] if names.defaults() else [])) or "none"
        raise AuthError(
            f"profile {name!r} is not in {path} (profiles: {known}): name one with --profile or OCI_CLI_PROFILE"
        ) from None
    except Exception as exc:  # an unreadable file, a key file that does not exist, ...
        raise AuthError(f"cannot read {path}, profile {name!r}: {type(exc).__name__}: {exc}") from None
    missing = [k for k in _PROFILE_KEYS[auth] if not config.get(k)]
    if auth == "api_key" and not config.get("key_file") and not config.get("key_content"):
        missing.append("key_file")
    if missing:
        hint = " (a session profile? use --auth security_token)" if config.get("security_token_file") else ""
        raise AuthError(f"profile {name!r} of {path} has no {', '.join(missing)}{hint}: {fix}")
    return config


def _session_token(config: dict[str, Any], profile: str | None) -> str:
    """The session token of a `security_token` profile, checked for expiry (the JWT's `exp`).

    Raises:
        AuthError: the token file cannot be read, or the session has expired.
    """
    import base64
    import json
    import time

    path = os.path.expanduser(config["security_token_file"])
    try:
        with open(path, encoding="ascii") as f:
            token = f.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthError(f"cannot read the session token {path}: {exc}: run `oci session authenticate`") from None
    try:
        claims = token.split(".")[1]
        expires = float(json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        raise AuthError(f"{path} is not a session token: run `oci session authenticate`") from None
    if expires <= time.time():
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
        which = f" --profile {profile}" if profile else ""
        raise AuthError(
            f"the session in {path} expired at {when}: run `oci session refresh{which}` "
            "(within its refresh window) or `oci session authenticate`"
        )
    return token


def describe_error(exc: BaseException) -> str:
    """One line for an SDK failure: `HTTP <status> <code>` for service errors, else type and message."""
    status = getattr(exc, "status", None)
    if status:
        return f"HTTP {status} {getattr(exc, 'code', '') or ''}".strip()
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
