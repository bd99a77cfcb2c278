"""The web admin's accounts: `kiosk admins`, argon2id hashes, signing in."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.server.admins import Cost, Passwords, add_admin, sign_in
from kiosk.server.service import AdminError
from kiosk.server.store import Store

T0 = datetime(2026, 12, 1, tzinfo=UTC)
CHEAP = Cost(time=1, memory_kib=8)
PASSWORD = "correct horse battery"


def admins(capsys: pytest.CaptureFixture[str], *argv: str, typed: str = "") -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(typed))
        code = main(["admins", *argv])
    out, err = capsys.readouterr()
    return code, out + err


def test_accounts_are_added_listed_and_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "admin.db")
    Store(db).close()
    code, said = admins(capsys, "add", "--db", db, "--email", "ops@example.com", typed=PASSWORD)
    assert (code, said) == (0, "Added admin 1: ops@example.com\n")
    code, said = admins(capsys, "add", "--db", db, "--email", "OPS@example.com", typed=PASSWORD)
    assert code == 1
    assert "has an admin account already" in said
    code, said = admins(capsys, "list", "--db", db)
    assert "ops@example.com" in said
    assert said.endswith("1 admin account(s)\n")
    assert PASSWORD.encode() not in Path(db).read_bytes()
    store = Store(db)
    try:
        found = store.admin_hash("ops@example.com")
        assert found is not None
        assert found[1].startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    finally:
        store.close()
    assert admins(capsys, "remove", "--db", db, "--email", "ops@example.com")[0] == 0
    code, said = admins(capsys, "remove", "--db", db, "--email", "ops@example.com")
    assert code == 1
    assert "no admin account for ops@example.com" in said


@pytest.mark.parametrize(
    ("email", "typed", "words"),
    [
        ("ops@example.com", "short\n", "at least 12 characters"),
        ("ops@example.com", "", "no password on standard input"),
        ("not an email", f"{PASSWORD}\n", "is not an email address"),
    ],
)
def test_bad_accounts_are_refused_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], email: str, typed: str, words: str
) -> None:
    db = str(tmp_path / "admin.db")
    Store(db).close()
    code, said = admins(capsys, "add", "--db", db, "--email", email, typed=typed)
    assert code == 1
    assert words in said
    assert "Traceback" not in said


def test_sign_in_takes_the_right_password_only_and_strengthens_an_old_hash() -> None:
    store = Store(":memory:")
    weak = Passwords(CHEAP)
    add_admin(store, weak, "ops@example.com", PASSWORD, T0)
    assert sign_in(store, weak, "ops@example.com", "wrong password!") is None
    assert sign_in(store, weak, "nobody@example.com", PASSWORD) is None
    admin = sign_in(store, Passwords(), " ops@example.com", PASSWORD)
    assert admin is not None
    assert admin.email == "ops@example.com"
    found = store.admin_hash("ops@example.com")
    assert found is not None
    assert "m=65536,t=3" in found[1]  # made again at today's cost
    with pytest.raises(AdminError, match="has an admin account already"):
        add_admin(store, weak, "ops@example.com", PASSWORD, T0)
    store.close()
