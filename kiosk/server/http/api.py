"""The HTTP API of the check-in server (FastAPI).

    POST /api/public/checkin               JSON or form: Pincode [+Email] | AccessCardId |
                                           Email+Password | Token | Mac; DoNotCheckIn validates;
                                           a paired device's token as a bearer token
    POST /api/public/sightings              a presence agent's devices seen (`http.sightings`)
    POST /api/public/pair                   {"Code": "K7F3-9QWX"} → the device's token, once
    GET  /api/public/passkey                the public key that verifies this server's passes
    GET  /health
    …and the admin routes of `kiosk.server.http.admin`.

Store calls are short and run on the event loop; only password hashing goes to a thread.
Every error, including ones we did not foresee, leaves as JSON in Nexudus's shapes.

Only paired devices may check members in (`kiosk devices add`): a check-in without a device's
token is 401, unless the server runs with `open_checkin` (Nexudus's open endpoint, for sites
that want it). A browser's request (an ``Origin`` not in `allow_origins`) is refused either
way, and so is a form post without a device's token: no web page can check anyone in.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk import __version__, passes
from kiosk.domain import Reason
from kiosk.server import web
from kiosk.server.admins import Passwords
from kiosk.server.checkin import (
    DOOR,
    OFFLINE_WINDOW,
    CheckinCommand,
    CheckinService,
    ReplayError,
    UnknownLocationError,
    normalise_card,
)
from kiosk.server.checkin import Field as CredentialField
from kiosk.server.devices import DeviceService, PairingError
from kiosk.server.http import schema, wire
from kiosk.server.http.admin import admin_routes
from kiosk.server.http.fleet import fleet_routes
from kiosk.server.http.sightings import sighting_routes
from kiosk.server.keys import InstallKeys
from kiosk.server.presence import QUIET
from kiosk.server.store import DuplicateError, NotFoundError, Store
from kiosk.server.store.db import StorageError, storage_error
from kiosk.server.store.models import Device
from kiosk.server.store.presence import NETWORK
from kiosk.server.throttle import ACCOUNT_DRAIN, ACCOUNT_LONGEST, Throttle
from kiosk.server.web.mail import Mailer, NoMailer
from kiosk.server.web.pages import Parts
from kiosk.server.web.sessions import LONGEST, Sessions

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
EMAIL, MAC = CredentialField.EMAIL, CredentialField.MAC
RETAIN_FAILED = timedelta(days=90)  # failed check-ins are kept this long
_DENIED = "Authorization has been denied for this request."


def create_app(
    store: Store,
    keys: InstallKeys,
    clock: Clock = lambda: datetime.now(UTC),
    sweep_seconds: float = 30.0,
    open_checkin: bool = False,
    allow_origins: frozenset[str] = frozenset(),
    monotonic: Callable[[], float] = time.monotonic,
    retain_failed: timedelta = RETAIN_FAILED,
    passwords: Passwords | None = None,
    mailer: Mailer | None = None,
    presence_quiet: timedelta = QUIET,
) -> FastAPI:
    """The API over `store`; open check-ins past expiry are closed every `sweep_seconds`.
    `open_checkin` lets callers that are not paired devices check members in; a browser
    page may call the check-in endpoint only from `allow_origins`. Guessing is throttled on
    `monotonic` time; failed check-ins older than `retain_failed` are pruned. The web admin
    checks its staff's passwords with `passwords` and sends email through `mailer`. A member's
    devices unseen on the network for `presence_quiet` have left (`kiosk.server.presence`)."""
    service = CheckinService(store, keys, clock, presence_quiet=presence_quiet)
    devices = DeviceService(store, keys, clock)
    callers, accounts = Throttle(), Throttle(ACCOUNT_LONGEST, ACCOUNT_DRAIN)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sweep(store, service, clock, sweep_seconds, retain_failed))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app = FastAPI(title="kiosk check-in server", version=__version__, lifespan=lifespan)
    _install_error_handlers(app)
    app.include_router(admin_routes(store, keys, clock))

    def paired(request: Request) -> Device:
        """The paired device a request comes from; 401 for any other caller."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        found = devices.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if found is None:
            raise _unpaired("only a paired device may say how it is: pair this one first")
        return found

    app.include_router(fleet_routes(store, clock, paired))
    app.include_router(sighting_routes(store, service, clock, paired))
    sessions = Sessions(store, keys)
    parts = Parts(
        store, keys, clock, sessions, passwords or Passwords(), mailer or NoMailer(), devices,
        monotonic,
    )  # fmt: skip
    web.install(app, parts)
    app.openapi = lambda: schema.document(app)  # type: ignore[method-assign]

    body_schema = {"schema": wire.CheckinFields.model_json_schema()}

    @app.post(
        "/api/public/checkin",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": body_schema,
                    "application/x-www-form-urlencoded": body_schema,
                },
            }
        },
    )
    async def checkin(request: Request) -> JSONResponse:
        """Check a member in or out (Nexudus's public check-in)."""
        device = _device(request, devices, open_checkin, allow_origins)
        command = wire.parse_checkin(
            await wire.read_body(request), request.headers.get("content-type", "")
        )
        caller = ("device", device.id) if device else ("address", _address(request))
        if wait := callers.wait(caller, monotonic()):
            return _too_many(wait, "from this device")
        command = _from_device(command, device)
        if device is not None and (offered := _offered_card(store, keys, device, command, clock())):
            return offered
        account = _account(command)
        if account is not None and (wait := accounts.wait(account, monotonic())):
            return _too_many(wait, "for this account")
        try:
            result = await service.check(command)
        except UnknownLocationError as exc:
            raise wire.BadRequestError(
                str(exc), errors=[("BusinessId", str(exc), command.location_id)]
            ) from None
        except ReplayError as exc:
            raise wire.BadRequestError(str(exc), errors=[("CheckinTime", str(exc), None)]) from None
        log.info(
            "check-in %s via %s: %s %s",
            command.action.value,
            command.presented.field.value,
            result.status.value,
            result.reason.value if result.reason else "",
        )
        if result.reason is Reason.UNKNOWN_CREDENTIAL and command.presented.field is not MAC:
            callers.failed(caller, monotonic())  # a guess, or a typo: the bucket fills
            if account is not None:
                accounts.failed(account, monotonic())
        status, body = wire.checkin_body(result, to_device=device is not None)
        return JSONResponse(body, status_code=status)

    @app.post(
        "/api/public/pair",
        responses={400: {"description": "the code is wrong, used or expired"}},
    )
    async def pair(request: Request) -> JSONResponse:
        """Exchange a one-time pairing code for this device's own token (`kiosk devices add`)."""
        code = wire.parse_pairing(
            await wire.read_body(request), request.headers.get("content-type", "")
        )
        try:
            device, token = devices.pair(code)
        except PairingError as exc:
            log.warning("a pairing code was refused")
            raise wire.BadRequestError(str(exc), errors=[("Code", str(exc), None)]) from None
        log.warning("device %d (%s) is paired", device.id, device.name)
        paired = {"DeviceId": device.id, "Name": device.name, "Kind": device.kind, "Token": token}
        return JSONResponse(paired)

    @app.get("/api/public/passkey")
    def pass_key() -> dict[str, str]:
        """The Ed25519 public key that verifies this server's passes, so kiosks can offline."""
        public = keys.issuer.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {
            "Algorithm": "Ed25519",
            "KeyId": keys.issuer.key_id.hex(),
            "PublicKey": public.hex(),
        }

    @app.get("/health", responses={503: {"description": "the database cannot take check-ins"}})
    def health() -> JSONResponse:
        """Liveness, version and schema version; 503 with the reason when the database
        cannot take a write (disk full, read-only, corrupt, locked)."""
        problem = store.health(time.monotonic())
        if problem is not None:
            log.error("the database cannot take check-ins: %s", problem)
            return JSONResponse({"status": "error", "reason": problem}, status_code=503)
        body = {"status": "ok", "version": __version__, "schema": store.schema_version}
        return JSONResponse(body)

    return app


def _from_device(command: CheckinCommand, device: Device | None) -> CheckinCommand:
    """`command` as `device` may send it: a door's check-ins are DoorAccess, a presence
    device's sightings NetworkActivity; only a presence device reports a bare `Mac`."""
    kind = device.kind if device is not None else None
    sighting = command.presented.field is MAC
    if sighting != (kind == "presence"):
        why = (
            "only a paired device of kind presence reports devices seen on the network"
            if sighting
            else "a presence device reports devices seen on the network (Mac), nothing else"
        )
        raise wire.BadRequestError(why, errors=[("Mac", why, None)])
    source = {"door": DOOR, "presence": NETWORK}.get(kind or "", command.source)
    device_id = device.id if device is not None else None
    return dataclasses.replace(command, source=source, device_id=device_id)


def _offered_card(
    store: Store, keys: InstallKeys, device: Device, command: CheckinCommand, now: datetime
) -> JSONResponse | None:
    """An unknown card read on a device the web admin waits on ("tap it on a kiosk") is kept
    for staff to enrol, not a failed check-in; None for every other attempt."""
    if command.presented.field is not CredentialField.CARD:
        return None
    card = keys.card(normalise_card(command.presented.value))
    if store.find_member(card_key=card.key) is not None:
        return None
    if not store.card_read(device.id, card, now):
        return None
    log.info("a card read on device %d is offered for enrolment", device.id)
    message = "This card was read for enrolment: staff enrol it in the web admin."
    extra = {"ReasonCode": Reason.UNKNOWN_CREDENTIAL.value}
    return JSONResponse(wire.envelope(404, message, ok=False, extra=extra), status_code=404)


def _device(
    request: Request, devices: DeviceService, open_checkin: bool, allow_origins: frozenset[str]
) -> Device | None:
    """The paired device a check-in comes from (None: an open endpoint's anonymous caller);
    raises `BadRequestError` 401 or 403 for a request that may not check anyone in."""
    origin = request.headers.get("origin")
    if origin is not None and origin not in allow_origins:
        why = f"requests from web pages ({origin[:100]}) may not check members in"
        raise wire.BadRequestError(why, 403, errors=[("Origin", why, None)])
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        device = devices.authenticate(token.strip())
        if device is None:
            raise _unpaired("this device's token is not valid (unknown, or revoked)")
        return device
    if not open_checkin:
        raise _unpaired("only paired devices may check members in: pair this one first")
    if "form" in request.headers.get("content-type", ""):
        why = "a form post may not check members in without a paired device's token"
        raise wire.BadRequestError(why, 403, errors=[("Authorization", why, None)])
    return None


class Contained:
    """Every error we did not foresee becomes one short log line and a 500 with its id; the
    traceback only at debug level (Starlette's own handler would log it for every request,
    so that anyone could fill the log)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            ident = uuid.uuid4().hex[:12]
            why = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.error(
                "unexpected error %s in %s %s: %s", ident, scope["method"], scope["path"], why
            )
            log.debug("unexpected error %s", ident, exc_info=exc)
            if not started:
                body = {"Message": "An error has occurred.", "RequestId": ident}
                await JSONResponse(body, status_code=500)(scope, receive, send)


def _methods(app: FastAPI, request: Request) -> list[str]:
    """The methods the routes at `request`'s path take."""
    methods: set[str] = set()
    for route in app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def _address(request: Request) -> str:
    """The caller's address (an open server's anonymous callers are throttled by it)."""
    return request.client.host if request.client else "unknown"


def _account(command: CheckinCommand) -> tuple[str, str] | None:
    """The account an email check-in names, throttled on its own (wrong passwords lock it)."""
    presented = command.presented
    return ("account", presented.value.casefold()) if presented.field is EMAIL else None


def _too_many(wait: float, whom: str) -> JSONResponse:
    """429 with Retry-After: the caller (or the account) must wait `wait` seconds."""
    seconds = max(1, math.ceil(wait))
    message = f"Too many attempts {whom}: try again in {seconds} s."
    body = wire.envelope(429, message, ok=False, extra={"ReasonCode": Reason.RATE_LIMITED.value})
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(seconds)})


def _unpaired(why: str) -> wire.BadRequestError:
    error = wire.BadRequestError(why, 401, errors=[("Authorization", why, None)])
    error.headers = {"WWW-Authenticate": "Bearer"}
    return error


async def _sweep(
    store: Store, service: CheckinService, clock: Clock, seconds: float, retain_failed: timedelta
) -> None:
    while True:
        now = clock()
        closed = store.close_expired(now)
        if closed:
            log.info("auto-checked-out %d expired check-ins", closed)
        store.forget_used_passes(now - passes.LEEWAY)
        store.forget_answers(now - OFFLINE_WINDOW - timedelta(days=1))
        store.forget_pairing_codes(now)
        store.forget_sessions(now - LONGEST)
        if ended := service.presence.sweep(now):
            log.info("%d members left: their devices were not seen for a while", ended)
        if pruned := store.forget_failed(now - retain_failed):
            log.info("pruned %d failed check-ins older than %d days", pruned, retain_failed.days)
        await asyncio.sleep(seconds)


def _install_error_handlers(app: FastAPI) -> None:
    async def bad_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, wire.BadRequestError)
        body = wire.bad_request_body(exc)
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    async def invalid_query(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            (str(e["loc"][-1]), str(e["msg"]), wire.plain(e.get("input"))) for e in exc.errors()
        ]
        return await bad_request(_, wire.BadRequestError("The request is invalid.", errors=errors))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        body = wire.envelope(exc.status_code, str(exc.detail), ok=False)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method the path takes, not only the first route's
            headers["Allow"] = ", ".join(_methods(app, request))
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    async def duplicate(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DuplicateError)
        error = wire.BadRequestError(str(exc), 409, errors=[(exc.field, str(exc), None)])
        return await bad_request(_, error)

    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(wire.envelope(404, str(exc), ok=False), status_code=404)

    async def storage(_: Request, exc: Exception) -> JSONResponse:
        problem = storage_error(exc) if isinstance(exc, sqlite3.Error) else exc
        log.error("the database cannot take this request: %s", problem)
        message = f"The server cannot store check-ins right now ({problem})."
        return JSONResponse(wire.envelope(503, message, ok=False), status_code=503)

    async def gone(request: Request, exc: Exception) -> JSONResponse:
        log.info("a client went away during %s %s", request.method, request.url.path)
        return JSONResponse(wire.envelope(400, "The client went away.", ok=False), 400)

    app.add_exception_handler(wire.BadRequestError, bad_request)
    app.add_exception_handler(RequestValidationError, invalid_query)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(DuplicateError, duplicate)
    app.add_exception_handler(sqlite3.Error, storage)
    app.add_exception_handler(StorageError, storage)
    app.add_exception_handler(ClientDisconnect, gone)
    app.add_middleware(Contained)
