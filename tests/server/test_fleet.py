"""Devices as the web admin sees them: heartbeats, online and offline, settings pushed to a
kiosk at its next heartbeat, rename and revoke, and "tap it on a kiosk" card enrolment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import checkin, demo_server, device_client
from tests.helpers.webadmin import CHEAP, Desk, add_desk_admin

BEAT = {"Version": "0.1.0", "Reader": "ready (ACS ACR122U)", "Backend": "online", "Outbox": 2,
        "LastCheckin": "2026-03-02T09:55:00Z", "Uptime": 7260}  # fmt: skip


@pytest.fixture
def web(tmp_path: Path, clock: FakeClock) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "checkin.db", clock, passwords=CHEAP) as running:
        add_desk_admin(running)
        yield running


@pytest.fixture
def desk(web: ServerThread) -> Iterator[Desk]:
    browser = Desk(web)
    assert browser.sign_in().status_code == 303
    yield browser
    browser.close()


@pytest.fixture
def kiosk(web: ServerThread) -> Iterator[httpx.Client]:
    with device_client(web, "Front desk") as c:
        yield c


def _device_id(web: ServerThread, name: str = "Front desk") -> int:
    return next(d.id for d in web.server.store.devices() if d.name == name)


def _beat(kiosk: httpx.Client, **fields: Any) -> dict[str, Any]:
    answer = kiosk.post("/api/public/heartbeat", json={**BEAT, **fields})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_heartbeat_shows_the_kiosk_online_then_offline_since(
    web: ServerThread, desk: Desk, kiosk: httpx.Client, clock: FakeClock
) -> None:
    assert "never seen" in desk.get("/admin/kiosks/live").text
    assert _beat(kiosk) == {"SettingsVersion": 0, "Settings": {}}
    live = desk.get("/admin/kiosks/live").text
    assert "Online" in live
    assert "ready (ACS ACR122U)" in live
    assert "2 h" in live  # up two hours
    clock.advance(seconds=60)
    assert "Online" in desk.get("/admin/kiosks/live").text
    clock.advance(minutes=4)
    live = desk.get("/admin/kiosks/live").text
    assert "Offline" in live
    assert "since 5 min" in live


def test_a_kiosk_that_beats_every_five_minutes_at_night_stays_online(
    web: ServerThread, desk: Desk, kiosk: httpx.Client, clock: FakeClock
) -> None:
    _beat(kiosk, Every=300)
    clock.advance(minutes=10)  # two of its day's beats would have been missed long ago
    assert "Online" in desk.get("/admin/kiosks/live").text
    clock.advance(minutes=6)  # past two of its night's beats
    assert "Offline" in desk.get("/admin/kiosks/live").text


def test_a_kiosk_whose_screen_went_dark_shows_asleep_not_offline(
    web: ServerThread, desk: Desk, kiosk: httpx.Client, clock: FakeClock
) -> None:
    _beat(kiosk, Asleep=True)  # its last heartbeat until a member wakes it
    for _ in range(4):  # the evening (staff's page asks more often than their session's 30 min)
        clock.advance(minutes=25)
        live = desk.get("/admin/kiosks/live").text
        assert "Asleep" in live, live
        assert "Offline" not in live
    assert "Asleep</span> since 1 h" in live, live
    assert web.server.store.heartbeats()[_device_id(web)].heartbeat.asleep
    _beat(kiosk)  # woken
    assert "Online" in desk.get("/admin/kiosks/live").text


def test_only_a_paired_device_may_send_a_heartbeat(web: ServerThread) -> None:
    anonymous = httpx.post(web.url + "/api/public/heartbeat", json=BEAT)
    assert anonymous.status_code == 401
    forged = httpx.post(
        web.url + "/api/public/heartbeat", json=BEAT, headers={"Authorization": "Bearer kdev_x"}
    )
    assert forged.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"Version": ""}',
        b'{"Version": "1", "Outbox": -1}',
        b'{"Version": "1", "LastCheckin": "yesterday"}',
        b'{"Version": "1", "Every": 1}',
        b"[]",
    ],
)
def test_a_malformed_heartbeat_is_a_400_that_says_why(kiosk: httpx.Client, body: bytes) -> None:
    answer = kiosk.post(
        "/api/public/heartbeat", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["Errors"]


def test_settings_pushed_from_the_admin_reach_the_kiosk_at_its_next_heartbeat(
    web: ServerThread, desk: Desk, kiosk: httpx.Client
) -> None:
    _beat(kiosk)
    device = _device_id(web)
    pushed = desk.post(
        f"/admin/kiosks/{device}/settings", "/admin/kiosks",
        **{"kiosk.mode": "in", "kiosk.language": "fr", "branding.welcome": "Bienvenue"},
    )  # fmt: skip
    assert pushed.status_code == 303
    assert "waiting for the kiosk" in desk.get("/admin/kiosks").text
    answer = _beat(kiosk)
    assert answer["SettingsVersion"] == 1
    assert answer["Settings"] == {
        "kiosk.mode": "in", "kiosk.language": "fr", "branding.welcome": "Bienvenue",
    }  # fmt: skip
    _beat(kiosk, SettingsVersion=1)
    assert "applied" in desk.get("/admin/kiosks").text
    _beat(kiosk, SettingsVersion=1, SettingsProblem="kiosk.mode: not a mode this kiosk has")
    assert "not a mode this kiosk has" in desk.get("/admin/kiosks").text


def test_a_setting_the_kiosk_cannot_take_is_not_sent(
    web: ServerThread, desk: Desk, kiosk: httpx.Client
) -> None:
    device = _device_id(web)
    wrong = desk.post(
        f"/admin/kiosks/{device}/settings", "/admin/kiosks", **{"kiosk.mode": "sideways"}
    )
    assert wrong.status_code == 400
    assert _beat(kiosk)["SettingsVersion"] == 0


def test_a_device_is_added_renamed_and_revoked(web: ServerThread, desk: Desk) -> None:
    added = desk.post("/admin/kiosks", "/admin/kiosks", name="Back door", kind="door")
    assert added.status_code == 200
    assert "Pairing code for Back door" in added.text
    device = _device_id(web, "Back door")
    page = "/admin/kiosks"
    assert desk.post(f"{page}/{device}/rename", page, name="Garden door").status_code == 303
    assert web.server.store.device(device).name == "Garden door"
    assert desk.post(f"{page}/{device}/revoke", page, confirm="Back door").status_code == 400
    assert desk.post(f"{page}/{device}/revoke", page, confirm="Garden door").status_code == 303
    assert web.server.store.device(device).revoked_at is not None


def test_a_revoked_kiosk_can_check_nobody_in(
    web: ServerThread, desk: Desk, kiosk: httpx.Client
) -> None:
    device = _device_id(web)
    page = "/admin/kiosks"
    assert desk.post(f"{page}/{device}/revoke", page, confirm="Front desk").status_code == 303
    assert kiosk.post("/api/public/checkin", json={"Pincode": "12345"}).status_code == 401


def test_a_card_tapped_on_a_kiosk_is_offered_and_enrolled(
    web: ServerThread, desk: Desk, kiosk: httpx.Client
) -> None:
    store = web.server.store
    ben = next(m.id for m in store.members() if m.email == "ben@example.com")
    page = f"/admin/members/{ben}"
    waiting = desk.post(f"{page}/cards/offer", page, device=str(_device_id(web)))
    assert waiting.status_code == 303
    assert "Waiting for a card on Front desk" in desk.get(f"{page}/offers").text
    tapped = kiosk.post("/api/public/checkin", json={"AccessCardId": "04C0FFEE12"})
    assert tapped.status_code == 404
    assert "read for enrolment" in tapped.json()["Message"]
    assert store.failed_checkins().total == 0  # not a failed check-in
    offered = desk.get(f"{page}/offers").text
    assert "Card ••••EE12 read on Front desk." in offered
    assert "04C0FFEE12" not in offered
    enrolled = desk.post(f"{page}/cards/offer/{_device_id(web)}", page, action="enrol")
    assert enrolled.status_code == 303
    assert checkin(kiosk, AccessCardId="04C0FFEE12")["WasSuccessful"]


def test_a_known_card_or_no_offer_is_an_ordinary_check_in(
    web: ServerThread, desk: Desk, kiosk: httpx.Client, clock: FakeClock
) -> None:
    store = web.server.store
    ben = next(m.id for m in store.members() if m.email == "ben@example.com")
    page = f"/admin/members/{ben}"
    desk.post(f"{page}/cards/offer", page, device=str(_device_id(web)))
    assert checkin(kiosk, AccessCardId="04A1B2C3D4E5F6")["WasSuccessful"]  # Ada's own card
    clock.advance(minutes=3)  # the offer has expired
    unknown = kiosk.post("/api/public/checkin", json={"AccessCardId": "04C0FFEE12"})
    assert "read for enrolment" not in unknown.json()["Message"]
    assert store.failed_checkins().total == 1
    assert "Waiting" not in desk.get(f"{page}/offers").text
