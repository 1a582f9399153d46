"""A throwaway MQTT broker for tests and benchmarks (Debian package mosquitto).

    with mosquitto_server() as broker:
        broker.port                      # 127.0.0.1, a free port, anonymous, no persistence
    with mosquitto_server(users={"ingest": "s3cret"}, tls=True) as broker:
        broker.ca                        # only these users; TLS with a certificate signed by broker.ca

/usr/sbin/mosquitto runs with a config of its own in a temporary directory (never the
Debian service's port 1883). A missing mosquitto raises RuntimeError; tests turn that into a
failure, never a skip.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MosquittoServer", "mosquitto_server", "free_port"]

MOSQUITTO = Path("/usr/sbin/mosquitto")


@dataclass(frozen=True)
class MosquittoServer:
    port: int
    root: Path
    ca: Path | None = None  # the CA file a TLS client needs

    @property
    def log(self) -> str:
        path = self.root / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mosquitto exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"mosquitto did not listen on 127.0.0.1:{port} within {timeout_s:g} s")


def _certificates(root: Path) -> str:
    """A CA and a server certificate for 127.0.0.1 signed by it; the listener's lines of mosquitto.conf."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)

    def certificate(name: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: ec.EllipticCurvePrivateKey,
                    ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                   .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(
                "127.0.0.1"))]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("plantvoice test CA", ca_key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                                                 "plantvoice test CA")]), ca_key, True)
    server = certificate("127.0.0.1", key, ca.subject, ca_key, False)
    (root / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (root / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (root / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    return f"cafile {root / 'ca.pem'}\ncertfile {root / 'server.pem'}\nkeyfile {root / 'server.key'}\n"


@contextmanager
def mosquitto_server(users: dict[str, str] | None = None, tls: bool = False) -> Iterator[MosquittoServer]:
    """``users``: only these may connect (name: password); ``tls``: the listener speaks TLS only."""
    if not MOSQUITTO.is_file():
        raise RuntimeError(f"mosquitto is not installed (no {MOSQUITTO}); run scripts/setup.sh, "
                           "which installs the Debian package mosquitto")
    root = Path(tempfile.mkdtemp(prefix="plantvoice-mqtt-"))
    root.chmod(0o755)  # mosquitto started as root reads its files as the user mosquitto
    port = free_port()
    lines = f"listener {port} 127.0.0.1\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n"
    if users:
        passwords = root / "passwords"
        passwords.touch(0o644)
        for name, password in users.items():
            subprocess.run(["mosquitto_passwd", "-b", str(passwords), name, password], check=True,
                           capture_output=True)
        lines += f"allow_anonymous false\npassword_file {passwords}\n"
    else:
        lines += "allow_anonymous true\n"
    if tls:
        lines += _certificates(root)
    config = root / "mosquitto.conf"
    config.write_text(lines, encoding="utf-8")
    for path in root.iterdir():
        path.chmod(0o644)
    with (root / "mosquitto.log").open("wb") as log:
        process = subprocess.Popen([str(MOSQUITTO), "-c", str(config)], stdout=log, stderr=log)
    try:
        _wait_listening(port, process)
        yield MosquittoServer(port, root, root / "ca.pem" if tls else None)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
