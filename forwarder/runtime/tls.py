"""TLS client contexts: verification on by default (CERT_REQUIRED, host name checked, TLS >= 1.2).

`ssl` loads client certificates and keys only from files, so PEM text (a key read from Vault, a
certificate inline in function config) is written to a file in a private temporary directory
(mode 0700), loaded, and removed before `client_context` returns: no key material stays on disk.
"""

from __future__ import annotations

import os
import ssl

PEM_BEGIN = "-----BEGIN"


class TlsMaterialError(ValueError):
    """A CA bundle, client certificate or key cannot be used.

    Attributes:
        part: "ca", "cert" or "key": which input is at fault (the caller names its configuration key).
        reason: one line, without the material itself.
    """

    def __init__(self, part: str, reason: str):
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason


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
        client_cert: client certificate (path or PEM text) for mutual TLS, with `client_key`.
        client_key: its private key (path or PEM text).
        verify: False only for SIEM_TLS_INSECURE_SKIP_VERIFY=true (no certificate or host name check).
    Raises:
        TlsMaterialError: naming the part ("ca", "cert", "key") that is missing, unreadable or not PEM.
    """
    try:
        if ca_cert and ca_cert.startswith(PEM_BEGIN):
            context = ssl.create_default_context(cadata=ca_cert)
        else:
            context = ssl.create_default_context(cafile=ca_cert)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise TlsMaterialError("ca", f"not a readable PEM certificate bundle ({_why(exc)})") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if client_cert:
        _load_chain(context, client_cert, client_key)
    return context


def _load_chain(context: ssl.SSLContext, cert: str, key: str | None) -> None:
    _check_pem("cert", cert, "CERTIFICATE")
    if key:
        _check_pem("key", key, "PRIVATE KEY")
    import shutil  # here, not at the top: only TLS with PEM text needs them (cold start)
    import tempfile

    private = tempfile.mkdtemp(prefix="forwarder-tls-")  # 0700: readable by this user only
    try:
        cert_path = _as_file(cert, private, "cert.pem")
        key_path = _as_file(key, private, "key.pem") if key else None
        context.load_cert_chain(cert_path, key_path)
    except (ssl.SSLError, OSError) as exc:
        raise TlsMaterialError("key", f"does not match the client certificate or is not usable ({_why(exc)})") from None
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _check_pem(part: str, value: str, label: str) -> None:
    if value.startswith(PEM_BEGIN):
        text = value
    else:
        try:
            with open(value, encoding="ascii", errors="replace") as handle:
                text = handle.read()
        except (OSError, ValueError) as exc:  # ValueError: a NUL in what was taken for a path
            raise TlsMaterialError(
                part,
                f"expected PEM text starting with {PEM_BEGIN} or a readable file path; "
                f"{_named(part, value)} cannot be read ({_why(exc)})",
            ) from None
    if f"{PEM_BEGIN} " not in text or label not in text:
        raise TlsMaterialError(part, f"expected PEM text with a {label} block")


def _named(part: str, value: str) -> str:
    """How an error may name a value: a certificate's path as given, never a key's value (it may be the key)."""
    if part != "key" and len(value) <= 256 and value.isprintable():
        return repr(value)
    return f"the value ({len(value)} characters)"


def _as_file(pem_or_path: str, directory: str, name: str) -> str:
    if not pem_or_path.startswith(PEM_BEGIN):
        return pem_or_path
    path = os.path.join(directory, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write(pem_or_path)
    return path


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or " ".join(str(exc).split()) or type(exc).__name__


def checked_context(
    names: dict[str, str], ca: str | None, cert: str | None = None, key: str | None = None, verify: bool = True
) -> ssl.SSLContext:
    """`client_context`, with unusable material reported as a ConfigError naming its configuration key
    (`names`: "ca", "cert", "key" -> key name).

    Raises:
        forwarder.config.ConfigError: `<KEY>: <what is wrong>`.
    """
    from forwarder.config import ConfigError

    try:
        return client_context(ca, cert, key, verify=verify)
    except TlsMaterialError as exc:
        raise ConfigError(f"{names.get(exc.part, exc.part)}: {exc.reason}") from None
