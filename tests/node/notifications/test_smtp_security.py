"""The mail server connection: STARTTLS and TLS with a certificate the node checks, and the
credentials from the environment (never from poolnode.toml)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from node.config import Config, ConfigError, load_config
from node.notifications.mailer import smtp_send
from tests.node.notifications.smtp_server import Inbox, free_port

CREDENTIALS = {"POOLNODE_SMTP_USERNAME": "pool@example.org", "POOLNODE_SMTP_PASSWORD": "s3cret"}


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login = (data.login.decode(), data.password.decode())
        self.seen.append(login)
        return AuthResult(success=login == ("pool@example.org", "s3cret"))


@pytest.fixture
def tls_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the node trusts the test's own CA
    yield cert, key


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "pool@node.test", "a@example.org", "Hi"
    message.set_content("Hello")
    return message


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_starttls_and_tls_with_a_login_from_the_environment(tmp_path, tls_files,
                                                                   security: str) -> None:
    inbox, logins, port = Inbox(), _Logins(), free_port()
    context = _server_context(*tls_files)
    extra: dict[str, Any] = ({"tls_context": context, "require_starttls": True}
                             if security == "starttls" else {"server_hostname": "127.0.0.1",
                                                             "ssl_context": context})
    # With TLS from the first byte every command is encrypted (aiosmtpd does not count that as
    # TLS for its AUTH rule, which is about STARTTLS).
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=logins,
                            auth_require_tls=security == "starttls", **extra)
    controller.start()
    try:
        config = Config(data_dir=tmp_path, base_url="http://node.test", smtp_host="127.0.0.1",
                        smtp_port=port, smtp_security=security, smtp_timeout=10.0)
        await smtp_send(config, _message(), CREDENTIALS)
        assert logins.seen == [("pool@example.org", "s3cret")] and len(inbox.mails) == 1
    finally:
        controller.stop()


async def test_starttls_refuses_a_certificate_it_cannot_check(tmp_path) -> None:
    cert, key = _certificate(tmp_path)  # not trusted: SSL_CERT_FILE is not set
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port,
                            tls_context=_server_context(cert, key), require_starttls=True)
    controller.start()
    try:
        config = Config(data_dir=tmp_path, base_url="http://node.test", smtp_host="127.0.0.1",
                        smtp_port=port, smtp_security="starttls", smtp_timeout=10.0)
        with pytest.raises(ssl.SSLCertVerificationError):
            await smtp_send(config, _message(), {})
    finally:
        controller.stop()


def test_credentials_in_the_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "poolnode.toml").write_text(
        'base_url = "http://node.test"\nsmtp_host = "mail.example"\nsmtp_password = "x"\n')
    with pytest.raises(ConfigError, match="environment only"):
        load_config(tmp_path, {})


def test_an_unknown_security_setting_is_refused(tmp_path: Path) -> None:
    (tmp_path / "poolnode.toml").write_text(
        'base_url = "http://node.test"\nsmtp_security = "ssl3"\n')
    with pytest.raises(ConfigError, match="smtp_security"):
        load_config(tmp_path, {})


def test_a_retention_shorter_than_the_results_week_is_refused(tmp_path: Path) -> None:
    (tmp_path / "poolnode.toml").write_text(
        'base_url = "http://node.test"\nnotification_retention_days = 3\n')
    with pytest.raises(ConfigError, match="notification_retention_days"):
        load_config(tmp_path, {})
