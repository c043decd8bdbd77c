"""Secrets from OCI Vault, read with the function's resource principal.

`oci` is imported on first use only: importing it costs about 0.25 s and 54 MB.
"""

from __future__ import annotations

import base64
import binascii
import json

from forwarder.runtime import oci_auth
from forwarder.runtime.scrub import register


class SecretError(RuntimeError):
    """A Vault secret could not be read. The message names the configuration key, never the value."""


def read_secret(secret_ocid: str, *, key: str, endpoint: str | None = None, timeout: float = 10.0) -> str:
    """Read the CURRENT version of a Vault secret as text.

    Calls `GET /20190301/secretbundles/{secretId}?stage=CURRENT` (Vault Secret Retrieval API)
    through `oci.secrets.SecretsClient`, signed by the resource-principal signer (the
    OCI_RESOURCE_PRINCIPAL_* environment of OCI Functions), with a bounded retry.

    Args:
        secret_ocid: the secret's OCID.
        key: the configuration key that named it (for error messages).
        endpoint: service endpoint override (OCI_SECRETS_ENDPOINT); default: the signer's region.
        timeout: connect and read timeout, seconds.
    Returns:
        The decoded secret content, surrounding whitespace stripped.
    Raises:
        SecretError: naming `key` and the reason (HTTP status, missing principal...).
    """
    try:
        import oci

        client = oci_auth.client(oci.secrets.SecretsClient, endpoint=endpoint, timeout=timeout)
        bundle = client.get_secret_bundle(secret_ocid, stage="CURRENT").data
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
    except Exception as exc:  # the SDK raises many types; all mean "could not read"
        detail = oci_auth.describe_error(exc)
        if isinstance(exc, (binascii.Error, UnicodeDecodeError)):
            detail = "secret content is not base64-encoded UTF-8 text"
        raise SecretError(f"{key}: cannot read Vault secret {secret_ocid}: {detail}") from None
