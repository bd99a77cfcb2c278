"""Bearer tokens for the backends' admin APIs: fetched once, kept until shortly before they
expire, fetched again by one caller at a time.

    login = SomeLogin(...)           # a `CachedToken`: Nexudus's password grant, Kadence's
    await http.get(url, auth=BearerAuth(login))   # client credentials; a 401 signs in again

A refused sign-in raises `SignInError` (its `code` is the OAuth error, like ``invalid_grant``)
and is not tried again for `RETRY_SECONDS` unless the credentials change (`reset`), so a wrong
password does not hammer the sign-in endpoint on every check-in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Protocol

import httpx

from kiosk.backends.base import BackendProtocolError
from kiosk.backends.http import json_of, keys_of, snippet

log = logging.getLogger(__name__)

RETRY_SECONDS = 60.0
EARLY = 300.0  # renew this long before expiry (or at half the lifetime of a short token)


class SignInError(BackendProtocolError):
    """The backend refused to sign in; the message is for staff."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


NO_CODE = "Only a Nexudus admin sign-in takes a two-factor code"


class CodeNeededError(SignInError):
    """The account has two-factor sign-in: staff must type the current code."""


class TokenSource(Protocol):
    """Where a bearer token comes from."""

    async def bearer(self) -> str:
        """A token that is valid now; raises `BackendError`."""
        ...

    def forget(self) -> None:
        """Drop the token (the backend refused it)."""
        ...


class StaticToken:
    """A fixed token (our own server's admin token); empty means none was given."""

    def __init__(self, token: str = "", missing: str = "no admin token") -> None:
        self._token = token
        self._missing = missing

    async def bearer(self) -> str:
        """The token, or `SignInError` without one."""
        if not self._token:
            raise SignInError(self._missing, "not_configured")
        return self._token

    def forget(self) -> None:
        """Nothing to drop: the same token is all there is."""


class BearerAuth(httpx.Auth):
    """The one 401 policy, run by httpx: each request carries the token from `source`; an
    answer in `renew_on` (401) drops the token and sends the request once more with a new one.
    A sign-in that fails raises its `SignInError` from the request."""

    def __init__(self, source: TokenSource, renew_on: tuple[int, ...] = (401,)) -> None:
        self._source = source
        self._renew_on = renew_on

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Sign the request; sign it afresh once if the token was refused."""
        request.headers["Authorization"] = f"Bearer {await self._source.bearer()}"
        response = yield request
        if response.status_code in self._renew_on:
            log.info("the backend refused the token (HTTP %s); signing in again",
                     response.status_code)  # fmt: skip
            self._source.forget()
            request.headers["Authorization"] = f"Bearer {await self._source.bearer()}"
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """The kiosk's client is asynchronous only."""
        raise RuntimeError("BearerAuth signs asynchronous requests only")


@dataclasses.dataclass(frozen=True)
class Token:
    """An access token, when it stops working (`time.monotonic`), and its refresh token."""

    access: str = dataclasses.field(repr=False)
    expires_at: float
    refresh: str = dataclasses.field(default="", repr=False)
    lifetime: float = 0.0

    def fresh(self, now: float) -> bool:
        """Whether it is still worth using, with time to spare."""
        return now < self.expires_at - min(EARLY, self.lifetime / 2)


class CachedToken:
    """A token fetched by `_fetch` and kept until shortly before it expires."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._token: Token | None = None
        self._failure: tuple[SignInError, float] | None = None
        self._lock = asyncio.Lock()

    @property
    def token(self) -> Token | None:
        """The token held now, if any."""
        return self._token

    async def bearer(self) -> str:
        """A fresh access token, fetched or renewed as needed."""
        async with self._lock:
            now = self._clock()
            if self._token is not None and self._token.fresh(now):
                return self._token.access
            if self._failure is not None and now < self._failure[1]:
                raise self._failure[0]
            try:
                self._token = await self._fetch(self._token)
            except SignInError as exc:
                self._token = None
                self._failure = (exc, now + RETRY_SECONDS)
                raise
            self._failure = None
            return self._token.access

    def forget(self) -> None:
        """Drop the access token; a refresh token is kept for the next sign-in."""
        if self._token is not None:
            self._token = dataclasses.replace(self._token, expires_at=float("-inf"))

    def reset(self) -> None:
        """The credentials changed: forget everything, and try again at once."""
        self._token = None
        self._failure = None

    async def _fetch(self, old: Token | None) -> Token:
        raise NotImplementedError

    def read(self, response: httpx.Response) -> Token:
        """The token in an OAuth2 token answer, or `SignInError` with the OAuth error."""
        if response.status_code in (400, 401):
            code, text = _oauth_error(response)
            raise SignInError(text, code)
        data = json_of(response)
        access = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(access, str) or not access:
            raise BackendProtocolError(f"no access_token in the token answer: {keys_of(data)}")
        lifetime = data.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) and lifetime > 0 else 3600.0
        refresh = data.get("refresh_token")
        return Token(
            access,
            self._clock() + seconds,
            refresh if isinstance(refresh, str) else "",
            seconds,
        )


def _oauth_error(response: httpx.Response) -> tuple[str, str]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return "", f"HTTP {response.status_code}: {snippet(response)}"
    code = str(data.get("error") or "")
    text = str(data.get("error_description") or code or snippet(response))
    return code, text[:200]
