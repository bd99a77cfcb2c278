"""The web admin at ``/admin``: server-rendered pages for staff over the embedded server.

    /admin/signin, /signout, /welcome   `signin`   accounts, sessions, the first admin's link
    /admin/members[/…]                  `members`  find, add, edit, disable, remove; PIN, cards,
                                                   phone tokens, day passes; the QR pass
    /admin/whosin[/…], /admin/failed    `whosin`   who is in now (live), check-out, refusals
    /admin/reports, /admin/export/…     `reports`  counts, occupancy chart, CSV and JSON
    /admin/plans, /admin/locations      `places`   plans and locations
    /admin/kiosks[/…]                   `kiosks`   paired devices, their heartbeat and config
    /admin/static/…                     our CSS and script (no CDN, no build step)

None of it is in the OpenAPI document: it is a browser's, not an API.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.server.web import credentials, kiosks, members, places, reports, signin, whosin
from kiosk.server.web.forms import FormError
from kiosk.server.web.pages import HEADERS, HERE, NotSignedInError, Parts, RefusedError
from kiosk.server.web.sessions import COOKIE

log = logging.getLogger(__name__)
STATIC = {"admin.css": "text/css", "admin.js": "text/javascript"}


def install(app: FastAPI, parts: Parts) -> None:
    """Add the admin's pages to `app`."""
    for module in (signin, members, credentials, whosin, reports, places, kiosks):
        app.include_router(module.routes(parts))

    @app.get("/admin", include_in_schema=False)
    def home(request: Request) -> Response:
        parts.signed(request)
        return RedirectResponse("/admin/whosin", status_code=303)

    @app.get("/admin/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        headers = {"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"}
        return FileResponse(HERE / "static" / name, media_type=STATIC[name], headers=headers)

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotSignedInError)
        return RedirectResponse(
            f"/admin/signin?next={quote(exc.then)}", status_code=303, headers=HEADERS
        )

    async def refused(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, RefusedError) else 400
        signed = parts.sessions.find(request.cookies.get(COOKIE), parts.clock())
        back = request.headers.get("referer", "") or "/admin"
        return parts.page(
            request, "refused.html", signed, status, message=str(exc), back=_local_back(back)
        )

    app.add_middleware(ServerTiming)
    app.add_exception_handler(NotSignedInError, sign_in_first)
    app.add_exception_handler(RefusedError, refused)
    app.add_exception_handler(FormError, refused)


class ServerTiming:
    """Each admin page says how long the server took (``Server-Timing: app;dur=12.3``, in
    ms): a browser's developer tools show it, and the benchmark reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/admin"):
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = f"app;dur={(time.perf_counter() - began) * 1000:.1f}"
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"server-timing", took.encode())]}  # fmt: skip
            await send(message)

        await self.app(scope, receive, timed)


def _local_back(referer: str) -> str:
    path = referer.split("://", 1)[-1].partition("/")[2]
    return "/" + path if path.startswith("admin") else "/admin"


__all__ = ["Parts", "install"]
