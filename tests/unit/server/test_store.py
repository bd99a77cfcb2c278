"""The SQLite store: migrations, uniqueness, sessions and the time a plan has used."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.server import rules
from kiosk.server.keys import InstallKeys
from kiosk.server.service import hash_clear_cards
from kiosk.server.store import DuplicateError, NotFoundError, Store
from kiosk.server.store.models import CardKey, Origin
from kiosk.server.store.schema import MIGRATIONS

TILE = Origin(4)  # a kiosk tile, no paired device

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store(":memory:")
    loc = s.add_location("Main", "Europe/Paris", NOW)
    s.add_plan("Resident", [loc.id], daily_limit_minutes=240)
    yield s
    s.close()


def test_schema_is_migrated_once(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    Store(db).close()
    reopened = Store(db)
    assert reopened.schema_version == len(MIGRATIONS)
    reopened.close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_newer_migration_is_applied_to_an_old_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "x.db"
    Store(db).close()
    extra = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"
    monkeypatch.setattr("kiosk.server.store.db.MIGRATIONS", (*MIGRATIONS, extra))
    upgraded = Store(db)
    assert upgraded.schema_version == len(MIGRATIONS) + 1
    upgraded.close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_card_ids_stored_in_clear_by_an_older_version_become_keyed_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "x.db"
    monkeypatch.setattr("kiosk.server.store.db.MIGRATIONS", MIGRATIONS[:2])
    old = Store(db)
    loc = old.add_location("Main", "Europe/Paris", NOW)
    with old.transaction():
        old._db.execute(
            "INSERT INTO members (id, full_name, email, created_on) VALUES (7, 'Ada', 'a@b.c', '')"
        )
        old._db.executemany(
            "INSERT INTO access_cards VALUES (?, 7)", [("0005653307",), ("04A1B2",), ("0000",)]
        )
        old._db.execute(
            "INSERT INTO failed_checkins (unique_id, location_id, source, attempt_time, reason,"
            " description) VALUES ('u1', ?, 4, ?, 'UnknownCredential',"
            " 'Access card 04A1FFEE is not recognised')",
            (loc.id, NOW.isoformat()),
        )
    old.close()
    monkeypatch.setattr("kiosk.server.store.db.MIGRATIONS", MIGRATIONS)
    new = Store(db)
    ada = new.member(7)
    assert sorted(ada.cards) == ["••••", "••••3307", "••••A1B2"]  # until keyed
    keys = InstallKeys.generate()
    assert hash_clear_cards(new, keys) == 3
    assert hash_clear_cards(new, keys) == 0
    assert sorted(new.member(7).cards) == ["••••", "••••3307", "••••A1B2"]
    assert new.find_member(card_key=keys.card("5653307").key) == ada
    assert new.find_member(card_key=keys.card("04A1B2").key) == ada
    dump = "\n".join(new._db.iterdump())
    for card in ("5653307", "04A1B2", "04A1FFEE"):
        assert card not in dump
    assert new.failed_checkins().records[0].description == "Access card ••••FFEE is not recognised"
    new.close()


def card(value: str) -> CardKey:
    return CardKey(f"key-{value}", value[-4:])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "ADA@example.com"}, "Email"),
        ({"pin_key": "pin-a"}, "Pin"),
        ({"cards": [card("C1")]}, "AccessCardId"),
        ({"cards": [card("C9"), card("C9")]}, "AccessCardId"),
        ({"token_keys": ["tok-a"]}, "Token"),
    ],
)
def test_duplicates_are_refused_and_nothing_is_written(
    store: Store, kwargs: dict[str, object], field: str
) -> None:
    store.add_member(
        full_name="Ada",
        email="ada@example.com",
        now=NOW,
        pin_key="pin-a",
        cards=[card("C1")],
        token_keys=["tok-a"],
    )
    base: dict[str, object] = {"full_name": "Bob", "email": "bob@example.com", "now": NOW}
    with pytest.raises(DuplicateError) as caught:
        store.add_member(**{**base, **kwargs})  # type: ignore[arg-type]
    assert caught.value.field == field
    assert [m.full_name for m in store.members()] == ["Ada"]


def test_unknown_records(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.member(42)
    with pytest.raises(NotFoundError):
        store.location("Nowhere")
    with pytest.raises(NotFoundError):
        store.add_member(full_name="X", email="x@example.com", now=NOW, plan="Gold")
    with pytest.raises(DuplicateError):
        store.add_location("main", "UTC", NOW)


def test_plan_time_today_counts_closed_and_open_sessions_from_local_midnight(store: Store) -> None:
    loc = store.location("Main")
    member = store.add_member(full_name="Ada", email="a@example.com", now=NOW, plan="Resident")
    yesterday_late = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # 23:00 Paris, runs past midnight
    late = store.open_checkin(member, loc, rules.CheckIn(NOW), yesterday_late, TILE)
    store.close_checkin(late, datetime(2026, 3, 1, 23, 30, tzinfo=UTC))  # 00:30 Paris
    morning = store.open_checkin(member, loc, rules.CheckIn(NOW), NOW - timedelta(hours=2), TILE)
    store.close_checkin(morning, NOW - timedelta(hours=1))
    store.open_checkin(
        member, loc, rules.CheckIn(NOW + timedelta(hours=5)), NOW - timedelta(minutes=20), TILE
    )
    state = store.member_state(member, loc, NOW)
    assert state.plan_time_today == timedelta(minutes=30 + 60 + 20)
    assert state.open_session is not None
    assert state.plan is not None
    assert state.plan.daily_limit == timedelta(hours=4)


def test_one_open_checkin_per_member_is_enforced_by_the_schema(store: Store) -> None:
    loc = store.location("Main")
    member = store.add_member(full_name="Ada", email="a@example.com", now=NOW)
    store.open_checkin(member, loc, rules.CheckIn(NOW + timedelta(hours=1)), NOW, TILE)
    with pytest.raises(sqlite3.IntegrityError):
        store.open_checkin(member, loc, rules.CheckIn(NOW + timedelta(hours=1)), NOW, TILE)
    assert store.checkins().total == 1


def test_close_expired_closes_at_the_expiry(store: Store) -> None:
    loc = store.location("Main")
    member = store.add_member(full_name="Ada", email="a@example.com", now=NOW)
    expiry = NOW + timedelta(hours=1)
    checkin_id = store.open_checkin(member, loc, rules.CheckIn(expiry), NOW, TILE)
    assert store.close_expired(expiry - timedelta(seconds=1)) == 0
    assert store.checkin(checkin_id).to_time is None
    assert store.close_expired(expiry) == 1  # due at the very second of its expiry
    closed = store.checkin(checkin_id)
    assert (closed.to_time, closed.auto_checkout) == (expiry, True)
    assert store.close_expired(NOW + timedelta(hours=3)) == 0


def test_a_session_without_expiry_is_never_auto_closed(store: Store) -> None:
    loc = store.location("Main")
    member = store.add_member(full_name="Ada", email="a@example.com", now=NOW)
    checkin_id = store.open_checkin(member, loc, rules.CheckIn(NOW + timedelta(hours=1)), NOW, TILE)
    with store.transaction():
        store._db.execute("UPDATE checkins SET expires_at = NULL WHERE id = ?", (checkin_id,))
    assert store.close_expired(NOW + timedelta(days=400)) == 0
    assert store.checkin(checkin_id).to_time is None


def test_removing_a_member_keeps_their_history_by_name(store: Store) -> None:
    loc = store.location("Main")
    member = store.add_member(full_name="Ada", email="a@example.com", now=NOW, cards=[card("C1")])
    store.open_checkin(member, loc, rules.CheckIn(NOW + timedelta(hours=1)), NOW, TILE)
    store.remove_member(member.id)
    record = store.checkins().records[0]
    assert (record.coworker_id, record.coworker_full_name) == (None, "Ada")
    assert store.find_member(card_key="key-C1") is None


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    def enrol_then_fail() -> None:
        with store.transaction():
            store.add_member(full_name="Ada", email="a@example.com", now=NOW)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        enrol_then_fail()
    assert store.members() == []
