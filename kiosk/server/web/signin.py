"""Signing in and out, and the first admin's one-time link.

Wrong passwords are throttled as wrong PINs are (`kiosk.server.throttle`): per browser address
and per account, the wait growing past a few mistakes; a refused attempt while waiting is not
even checked. The password is hashed in a thread (argon2id takes ~0.1 s and 64 MiB).
"""

from __future__ import annotations

import asyncio
import logging
import math

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kiosk.server.admins import EMAIL, MIN_PASSWORD, sign_in
from kiosk.server.store import DuplicateError, NotFoundError
from kiosk.server.web.forms import Form, read_form
from kiosk.server.web.pages import Parts, RefusedError, go, safe_next
from kiosk.server.web.sessions import COOKIE, FORM_COOKIE

log = logging.getLogger(__name__)


def routes(parts: Parts) -> APIRouter:
    """``/admin/signin``, ``/admin/signout`` and ``/admin/welcome``."""
    router = APIRouter(include_in_schema=False)
    tokens = parts.sessions.tokens

    def form_page(
        request: Request, template: str, status: int = 200, **context: object
    ) -> Response:
        """A page whose form is protected by a double-submit cookie (nobody is signed in)."""
        cookie = request.cookies.get(FORM_COOKIE) or tokens.new()
        page = parts.page(
            request, template, None, status, form_token=tokens.csrf(cookie), **context
        )
        page.set_cookie(
            FORM_COOKIE, cookie, httponly=True, samesite="strict", path="/admin",
            secure=request.url.scheme == "https",
        )  # fmt: skip
        return page

    async def checked_form(request: Request) -> Form:
        form = await read_form(request)
        cookie = request.cookies.get(FORM_COOKIE, "")
        if not cookie or not tokens.matches(cookie, form.text("csrf")):
            raise RefusedError(
                "This form has expired: go back, reload the page and try again.", 403
            )
        return form

    @router.get("/admin/signin")
    def signin_page(request: Request, next: str = "/admin") -> Response:
        return form_page(request, "signin.html", then=safe_next(next), email="", note="")

    @router.post("/admin/signin")
    async def signin(request: Request) -> Response:
        form = await checked_form(request)
        email, then = form.text("email")[:254], safe_next(form.text("next"))
        caller = ("address", request.client.host if request.client else "unknown")
        account = ("account", email.casefold())
        now = parts.monotonic()
        wait = max(parts.callers.wait(caller, now), parts.accounts.wait(account, now))
        if wait:
            seconds = max(1, math.ceil(wait))
            error = f"Too many attempts: try again in {seconds} s."
            page = form_page(request, "signin.html", 429, then=then, email=email, error=error)
            page.headers["Retry-After"] = str(seconds)
            return page
        admin = await asyncio.to_thread(
            sign_in, parts.store, parts.passwords, email, form.text("password")[:1024]
        )
        if admin is None:
            log.warning("a wrong admin password for an account")
            parts.callers.failed(caller, parts.monotonic())
            parts.accounts.failed(account, parts.monotonic())
            error = "Wrong email or password."
            return form_page(request, "signin.html", 401, then=then, email=email, error=error)
        return _signed_in(parts, request, admin.id, then)

    @router.post("/admin/signout")
    async def signout(request: Request) -> Response:
        signed = parts.signed(request)
        await parts.posted(request, signed)
        parts.sessions.end(signed.cookie)
        response = go("/admin/signin")
        response.delete_cookie(COOKIE, path="/admin")
        return response

    @router.get("/admin/welcome")
    def welcome_page(request: Request, code: str = "") -> Response:
        valid = parts.sessions.link_valid(code[:100], parts.clock())
        return form_page(
            request, "welcome.html", 200 if valid else 410, valid=valid, code=code[:100],
            email="", min_password=MIN_PASSWORD,
        )  # fmt: skip

    @router.post("/admin/welcome")
    async def welcome(request: Request) -> Response:
        form = await checked_form(request)
        code, email, password = (
            form.text("code")[:100],
            form.text("email")[:254],
            form.text("password"),
        )
        error = None
        if not EMAIL.fullmatch(email):
            error = f"{email!r} is not an email address."
        elif len(password) < MIN_PASSWORD:
            error = f"The password must have at least {MIN_PASSWORD} characters."
        elif password != form.text("again"):
            error = "The two passwords differ."
        if error:
            return form_page(
                request, "welcome.html", 400, valid=True, code=code, email=email,
                min_password=MIN_PASSWORD, error=error,
            )  # fmt: skip
        hashed = await asyncio.to_thread(parts.passwords.hash, password)
        try:
            admin = parts.sessions.use_link(code, email, hashed, parts.clock())
        except (NotFoundError, DuplicateError) as exc:
            raise RefusedError(str(exc), 410) from None
        log.warning("the first admin account was made through its one-time link")
        return _signed_in(parts, request, admin.id, "/admin/members")

    return router


def _signed_in(parts: Parts, request: Request, admin_id: int, then: str) -> Response:
    admin = next(a for a in parts.store.admins() if a.id == admin_id)
    cookie = parts.sessions.open(admin, parts.clock())
    response = go(then)
    response.set_cookie(
        COOKIE, cookie, httponly=True, samesite="strict", path="/admin",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    response.delete_cookie(FORM_COOKIE, path="/admin")
    return response
