"""Signing in to Nexudus's admin API with an admin's email and password.

    POST https://spaces.nexudus.com/api/token     (form-encoded only; JSON is refused)
        grant_type=password&username=…&password=…[&totp=123456]
    → {"access_token": "…", "token_type": "bearer", "expires_in": 604799, "refresh_token": "…"}
        grant_type=refresh_token&refresh_token=…   (header client_id: the email)

Errors come as ``{"error": "invalid_grant" | "two_factor_auth_check" | "must_reset_password"}``;
each becomes a `SignInError` whose message tells staff what to do. A two-factor account raises
`CodeNeededError` until staff type the current code (`use_code`); after that the refresh token
keeps the kiosk signed in (Nexudus keeps refresh tokens for 15 days).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import httpx

from kiosk.backends.http import send
from kiosk.backends.tokens import CachedToken, CodeNeededError, SignInError, Token

log = logging.getLogger(__name__)

TOKEN_URL = "https://spaces.nexudus.com/api/token"  # noqa: S105 - an address, not a secret
CODE = re.compile(r"[0-9]{6,8}")  # an authenticator app's code
_WORDS = {
    "invalid_grant": "Nexudus refused the admin email or password",
    "two_factor_auth_check": "Nexudus asks for this admin's two-factor code",
    "must_reset_password": (
        "Nexudus wants this admin's password changed: sign in on Nexudus, change it, "
        "then type the new one here"
    ),
    "unsupported_grant_type": "Nexudus did not take the sign-in request",
}


class NexudusLogin(CachedToken):
    """An admin's bearer token for Nexudus's REST API; `password` is read when needed (from
    the vault), so a changed password is used at once."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        username: str,
        password: Callable[[], str],
        url: str = TOKEN_URL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(clock)
        self._http = http
        self.username = username
        self._password = password
        self._url = url
        self._code = ""

    def use_code(self, code: str) -> None:
        """The two-factor code staff typed (spaces allowed): sign in with it on the next call;
        `SignInError` if it is not 6 to 8 digits."""
        code = "".join(code.split())
        if not CODE.fullmatch(code):
            raise SignInError(
                "A two-factor code is the 6 digits the authenticator app shows", "bad_code"
            )
        self._code = code
        self.reset()

    async def _fetch(self, old: Token | None) -> Token:
        if old is not None and old.refresh:
            try:
                return await self._grant(
                    {"grant_type": "refresh_token", "refresh_token": old.refresh},
                    {"client_id": self.username},
                )
            except SignInError as exc:
                log.info("Nexudus refresh refused (%s); signing in again", exc.code or exc)
        password = self._password()
        if not self.username or not password:
            raise SignInError(
                "no Nexudus admin email and password (Backend page)", "not_configured"
            )
        form = {"grant_type": "password", "username": self.username, "password": password}
        if self._code:
            form["totp"] = self._code
        code, self._code = self._code, ""  # a code works once
        try:
            return await self._grant(form, {})
        except CodeNeededError:
            if code:
                raise CodeNeededError(
                    "Nexudus did not take that code; type the current one", "two_factor_auth_check"
                ) from None
            raise

    async def _grant(self, form: dict[str, str], headers: dict[str, str]) -> Token:
        response = await send(self._http, "POST", self._url, data=form, headers=headers)
        try:
            token = self.read(response)
        except SignInError as exc:
            words = _WORDS.get(exc.code, f"Nexudus refused the sign-in: {exc}")
            error = CodeNeededError if exc.code == "two_factor_auth_check" else SignInError
            raise error(words, exc.code) from None
        log.info("signed in to Nexudus as %s", self.username)
        return token
