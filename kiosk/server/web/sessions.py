"""Who is signed in to the web admin: a random cookie per session, stored as its keyed hash,
ended after `IDLE` without a request or `LONGEST` after sign-in; a CSRF token per session
derived from its cookie (forms carry it, a post without it is refused).

Before sign-in there is no session, so the sign-in and first-admin forms use a double submit:
a random ``kiosk_form`` cookie and the form's token derived from it must agree.

>>> from kiosk.server.keys import InstallKeys
>>> tokens = Tokens(InstallKeys.generate())
>>> cookie = tokens.new()
>>> tokens.matches(cookie, tokens.csrf(cookie)), tokens.matches(cookie, "forged")
(True, False)
"""

from __future__ import annotations

import dataclasses
import hmac
import secrets
from datetime import datetime, timedelta

from kiosk.server.keys import InstallKeys
from kiosk.server.store import Store
from kiosk.server.store.models import Admin

COOKIE = "kiosk_admin"
FORM_COOKIE = "kiosk_form"
IDLE = timedelta(minutes=30)
LONGEST = timedelta(hours=12)
LINK_LIFE = timedelta(days=7)


class Tokens:
    """Random tokens and what is derived from them with the install's pepper."""

    def __init__(self, keys: InstallKeys) -> None:
        self._keys = keys

    @staticmethod
    def new() -> str:
        """A fresh random token for a cookie or a link."""
        return secrets.token_urlsafe(32)

    def key(self, kind: str, token: str) -> str:
        """How a token of `kind` is stored: its keyed hash."""
        return self._keys.lookup(kind, token)

    def csrf(self, cookie: str) -> str:
        """The CSRF token of the session (or form cookie) `cookie`."""
        return self._keys.lookup("csrf", cookie)

    def matches(self, cookie: str, token: str) -> bool:
        """Whether a form's `token` belongs to `cookie` (constant time)."""
        return hmac.compare_digest(self.csrf(cookie).encode(), token.encode())


@dataclasses.dataclass(frozen=True)
class Signed:
    """A signed-in request: its account, its cookie and the CSRF token forms must carry."""

    admin: Admin
    cookie: str = dataclasses.field(repr=False)
    csrf: str = dataclasses.field(repr=False)


class Sessions:
    """Sessions over the store."""

    def __init__(
        self, store: Store, keys: InstallKeys, idle: timedelta = IDLE, longest: timedelta = LONGEST
    ) -> None:
        self._store, self.tokens = store, Tokens(keys)
        self.idle, self._longest = idle, longest

    def open(self, admin: Admin, now: datetime) -> str:
        """A new session for `admin`; its cookie."""
        cookie = self.tokens.new()
        self._store.open_session(self.tokens.key("session", cookie), admin.id, now)
        return cookie

    def find(self, cookie: str | None, now: datetime) -> Signed | None:
        """The session `cookie` names, if it is still open."""
        if not cookie:
            return None
        admin = self._store.session_admin(
            self.tokens.key("session", cookie), now - self.idle, now - self._longest, now
        )
        return Signed(admin, cookie, self.tokens.csrf(cookie)) if admin else None

    def end(self, cookie: str) -> None:
        """Sign out."""
        self._store.end_session(self.tokens.key("session", cookie))

    def first_admin_link(self, now: datetime) -> str | None:
        """A new one-time link code that makes the first account, when there is none yet."""
        if self._store.admins():
            return None
        code = self.tokens.new()
        self._store.add_admin_link(self.tokens.key("link", code), now + LINK_LIFE)
        return code

    def link_valid(self, code: str, now: datetime) -> bool:
        """Whether `code` still makes the first account."""
        return self._store.admin_link_valid(self.tokens.key("link", code), now)

    def use_link(self, code: str, email: str, password_hash: str, now: datetime) -> Admin:
        """The first account, made once through the link `code`."""
        return self._store.use_admin_link(self.tokens.key("link", code), email, password_hash, now)
