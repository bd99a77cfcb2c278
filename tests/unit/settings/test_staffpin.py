"""The staff PIN: an argon2id hash only (older scrypt ones still open), and a gate that locks
after five wrong PINs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.settings import staffpin
from kiosk.settings.staffpin import ATTEMPTS, LOCKOUT, PinError, StaffGate, Verdict
from tests.helpers.clock import Ticker
from tests.helpers.kiosk import older_hash

CHEAP = staffpin.Cost(time=1, memory_kib=1024)


def test_hash_verifies_only_its_pin_and_holds_no_digits() -> None:
    stored = staffpin.hash_pin("246813", CHEAP)
    assert staffpin.is_hash(stored)
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert "246813" not in stored
    assert staffpin.verify_pin("246813", stored)
    assert not staffpin.verify_pin("2468130", stored)
    assert not staffpin.verify_pin("", stored)
    assert staffpin.hash_pin("246813", CHEAP) != stored  # a fresh salt every time
    assert not staffpin.needs_rehash(stored)


def test_the_real_cost_is_argon2id_with_64_mib() -> None:
    stored = staffpin.hash_pin("246813")
    assert stored.startswith("$argon2id$v=19$m=65536,t=4,p=1$")
    assert staffpin.verify_pin("246813", stored)


def test_an_older_scrypt_hash_still_opens_and_asks_to_be_stored_again() -> None:
    stored = older_hash("2468")
    assert staffpin.is_hash(stored)
    assert staffpin.verify_pin("2468", stored)
    assert not staffpin.verify_pin("2469", stored)
    assert staffpin.needs_rehash(stored)
    again = staffpin.rehash("2468", CHEAP)  # a 4-digit PIN that opened staff mode
    assert staffpin.verify_pin("2468", again)
    assert not staffpin.needs_rehash(again)


@pytest.mark.parametrize("pin", ["12345", "123456789", "12a456", "", "١٢٣٤٥٦", " 123456"])
def test_a_new_staff_pin_has_6_to_8_ascii_digits(pin: str) -> None:
    with pytest.raises(PinError, match="6 to 8 digits"):
        staffpin.hash_pin(pin, CHEAP)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2468",
        "scrypt$16384$8$1$c2FsdA$x",
        "scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,  # N not a power of two
        "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,  # N too large to compute
        "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,
        "$argon2id$v=19$m=4194304,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,  # 4 GiB
        "$argon2id$v=19$m=65536,t=99,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,
        "$argon2i$v=19$m=65536,t=4,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43,
        "$argon2id$v=19$m=65536,t=4,p=1$AAAAAAAAAAAAAAAAAAAAAA$short",
    ],
)
def test_malformed_hashes_are_not_hashes_and_open_nothing(text: str) -> None:
    assert not staffpin.is_hash(text)
    assert not staffpin.verify_pin("2468", text)


def test_a_well_formed_argon2_hash_of_another_pin_opens_nothing() -> None:
    text = "$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43
    assert staffpin.is_hash(text)
    assert not staffpin.verify_pin("246813", text)


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=80))
def test_any_text_as_a_hash_never_raises(text: str) -> None:
    assert staffpin.verify_pin("2468", text) is False


def test_five_wrong_pins_lock_the_gate_for_a_minute() -> None:
    clock = Ticker()
    gate = StaffGate(clock)
    stored = staffpin.hash_pin("246813", CHEAP)
    for left in range(ATTEMPTS - 1, 0, -1):
        answer = gate.try_pin("1111", stored)
        assert (answer.verdict, answer.tries_left) == (Verdict.WRONG, left)
    answer = gate.try_pin("1111", stored)
    assert (answer.verdict, answer.locked_for) == (Verdict.LOCKED, LOCKOUT)
    clock.advance(LOCKOUT - 1)
    locked = gate.try_pin("246813", stored)  # even the right PIN waits
    assert locked.verdict is Verdict.LOCKED
    assert locked.locked_for == pytest.approx(1.0)
    clock.advance(1.0)
    assert gate.locked_for() == 0
    assert gate.try_pin("246813", stored).verdict is Verdict.OPEN


def test_the_right_pin_resets_the_count() -> None:
    gate = StaffGate(Ticker())
    stored = staffpin.hash_pin("246813", CHEAP)
    for _ in range(ATTEMPTS - 1):
        gate.try_pin("1111", stored)
    assert gate.try_pin("246813", stored).verdict is Verdict.OPEN
    assert gate.try_pin("1111", stored).tries_left == ATTEMPTS - 1


def test_no_hash_opens_nothing() -> None:
    assert StaffGate(Ticker()).try_pin("2468", "").verdict is Verdict.WRONG
