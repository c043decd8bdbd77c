"""A TLS listener on loopback that only completes handshakes (a receiver's front door), and certificates
made to order (valid, expired, for another host name, requiring a client certificate)."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path


def certificate(directory: Path, name: str, hosts=("localhost",), days=(-1, 30)) -> tuple[Path, Path]:
    """A self-signed certificate for `hosts` (DNS names), valid from `days[0]` to `days[1]` days from now;
    (certificate, key) PEM paths. The certificate is its own CA: trust it as the CA bundle."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class TlsListener:
    """Accepts TCP on 127.0.0.1 (`port`) and completes a TLS handshake with `cert`; with `client_ca`, a
    client certificate signed by it is required. Counts handshakes, keeps the bytes received and how each
    connection was closed."""

    def __init__(self, cert: Path, key: Path, client_ca: Path | None = None):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        if client_ca is not None:
            self.context.verify_mode = ssl.CERT_REQUIRED
            self.context.load_verify_locations(client_ca)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.handshakes = 0
        self.received = b""
        self.closes: list[str] = []  #: how each connection ended: "close_notify" or "unexpected eof"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    with self.context.wrap_socket(conn, server_side=True) as tls:
                        self.handshakes += 1
                        while chunk := tls.recv(4096):  # b"": the client's close_notify
                            self.received += chunk
                        self.closes.append("close_notify")
                except ssl.SSLEOFError:  # TCP closed with no close_notify (syslog-ng: "unexpected eof")
                    self.closes.append("unexpected eof")
                except (ssl.SSLError, OSError):
                    pass

    def close(self) -> None:
        self.sock.close()
