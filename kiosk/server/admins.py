"""The web admin's accounts: made and removed by ``kiosk admins``, their passwords kept as
argon2id hashes (RFC 9106's second recommended parameters: 64 MiB, 3 passes), checked in the
same time whether the account exists or not.

>>> hasher = Passwords(Cost(time=1, memory_kib=8))
>>> stored = hasher.hash("correct horse battery staple")
>>> stored.startswith("$argon2id$"), hasher.verify("correct horse battery staple", stored)
(True, True)
>>> hasher.verify("wrong", stored), hasher.verify("wrong", None)
(False, False)
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.server.service import AdminError
from kiosk.server.store import DuplicateError, NotFoundError, Store
from kiosk.server.store.models import Admin

MIN_PASSWORD = 12  # NIST SP 800-63B asks for at least 8; staff manage members' data
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclasses.dataclass(frozen=True)
class Cost:
    """argon2id's cost."""

    time: int = 3
    memory_kib: int = 64 * 1024


class Passwords:
    """Hashes and checks admin passwords."""

    def __init__(self, cost: Cost | None = None) -> None:
        cost = cost or Cost()
        self._hasher = argon2.PasswordHasher(
            time_cost=cost.time, memory_cost=cost.memory_kib, parallelism=1
        )
        self._dummy = self._hasher.hash("no account has this password")

    def hash(self, password: str) -> str:
        """A salted argon2id hash of `password`."""
        return self._hasher.hash(password)

    def verify(self, password: str, stored: str | None) -> bool:
        """Whether `password` matches `stored`; as slow without an account (None)."""
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with a lower cost than today's."""
        return self._hasher.check_needs_rehash(stored)


def add_admin(
    store: Store, passwords: Passwords, email: str, password: str, now: datetime
) -> Admin:
    """A new admin account; `AdminError` with words for a bad email, a short password or an
    email that has an account."""
    email = email.strip()
    if not EMAIL.fullmatch(email):
        raise AdminError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"the password must have at least {MIN_PASSWORD} characters")
    try:
        return store.add_admin(email, passwords.hash(password), now)
    except DuplicateError as exc:
        raise AdminError(str(exc)) from None


def sign_in(store: Store, passwords: Passwords, email: str, password: str) -> Admin | None:
    """The account `email` and `password` open, or None; a hash made at a lower cost is made
    again at today's."""
    found = store.admin_hash(email.strip())
    admin, stored = found if found else (None, None)
    if not passwords.verify(password, stored) or admin is None or stored is None:
        return None
    if passwords.needs_rehash(stored):
        store.set_admin_hash(admin.id, passwords.hash(password))
    return admin


def remove_admin(store: Store, email: str) -> None:
    """Remove an account; `AdminError` when there is none."""
    try:
        store.remove_admin(email.strip())
    except NotFoundError as exc:
        raise AdminError(str(exc)) from None
