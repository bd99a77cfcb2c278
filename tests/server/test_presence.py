"""Wi-Fi presence rules (kiosk.server.presence) over a real store: one session for a member's
device seen again and again, ended at the last sighting after a quiet spell; a kiosk tap ends
it; an unknown device is a failed check-in once an hour, not each minute. Through the API: each
kind of device gets its own source, and only presence devices report addresses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from kiosk.domain import Action, Status
from kiosk.macs import mac_tail
from kiosk.server import rules
from kiosk.server.keys import InstallKeys
from kiosk.server.presence import Presence
from kiosk.server.runner import ServerThread
from kiosk.server.store import Store
from kiosk.server.store.models import Location, Member
from tests.helpers.clock import FakeClock
from tests.helpers.server import checkin, demo_server, device_client

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAPTOP = "00:1B:63:84:45:E6"
ROUTER = 1  # the presence agent's device


def ada_at_main(world: tuple[Store, InstallKeys, Presence]) -> tuple[Member, Location]:
    store = world[0]
    ada = store.find_member(email="ada@x.io")
    assert ada is not None
    return ada, store.location("Main")


@pytest.fixture
def world() -> tuple[Store, InstallKeys, Presence]:
    store, keys = Store(":memory:"), InstallKeys.generate()
    place = store.add_location("Main", "Europe/Paris", T)
    store.add_plan("Resident", [place.id])
    ada = store.add_member(full_name="Ada", email="ada@x.io", now=T, plan="Resident")
    store.add_mac(ada.id, keys.lookup("mac", LAPTOP), mac_tail(LAPTOP))
    assert store.add_device("Router", "presence", T).id == ROUTER
    return store, keys, Presence(store, keys)


def test_sightings_keep_one_session_ended_at_the_last_one(
    world: tuple[Store, InstallKeys, Presence],
) -> None:
    store, _, presence = world
    place = store.location("Main")
    for minutes in (0, 5, 14):
        assert presence.sighted(
            LAPTOP.lower(), place, T + timedelta(minutes=minutes), ROUTER
        ).status is (Status.CHECKED_IN)
        presence.sweep(T + timedelta(minutes=minutes))
    sessions = store.checkins().records
    assert len(sessions) == 1
    assert (sessions[0].source, sessions[0].device_id, sessions[0].to_time) == (3, ROUTER, None)
    assert presence.sweep(T + timedelta(minutes=28)) == 0  # 14 minutes quiet: still in
    assert presence.sweep(T + timedelta(minutes=30)) == 1
    ended = store.checkin(sessions[0].id)
    assert ended.to_time == T + timedelta(minutes=14)  # the last sighting, not the sweep
    assert ended.auto_checkout


def test_a_device_seen_after_the_member_came_by_kiosk_opens_nothing(
    world: tuple[Store, InstallKeys, Presence],
) -> None:
    store, _, presence = world
    ada, place = ada_at_main(world)
    store.record_checkin(ada, place, T, None)  # came in at the desk
    assert (
        presence.sighted(LAPTOP, place, T + timedelta(minutes=1), ROUTER).status
        is Status.CHECKED_IN
    )
    assert store.checkins().total == 1
    assert presence.sweep(T + timedelta(hours=2)) == 0  # not a presence session


def test_an_unknown_device_is_one_failed_check_in_an_hour(
    world: tuple[Store, InstallKeys, Presence],
) -> None:
    store, _, presence = world
    place = store.location("Main")
    for minute in range(0, 120, 1):
        seen = presence.sighted("3C:22:FB:10:20:30", place, T + timedelta(minutes=minute), ROUTER)
        assert seen.status is Status.REJECTED
    failed = store.failed_checkins().records
    assert len(failed) == 2  # at 09:00 and at 10:00
    assert {f.source for f in failed} == {3}


def test_a_presence_device_checks_a_member_in_through_the_api(
    tmp_path: Path, clock: FakeClock
) -> None:
    with demo_server(tmp_path / "checkin.db", clock) as running:
        store, keys = running.server.store, running.server.keys
        eve = store.find_member(email="eve@example.com")
        assert eve is not None
        store.add_mac(eve.id, keys.lookup("mac", LAPTOP), mac_tail(LAPTOP))
        with device_client(running, "Router", "presence") as router:
            first = checkin(router, Mac=LAPTOP.lower())
            clock.advance(minutes=5)
            again = checkin(router, Mac=LAPTOP)
            unknown = router.post("/api/public/checkin", json={"Mac": "3C:22:FB:10:20:30"})
        assert first["WasSuccessful"]
        assert first["CoworkerFullName"] == "Eve Tanaka"
        assert again["WasSuccessful"]
        assert unknown.status_code == 404
        sessions = store.checkins().records
        assert len(sessions) == 1
        assert sessions[0].source == 3


def test_a_kiosk_tap_ends_a_presence_session_and_the_way_out_opens_none(
    world: tuple[Store, InstallKeys, Presence],
) -> None:
    store, _, presence = world
    ada, place = ada_at_main(world)
    presence.sighted(LAPTOP, place, T, ROUTER)
    state = store.member_state(ada, place, T + timedelta(minutes=30))
    decision = rules.decide(state, rules.Place(place.id, ZoneInfo(place.timezone)),
                            T + timedelta(minutes=30), Action.TOGGLE)  # fmt: skip
    assert isinstance(decision, rules.CheckOut)  # the kiosk's toggle closes the Wi-Fi session
    store.close_checkin(decision.session.checkin_id, T + timedelta(minutes=30))
    for minute in (31, 40, 50):  # their phone on the stairs, then in the café downstairs
        seen = presence.sighted(LAPTOP, place, T + timedelta(minutes=minute), ROUTER)
        assert seen.status is Status.CHECKED_OUT
    assert store.checkins().total == 1
    back = presence.sighted(LAPTOP, place, T + timedelta(minutes=66), ROUTER)  # 16 min away
    assert back.status is Status.CHECKED_IN
    assert store.checkins().total == 2


def test_the_quiet_time_is_a_setting(world: tuple[Store, InstallKeys, Presence]) -> None:
    store, keys, _ = world
    presence = Presence(store, keys, quiet=timedelta(minutes=5))
    presence.sighted(LAPTOP, store.location("Main"), T, ROUTER)
    assert presence.sweep(T + timedelta(minutes=4)) == 0
    assert presence.sweep(T + timedelta(minutes=6)) == 1


Space = tuple[ServerThread, httpx.Client, httpx.Client]


@pytest.fixture
def space(tmp_path: Path, clock: FakeClock) -> Iterator[Space]:
    """The demo server with a paired presence agent ("Router") and kiosk ("Front desk")."""
    with (
        demo_server(tmp_path / "checkin.db", clock) as running,
        device_client(running, "Router", "presence") as router,
        device_client(running, "Front desk") as kiosk,
    ):
        yield running, router, kiosk


def test_each_kind_of_device_checks_in_with_its_own_source(space: Space) -> None:
    running, router, kiosk = space
    with device_client(running, "Street door", "door") as door:
        may_enter = checkin(door, Pincode="12345", DoNotCheckIn=True)
        assert running.server.store.checkins().total == 0  # asked, not checked in
        opened = checkin(door, Pincode="12345")
        refused = checkin(door, Pincode="34567")  # Chloé: no plan, no pass
        at_desk = checkin(kiosk, Pincode="56789")
        mac_from_kiosk = kiosk.post("/api/public/checkin", json={"Mac": LAPTOP})
        pin_from_router = router.post("/api/public/checkin", json={"Pincode": "56789"})
        store = running.server.store
        sources = sorted(c.source for c in store.checkins().records)
        failed = [f.source for f in store.failed_checkins().records]
    assert may_enter["WasSuccessful"]
    assert opened["WasSuccessful"]
    assert (refused["WasSuccessful"], refused["Status"]) == (False, 403)  # the door stays shut
    assert at_desk["WasSuccessful"]
    assert mac_from_kiosk.status_code == 400
    assert "only a paired device of kind presence" in mac_from_kiosk.text
    assert pin_from_router.status_code == 400
    assert (sources, failed) == ([2, 4], [2])


def test_a_kiosk_tap_checks_out_a_member_the_wi_fi_checked_in(
    space: Space, clock: FakeClock
) -> None:
    running, router, kiosk = space
    store, keys = running.server.store, running.server.keys
    eve = store.find_member(email="eve@example.com")
    assert eve is not None
    store.add_mac(eve.id, keys.lookup("mac", LAPTOP), mac_tail(LAPTOP))
    assert checkin(router, Mac=LAPTOP)["CheckedIn"]
    clock.advance(hours=3)
    tap = checkin(kiosk, Pincode="56789", Toggle=True)
    clock.advance(minutes=2)
    on_the_stairs = checkin(router, Mac=LAPTOP)  # answered, opens nothing
    records = store.checkins().records
    assert (tap["WasSuccessful"], tap["CheckedIn"]) == (True, False)
    assert on_the_stairs["CheckedIn"] is False
    assert len(records) == 1
    assert (records[0].source, records[0].auto_checkout) == (3, False)
    assert records[0].to_time == clock.now - timedelta(minutes=2)


def test_the_servers_sweeper_ends_quiet_sessions_after_its_idle_minutes(
    tmp_path: Path, clock: FakeClock
) -> None:
    quiet = timedelta(minutes=5)  # kiosk serve --presence-idle-minutes 5
    with (
        demo_server(tmp_path / "checkin.db", clock, sweep_seconds=0.02, presence_quiet=quiet)
        as running,
        device_client(running, "Router", "presence") as router,
    ):  # fmt: skip
        store, keys = running.server.store, running.server.keys
        eve = store.find_member(email="eve@example.com")
        assert eve is not None
        store.add_mac(eve.id, keys.lookup("mac", LAPTOP), mac_tail(LAPTOP))
        seen_at = clock.now
        checkin(router, Mac=LAPTOP)
        clock.advance(minutes=6)
        deadline = time.monotonic() + 10
        while store.open_source(eve.id) is not None and time.monotonic() < deadline:
            time.sleep(0.02)  # the sweeper's next round
        ended = store.checkins().records[0]
    assert (ended.to_time, ended.auto_checkout) == (seen_at, True)
