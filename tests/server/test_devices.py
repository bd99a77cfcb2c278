"""Only paired devices check members in: pairing codes, device tokens, revocation, the open
endpoint some sites keep, and browsers that may not ride along."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.backends.local.client import LocalClient
from kiosk.cli.main import main
from kiosk.domain import CheckinRequest, Credential, CredentialKind, Reason, Status
from kiosk.server.devices import DeviceService
from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import admin_client, checkin, demo_server

PAIR = "/api/public/pair"
CHECKIN = "/api/public/checkin"


def devices(server: ServerThread, clock: FakeClock | None = None) -> DeviceService:
    keys = server.server.keys
    return DeviceService(server.server.store, keys, clock or FakeClock())


def paired_client(server: ServerThread, name: str = "Front desk") -> tuple[httpx.Client, int]:
    """A client holding a device token got the way a kiosk gets it: a code, then /pair."""
    new = devices(server).add(name)
    answer = httpx.post(f"{server.url}{PAIR}", json={"Code": new.code.lower()})  # any case
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["DeviceId"], body["Name"], body["Kind"]) == (new.device.id, name, "kiosk")
    assert body["Token"].startswith("kdev_")
    headers = {"Authorization": f"Bearer {body['Token']}"}
    return httpx.Client(base_url=server.url, headers=headers), new.device.id


def test_a_check_in_without_a_device_token_is_401_and_writes_nothing(
    server: ServerThread, admin: httpx.Client
) -> None:
    for headers in ({}, {"Authorization": "Bearer kdev_not-a-token"}, {"Authorization": "Basic x"}):
        answer = httpx.post(f"{server.url}{CHECKIN}", json={"Pincode": "12345"}, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        body = answer.json()
        assert (body["Status"], body["WasSuccessful"]) == (401, False)
        assert body["Errors"][0]["PropertyName"] == "Authorization"
        assert "Ada" not in answer.text
    assert admin.get("/api/spaces/checkins").json()["TotalItems"] == 0
    assert admin.get("/api/spaces/failedcheckins").json()["TotalItems"] == 0


def test_a_paired_device_checks_in_and_its_rows_name_it(
    server: ServerThread, admin: httpx.Client
) -> None:
    client, device_id = paired_client(server)
    with client:
        assert checkin(client, Pincode="12345")["CoworkerFullName"] == "Ada Lovelace"
        refused = checkin(client, Pincode="34567")  # Chloé: no valid pass; named to a device
        assert refused["CoworkerFullName"] == "Chloé Martin"
    (record,) = admin.get("/api/spaces/checkins").json()["Records"]
    assert (record["Device"], record["DeviceId"]) == ("Front desk", device_id)
    (failed,) = admin.get("/api/spaces/failedcheckins").json()["Records"]
    assert (failed["Device"], failed["DeviceId"]) == ("Front desk", device_id)


def test_a_pairing_code_works_once_and_not_after_15_minutes(
    server: ServerThread, clock: FakeClock
) -> None:
    service = devices(server, clock)  # the server's own clock
    new = service.add("Door")
    assert re.fullmatch(r"[0-9A-HJ-NP-X]{4}-[0-9A-HJ-NP-X]{4}", new.code)
    first = httpx.post(f"{server.url}{PAIR}", json={"Code": new.code})
    assert first.status_code == 200
    again = httpx.post(f"{server.url}{PAIR}", json={"Code": new.code})
    assert again.status_code == 400
    assert again.json()["Errors"][0]["PropertyName"] == "Code"
    late = service.new_code(new.device.id)
    clock.advance(minutes=16)
    assert httpx.post(f"{server.url}{PAIR}", data={"Code": late.code}).status_code == 400
    assert httpx.post(f"{server.url}{PAIR}", json={"Code": "AAAA-AAAA"}).status_code == 400
    assert httpx.post(f"{server.url}{PAIR}", json={"Nothing": 1}).status_code == 400


def test_a_revoked_device_is_refused_at_once_and_its_codes_die(server: ServerThread) -> None:
    client, device_id = paired_client(server)
    service = devices(server)
    spare = service.new_code(device_id)
    with client:
        assert checkin(client, Pincode="12345")["WasSuccessful"]
        service.revoke(device_id)
        assert client.post(CHECKIN, json={"Pincode": "12345"}).status_code == 401
    assert httpx.post(f"{server.url}{PAIR}", json={"Code": spare.code}).status_code == 400
    with pytest.raises(ValueError, match="revoked"):
        service.new_code(device_id)


@pytest.fixture
def open_server_(tmp_path: Path) -> Iterator[ServerThread]:
    origins = frozenset({"https://reception.example"})
    with demo_server(tmp_path / "open.db", FakeClock(), open_checkin=True,
                     allow_origins=origins) as running:  # fmt: skip
        yield running


def test_an_open_server_takes_anonymous_check_ins_but_names_nobody_refused(
    open_server_: ServerThread,
) -> None:
    url = f"{open_server_.url}{CHECKIN}"
    ok = httpx.post(url, json={"Pincode": "12345"}).json()
    assert ok["WasSuccessful"]
    refused = httpx.post(url, json={"Pincode": "34567"})  # Chloé's PIN: a guess's hit
    assert refused.status_code == 403
    assert "Chlo" not in refused.text
    assert refused.json()["CoworkerFullName"] is None
    with admin_client(open_server_) as admin:
        (record,) = admin.get("/api/spaces/checkins").json()["Records"]
    assert record["Device"] is None


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "https://reception.example.evil"]
)
def test_a_web_page_cannot_check_anyone_in(open_server_: ServerThread, origin: str) -> None:
    url = f"{open_server_.url}{CHECKIN}"
    with_origin = httpx.post(url, data={"Pincode": "12345"}, headers={"Origin": origin})
    assert with_origin.status_code == 403
    assert with_origin.json()["Errors"][0]["PropertyName"] == "Origin"
    form = httpx.post(url, data={"Pincode": "12345"})  # a cross-site form sends no Origin
    assert form.status_code == 403  # … but a form post without a device's token is refused
    assert "access-control-allow-origin" not in with_origin.headers
    allowed = httpx.post(url, json={"Pincode": "12345"},
                         headers={"Origin": "https://reception.example"})  # fmt: skip
    assert allowed.status_code == 200
    with admin_client(open_server_) as admin:
        assert admin.get("/api/spaces/checkins").json()["TotalItems"] == 1


def test_a_paired_device_from_a_web_page_is_refused_too(server: ServerThread) -> None:
    client, _ = paired_client(server)
    with client:
        answer = client.post(CHECKIN, json={"Pincode": "12345"},
                             headers={"Origin": "http://evil.example"})  # fmt: skip
    assert answer.status_code == 403


def test_an_unpaired_kiosk_says_so_to_staff(server: ServerThread) -> None:
    async def go() -> tuple[Status, Reason | None, str]:
        async with httpx.AsyncClient() as http:
            client = LocalClient(http, server.url, embedded=False)
            outcome = await client.check(CheckinRequest(Credential(CredentialKind.PIN, "12345")))
            return outcome.status, outcome.reason, outcome.raw_message

    status, reason, raw = asyncio.run(go())
    assert (status, reason) == (Status.REJECTED, Reason.BACKEND_ERROR)
    assert "only paired devices may check members in" in raw


def test_devices_from_the_command_line(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(server.server.db)
    assert main(["devices", "add", "--db", db, "--name", "Back door", "--kind", "door"]) == 0
    out = capsys.readouterr().out
    assert "Device 1 (Back door, door)" in out
    code = re.search(r"Pairing code: (\S+)", out)
    assert code is not None
    assert main(["devices", "list", "--db", db]) == 0
    assert "waiting for pairing" in capsys.readouterr().out
    assert httpx.post(f"{server.url}{PAIR}", json={"Code": code.group(1)}).status_code == 200
    assert main(["devices", "list", "--db", db]) == 0
    assert "paired" in capsys.readouterr().out
    assert main(["devices", "revoke", "--db", db, "1"]) == 0
    assert "Revoked device 1 (Back door)" in capsys.readouterr().out
    assert main(["devices", "revoke", "--db", db, "9"]) == 1
    assert "no device with id 9" in capsys.readouterr().err
    assert main(["devices", "add", "--db", db, "--name", " "]) == 1


def test_kiosk_config_pair_refuses_a_wrong_code(
    server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    config = tmp_path / "kiosk.toml"
    assert main(["config", "pair", server.url, "AAAA-AAAA", "--config", str(config)]) == 1
    assert "not paired: the server refused the pairing code" in capsys.readouterr().err
    assert not config.exists()
    assert main(["config", "pair", "http://127.0.0.1:9", "AAAA-AAAA", "--config", str(config)]) == 1
    assert "cannot reach" in capsys.readouterr().err
