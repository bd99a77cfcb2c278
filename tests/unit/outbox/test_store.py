"""The outbox's file: what it keeps, in what order, sealed, and what survives."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.domain import (
    Action,
    CheckinRequest,
    Credential,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)
from kiosk.outbox.seal import Sealer
from kiosk.outbox.store import Outbox

KEY = Sealer.new_key()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def request(
    value: str = "12345", minute: int = 0, kind: CredentialKind = CredentialKind.PIN
) -> CheckinRequest:
    credential = Credential(kind, value, "pinpad", password="Hunter2-pass" if "@" in value else "")
    return CheckinRequest(
        credential, Action.TOGGLE, "1", attempted_at=T0 + timedelta(minutes=minute)
    )


def test_entries_come_back_in_order_with_their_nonce_time_and_credential(tmp_path: Path) -> None:
    path = tmp_path / "state" / "kiosk.outbox.db"
    outbox = Outbox.open(path, Sealer(KEY))
    first, second = (
        request("11111", 0),
        request("ada@example.com", 1, CredentialKind.EMAIL_PASSWORD),
    )
    outbox.add(first, Delivery.NOT_SENT)
    outbox.add(second, Delivery.LOST, member="Ada")
    outbox.close()

    again = Outbox.open(path, Sealer(KEY))  # a restart: what was kept is still there
    entries = again.entries()
    assert [e.request for e in entries] == [first, second]
    assert [e.delivery for e in entries] == [Delivery.NOT_SENT, Delivery.LOST]
    assert entries[1].member == "Ada"
    assert entries[1].request is not None
    assert entries[1].request.credential.password == "Hunter2-pass"
    assert again.backlog().count == 2
    assert again.backlog().oldest == T0
    again.close()


def test_the_file_is_private_and_holds_no_credential_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.outbox.db"
    outbox = Outbox.open(path, Sealer(KEY))
    outbox.add(request("98765"), Delivery.NOT_SENT)
    outbox.add(request("ada@example.com", 1, CredentialKind.EMAIL_PASSWORD), Delivery.NOT_SENT)
    outbox.close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 in (0o700, 0o755, 0o1777)  # tmp_path's own
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(path.name))
    for secret in (b"98765", b"ada@example.com", b"Hunter2-pass"):
        assert secret not in data


def test_a_changed_key_leaves_entries_for_staff_never_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.outbox.db"
    Outbox.open(path, Sealer(KEY)).add(request(), Delivery.NOT_SENT)
    outbox = Outbox.open(path, Sealer(Sealer.new_key()))
    (entry,) = outbox.entries()
    assert entry.request is None
    assert entry.kind is CredentialKind.PIN


def test_answered_and_discarded_entries_leave_the_queue_for_the_history() -> None:
    outbox = Outbox.memory(Sealer(KEY))
    a = outbox.add(request("11111", 0), Delivery.NOT_SENT)
    outbox.add(request("22222", 1), Delivery.NOT_SENT)
    outbox.done(a, Outcome(Status.REJECTED, member="Ada", reason=Reason.PLAN_INACTIVE))
    (b,) = outbox.entries()
    assert outbox.discard(b.id, "Entered by hand")
    assert not outbox.discard(b.id, "twice")
    assert len(outbox) == 0
    newest, oldest = outbox.history()
    assert (oldest.status, oldest.reason, oldest.member) == (
        Status.REJECTED,
        Reason.PLAN_INACTIVE,
        "Ada",
    )
    assert newest.status is None
    assert newest.note == "discarded: Entered by hand"


def test_a_held_entry_holds_back_the_same_credential_but_not_others() -> None:
    outbox = Outbox.memory(Sealer(KEY))
    ada = outbox.add(request("11111", 0), Delivery.LOST)
    outbox.add(request("11111", 1), Delivery.NOT_SENT)
    ben = outbox.add(request("22222", 2), Delivery.NOT_SENT)
    outbox.hold(ada, "cannot tell")
    first = outbox.first()
    assert first is not None
    assert first.id == ben.id
    assert outbox.waiting(request("11111", 5))
    assert not outbox.waiting(request("33333"))
    assert outbox.backlog().held == 1
    assert outbox.release() == 1
    first = outbox.first()
    assert first is not None
    assert first.id == ada.id
    assert first.delivery is Delivery.NOT_SENT


def test_a_retry_counts_and_remembers_the_last_error() -> None:
    outbox = Outbox.memory(Sealer(KEY))
    entry = outbox.add(request(), Delivery.NOT_SENT)
    outbox.tried(entry, "ReadTimeout", Delivery.LOST)
    outbox.tried(entry, "ConnectError", Delivery.NOT_SENT)  # once it may have arrived, it may
    (kept,) = outbox.entries()
    assert (kept.tries, kept.last_error, kept.delivery) == (2, "ConnectError", Delivery.LOST)
    assert outbox.backlog().last_error == "ConnectError"


def test_a_damaged_file_is_set_aside_and_staff_are_told(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.outbox.db"
    path.write_bytes(b"this is not a database" * 100)
    outbox = Outbox.open(path, Sealer(KEY))
    assert "damaged" in outbox.problem
    assert "set aside" in outbox.problem
    assert outbox.backlog().problem == outbox.problem
    outbox.add(request(), Delivery.NOT_SENT)
    assert len(outbox) == 1
    assert [p for p in tmp_path.iterdir() if ".damaged-" in p.name]


def test_a_write_that_fails_is_an_outbox_error(tmp_path: Path) -> None:
    from kiosk.outbox.store import OutboxError

    path = tmp_path / "kiosk.outbox.db"
    outbox = Outbox.open(path, Sealer(KEY))
    outbox.close()
    with pytest.raises(OutboxError):
        outbox.add(request(), Delivery.NOT_SENT)
    with pytest.raises(OutboxError):
        outbox.backlog()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM entries").fetchone() == (0,)
