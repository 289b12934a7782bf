"""Throwaway certificates for 127.0.0.1/localhost, for TLS tests: a CA-signed pair, or one
self-signed certificate that is its own trust anchor."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOCALHOST = x509.SubjectAlternativeName(
    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
)
CA_USAGE = x509.KeyUsage(False, False, False, False, False, True, True, False, False)


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def context(self) -> ssl.SSLContext:
        """A client context that trusts only this CA (for httpx `verify=`)."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    public_key: ec.EllipticCurvePublicKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    extensions: list[tuple[x509.ExtensionType, bool]],
    signing_key: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer[0] if issuer else _name(subject))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def _write(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, cert_path: Path,
           key_path: Path) -> None:  # fmt: skip
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)


def make_tls_files(directory: Path) -> TlsFiles:
    """ca.pem (a CA), server.pem + server-key.pem (signed by it, valid for 127.0.0.1/localhost)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ext = [(x509.BasicConstraints(ca=True, path_length=None), True), (CA_USAGE, True)]
    ca = _certificate("ictinfra test CA", ca_key.public_key(), None, ca_ext, ca_key)
    key = ec.generate_private_key(ec.SECP256R1())
    server_ext = [
        (LOCALHOST, False),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
    ]
    cert = _certificate("localhost", key.public_key(), (ca.subject, ca_key), server_ext, ca_key)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    _write(cert, key, files.cert_file, files.key_file)
    return files


def self_signed(directory: Path, name: str = "server") -> tuple[Path, Path]:
    """NAME.crt (self-signed, usable as its own CA file) and NAME.key in `directory`."""
    key = ec.generate_private_key(ec.SECP256R1())
    ext = [(LOCALHOST, False), (x509.BasicConstraints(ca=True, path_length=None), True)]
    cert = _certificate("localhost", key.public_key(), None, ext, key)
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    _write(cert, key, cert_path, key_path)
    return cert_path, key_path
