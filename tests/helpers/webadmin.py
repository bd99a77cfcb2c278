"""The web admin from the outside: a staff member's browser as an httpx client (cookies kept,
forms posted with the CSRF token the page carries), and an admin account made cheaply."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from pytestqt.qtbot import QtBot

from kiosk.backends.local.client import LocalClient
from kiosk.server.admins import Cost, Passwords, add_admin
from kiosk.server.runner import ServerThread
from tests.helpers.server import device_token

EMAIL, PASSWORD = "desk@space.example", "a long desk password"
CHEAP = Passwords(Cost(time=1, memory_kib=8))  # argon2id at its lowest: tests stay quick
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def add_desk_admin(running: ServerThread, passwords: Passwords = CHEAP) -> None:
    """The account `EMAIL`/`PASSWORD` on the running server."""
    add_admin(running.server.store, passwords, EMAIL, PASSWORD, datetime.now(UTC))


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Desk:
    """A browser at the admin: `get` pages, `post` forms (the token taken from `form_page`)."""

    def __init__(self, running: ServerThread) -> None:
        self.http = httpx.Client(base_url=running.url, follow_redirects=False, timeout=10)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def post(self, path: str, form_page: str = "/admin/members", **data: Any) -> httpx.Response:
        """Post `data` with the CSRF token of the page at `form_page`."""
        token = csrf_of(self.get(form_page).text)
        return self.http.post(path, data={"csrf": token, **data})

    def sign_in(self, email: str = EMAIL, password: str = PASSWORD) -> httpx.Response:
        token = csrf_of(self.get("/admin/signin").text)
        return self.http.post(
            "/admin/signin", data={"csrf": token, "email": email, "password": password}
        )

    def close(self) -> None:
        self.http.close()


@contextlib.contextmanager
def kiosk_client(
    running: ServerThread, qtbot: QtBot, aloop: asyncio.AbstractEventLoop
) -> Iterator[LocalClient]:
    """The client a kiosk paired as "Front desk" uses, on the Qt loop's asyncio; closed
    after (its connection returned before the loop ends)."""
    http = httpx.AsyncClient()
    token = device_token(running, "Front desk")
    yield LocalClient(http, running.url, embedded=False, device_token=token)
    closed = aloop.create_task(http.aclose())
    qtbot.waitUntil(closed.done)
