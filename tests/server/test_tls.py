"""HTTPS: `kiosk serve --certfile --keyfile`, and a kiosk that trusts the site's private CA
through `backend.ca_file` (and refuses a certificate it cannot verify, in words)."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from kiosk.app.backend import new_http_client
from kiosk.app.kiosk import build_app
from kiosk.backends.local.client import LocalClient
from kiosk.cli.main import main
from kiosk.domain import (
    CheckinRequest,
    Credential,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)
from kiosk.inputs.reader import NullSource
from kiosk.inputs.status import ReaderState
from kiosk.server.runner import ServerThread, Tls, open_server
from kiosk.settings.file import with_value
from kiosk.settings.model import Config
from kiosk.settings.vault import Secret
from tests.fakes.vault import MemoryVault
from tests.helpers.server import demo_db, device_token
from tests.helpers.tls import make_tls
from tests.helpers.webadmin import EMAIL, PASSWORD, add_desk_admin


@pytest.fixture
def tls(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_tls(tmp_path)


@pytest.fixture
def https(tmp_path: Path, tls: tuple[Path, Path, Path]) -> Iterator[ServerThread]:
    server = open_server(demo_db(tmp_path / "s" / "checkin.db"))
    try:
        with ServerThread(server, tls=Tls(tls[1], tls[2])) as running:
            yield running
    finally:
        server.store.close()


def check(url: str, config: Config, token: str) -> Outcome:
    async def go() -> Outcome:
        async with new_http_client(config) as http:
            client = LocalClient(http, url, embedded=False, device_token=token)
            return await client.check(CheckinRequest(Credential(CredentialKind.PIN, "12345")))

    return asyncio.run(go())


def test_a_kiosk_trusting_the_sites_ca_checks_in_over_https(
    https: ServerThread, tls: tuple[Path, Path, Path]
) -> None:
    assert https.url.startswith("https://127.0.0.1:")
    config = with_value(Config(), "backend.ca_file", str(tls[0]))
    outcome = check(https.url, config, device_token(https))
    assert (outcome.status, outcome.member) == (Status.CHECKED_IN, "Ada Lovelace")


def test_the_kiosk_speaks_tls_1_3_with_its_server(
    https: ServerThread, tls: tuple[Path, Path, Path]
) -> None:
    config = with_value(Config(), "backend.ca_file", str(tls[0]))

    async def version() -> str:
        async with new_http_client(config) as http:
            response = await http.get(https.url + "/health")
            stream = response.extensions["network_stream"]
            return str(stream.get_extra_info("ssl_object").version())

    assert asyncio.run(version()) == "TLSv1.3"  # one round trip for a new connection's TLS


def test_a_certificate_the_kiosk_cannot_verify_is_refused_in_words(https: ServerThread) -> None:
    outcome = check(https.url, Config(), device_token(https))  # the system's CAs only
    assert (outcome.status, outcome.reason) == (Status.REJECTED, Reason.BACKEND_UNAVAILABLE)
    assert outcome.raw_message.startswith("the backend's certificate cannot be verified (")
    assert "set backend.ca_file" in outcome.raw_message  # what staff can do about it
    assert outcome.delivery is Delivery.NOT_SENT  # kept for later: it never left the kiosk


def test_an_expired_certificate_is_said_with_the_kiosks_clock_to_check(
    tmp_path: Path,
) -> None:
    ca, cert, key = make_tls(tmp_path, expired=True)
    server = open_server(demo_db(tmp_path / "s" / "checkin.db"))
    try:
        with ServerThread(server, tls=Tls(cert, key)) as running:
            config = with_value(Config(), "backend.ca_file", str(ca))
            outcome = check(running.url, config, device_token(running))
    finally:
        server.store.close()
    assert outcome.raw_message == (
        "the backend's certificate has expired by this kiosk's clock: check the kiosk's date"
        " and time, or renew the certificate"
    )


def test_a_backend_that_takes_the_connection_and_never_says_hello_is_not_waited_for(
    tls: tuple[Path, Path, Path],
) -> None:
    with socket.socket() as hole:  # TCP accepted by the kernel, TLS never answered
        hole.bind(("127.0.0.1", 0))
        hole.listen()
        url = f"https://127.0.0.1:{hole.getsockname()[1]}"
        config = with_value(Config(), "backend.connect_timeout", 0.5)
        outcome = check(url, with_value(config, "backend.ca_file", str(tls[0])), "token")
    assert (outcome.reason, outcome.delivery) == (Reason.BACKEND_UNAVAILABLE, Delivery.NOT_SENT)
    assert outcome.raw_message.startswith("ConnectTimeout")  # the handshake is the connect's


def test_a_ca_file_that_is_not_one_is_said_and_the_kiosk_still_starts(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-ca.pem"
    bad.write_text("hello")
    client = new_http_client(with_value(Config(), "backend.ca_file", str(bad)))  # logged
    asyncio.run(client.aclose())


def test_serve_needs_both_files_and_a_pair(
    tmp_path: Path, tls: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert main(["serve", "--db", db, "--certfile", str(tls[1])]) == 1
    assert "give --certfile and --keyfile together" in capsys.readouterr().err
    assert main(["serve", "--db", db, "--certfile", str(tls[0]), "--keyfile", str(tls[2])]) == 1
    assert "cannot use" in capsys.readouterr().err


def test_pairing_over_https_checks_the_certificate(
    https: ServerThread, tls: tuple[Path, Path, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from kiosk.server.devices import DeviceService

    code = DeviceService(https.server.store, https.server.keys).add("Front desk").code
    config = tmp_path / "kiosk.toml"
    assert main(["config", "pair", https.url, code, "--config", str(config)]) == 1
    assert "certificate cannot be verified (unable to get local issuer" in capsys.readouterr().err
    assert main(["config", "set", "backend.ca_file", str(tls[0]), "--config", str(config)]) == 0
    assert main(["config", "pair", https.url, code, "--config", str(config)]) == 0
    assert "as device 1 (Front desk)" in capsys.readouterr().out


def test_a_ca_file_set_in_staff_mode_is_trusted_at_once(
    qtbot: QtBot, aloop: asyncio.AbstractEventLoop, https: ServerThread,
    tls: tuple[Path, Path, Path], tmp_path: Path,
) -> None:  # fmt: skip
    vault = MemoryVault()
    vault.set(Secret.DEVICE_TOKEN, device_token(https))
    kiosk = build_app(with_value(Config(), "kiosk.location", "1"), aloop,
                      backend_url=https.url, source=NullSource(ReaderState.OFF),
                      config_path=tmp_path / "kiosk.toml", vault=lambda: vault)  # fmt: skip
    qtbot.addWidget(kiosk.window)
    try:
        with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as refused:
            kiosk.present_pin("12345")
        assert "certificate cannot be verified" in refused.args[1].raw_message
        assert refused.args[1].status is Status.QUEUED  # kept: it never left the kiosk
        assert "certificate cannot be verified" in kiosk.status().problem  # staff's Health page
        with qtbot.waitSignal(kiosk.keeper.replayed, timeout=10000) as landed:
            kiosk.apply(with_value(kiosk.config, "backend.ca_file", str(tls[0])))
        assert landed.args[1].member == "Ada Lovelace"  # trusted now: the kept one went
        assert kiosk.status().problem == ""
        with qtbot.waitSignal(kiosk.controller.finished, timeout=10000) as welcomed:
            kiosk.present_pin("56789")  # Eve, live over HTTPS
        assert welcomed.args[1].status is Status.CHECKED_IN
    finally:
        closing = aloop.create_task(kiosk.aclose())
        qtbot.waitUntil(closing.done, timeout=10000)


def test_the_web_admins_cookie_is_secure_over_https(
    https: ServerThread, tls: tuple[Path, Path, Path]
) -> None:
    add_desk_admin(https)
    with httpx.Client(base_url=https.url, verify=ssl.create_default_context(cafile=tls[0])) as c:
        form = c.get("/admin/signin")
        assert "Secure" in form.headers["set-cookie"]  # the sign-in form's cookie too
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        signed = c.post(
            "/admin/signin", data={"csrf": token.group(1), "email": EMAIL, "password": PASSWORD}
        )
    assert signed.status_code == 303
    assert "Secure" in signed.headers["set-cookie"]
