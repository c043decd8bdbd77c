"""Secrets from OCI Vault, read with the function's resource principal.

`oci` is imported on first use only: importing it costs about 0.25 s and 54 MB.
"""

from __future__ import annotations

import base64
import binascii
import json
import time

from forwarder.runtime.scrub import register

#: Most seconds spent reading one secret, retries included.
SECONDS = 20.0


class SecretError(RuntimeError):
    """A Vault secret could not be read. The message names the configuration key, never the value."""


def read_secret(secret_ocid: str, *, key: str, clients) -> str:
    """Read the CURRENT version of a Vault secret as text.

    Calls `GET /20190301/secretbundles/{secretId}?stage=CURRENT` (Vault Secret Retrieval API) through
    `oci.secrets.SecretsClient` and `forwarder.oci.calls.call` (the one retry rule), for at most
    SECONDS in all.

    Args:
        secret_ocid: the secret's OCID.
        key: the configuration key that named it (for error messages).
        clients: `forwarder.oci.clients.Clients` (the function's resource principal; OCI_SECRETS_ENDPOINT).
    Returns:
        The decoded secret content, surrounding whitespace stripped.
    Raises:
        SecretError: naming `key` and the reason (HTTP status, missing principal...).
    """
    from forwarder.oci.auth import describe_error
    from forwarder.oci.calls import call

    try:
        client = clients.get("secrets")
        bundle = call(client.get_secret_bundle, secret_ocid, stage="CURRENT", deadline=time.monotonic() + SECONDS).data
        content = bundle.secret_bundle_content.content
        value = base64.b64decode(content, validate=True).decode("utf-8").strip()
        register(value)
        if value.startswith("{"):  # a JSON secret (ticket credentials): its values are secrets too
            try:
                register(*(v for v in json.loads(value).values() if isinstance(v, str)))
            except (ValueError, AttributeError):
                pass
        return value
    except SecretError:
        raise
    except Exception as exc:  # Failure, AuthError, a bad bundle: all mean "could not read"
        detail = getattr(exc, "reason", None) or describe_error(exc)
        if isinstance(exc, (binascii.Error, UnicodeDecodeError)):
            detail = "secret content is not base64-encoded UTF-8 text"
        raise SecretError(f"{key}: cannot read Vault secret {secret_ocid}: {detail}") from None


def secret_or_plain(plain: str | None, secret_ocid: str | None, *, key: str, clients) -> str | None:
    """A credential given either way: the Vault secret `secret_ocid` when set (`read_secret`, named by `key`),
    else `plain` (plaintext config, local use); registered as a secret either way.

    Raises:
        SecretError: the secret cannot be read.
    """
    value = read_secret(secret_ocid, key=key, clients=clients) if secret_ocid else plain
    register(value)
    return value
