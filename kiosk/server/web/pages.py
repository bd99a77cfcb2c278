"""What every web admin page shares: the parts it needs (`Parts`), its templates, who is
signed in, the CSRF check on posts, and the answers (a page, a redirect, a refusal).

Pages are Jinja2 templates in ``templates/`` with autoescaping; their assets come from
``/admin/static`` and the Content-Security-Policy allows nothing else (no inline script).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk import __version__
from kiosk.server.admins import Passwords
from kiosk.server.devices import DeviceService
from kiosk.server.keys import InstallKeys
from kiosk.server.reports import zone_of
from kiosk.server.store import NotFoundError, Store
from kiosk.server.throttle import ACCOUNT_DRAIN, ACCOUNT_LONGEST, Throttle
from kiosk.server.web.forms import Form, read_form
from kiosk.server.web.mail import Mailer
from kiosk.server.web.sessions import COOKIE, Sessions, Signed
from kiosk.server.web.words import Words

HERE = Path(__file__).parent
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self';"
    " script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
Clock = Callable[[], datetime]
SOURCES = {1: "Manual", 2: "Door", 3: "Wi-Fi", 4: "Kiosk", 5: "Sensor"}  # Nexudus eCheckinSource
T = TypeVar("T")


class NotSignedInError(Exception):
    """The page needs a signed-in admin; the browser goes to sign-in, then back to `then`."""

    def __init__(self, then: str) -> None:
        super().__init__(then)
        self.then = then


class RefusedError(Exception):
    """A request the admin cannot make (a stale form, a missing record); words for staff."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Parts:
    """What the admin's pages are built from, made once in `kiosk.server.web.install`."""

    store: Store
    keys: InstallKeys
    clock: Clock
    sessions: Sessions
    passwords: Passwords
    mailer: Mailer
    devices: DeviceService
    monotonic: Callable[[], float] = time.monotonic
    callers: Throttle = dataclasses.field(default_factory=Throttle)
    accounts: Throttle = dataclasses.field(
        default_factory=lambda: Throttle(ACCOUNT_LONGEST, ACCOUNT_DRAIN)
    )
    templates: jinja2.Environment = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["local"] = _local
        self.templates.filters["since"] = _since

    def signed(self, request: Request) -> Signed:
        """The signed-in admin; `NotSignedInError` when there is none."""
        found = self.sessions.find(request.cookies.get(COOKIE), self.clock())
        if found is None:
            then = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NotSignedInError(then)
        return found

    async def posted(self, request: Request, signed: Signed) -> Form:
        """The posted form, refused when its CSRF token is not this session's."""
        form = await read_form(request)
        if not self.sessions.tokens.matches(signed.cookie, form.text("csrf")):
            raise RefusedError(
                "This form has expired: go back, reload the page and try again.", 403
            )
        return form

    def page(
        self,
        request: Request,
        template: str,
        signed: Signed | None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        """`template` rendered in the browser's language."""
        words = Words.choose(request.headers.get("accept-language", ""))
        html = self.templates.get_template(template).render(
            _=words,
            lang=words.language,
            signed=signed,
            csrf=signed.csrf if signed else "",
            path=request.url.path,
            version=__version__,
            now=self.clock(),
            sources=SOURCES,
            timedelta=timedelta,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)


def found(fetch: Callable[[], T]) -> T:
    """What `fetch` finds; a page saying so (404) when it is not there."""
    try:
        return fetch()
    except NotFoundError as exc:
        raise RefusedError(str(exc), 404) from None


def go(to: str, note: str = "") -> RedirectResponse:
    """See `to` after a post (303), with a `note` to show there."""
    if note:
        to += ("&" if "?" in to else "?") + "note=" + quote(note)
    return RedirectResponse(to, status_code=303, headers=HEADERS)


def safe_next(then: str) -> str:
    """Where to go after sign-in: an admin page of ours, never another site."""
    ok = then.startswith("/admin") and not then.startswith("//") and "\\" not in then
    return then if ok else "/admin"


def download(body: str | bytes, media: str, filename: str) -> Response:
    """A file the browser saves as `filename`."""
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media, headers=headers)


def _local(moment: datetime | None, zone_name: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in a location's zone, with the zone's abbreviation."""
    if moment is None:
        return ""
    return moment.astimezone(zone_of(zone_name)).strftime(fmt + " %Z")


def _since(moment: datetime | None, now: datetime) -> str:
    """How long ago: ``12 s``, ``5 min``, ``3 h``, ``2 d``."""
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
