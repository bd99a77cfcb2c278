"""The HTTP API of the check-in server (FastAPI).

    POST /api/public/checkin               JSON or form: Pincode [+Email] | AccessCardId |
                                           Email+Password | Token | Mac; DoNotCheckIn validates
    GET  /api/spaces/checkins[/{Id}]        bearer admin token; Nexudus paging envelope
    GET  /api/spaces/failedcheckins[/{Id}]  bearer admin token
    GET  /api/sys/businesses                the locations
    GET  /api/spaces/passes/qr?Email=E      bearer admin token; a signed QR pass as PNG
         [&ValidFor=1d][&SingleUse=true]
    GET  /api/public/passkey                the public key that verifies this server's passes
    GET  /health

Store calls are short and run on the event loop; only password hashing goes to a thread.
Every error, including ones we did not foresee, leaves as JSON in Nexudus's shapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from kiosk import __version__, passes
from kiosk.server.checkin import CheckinService, UnknownLocationError
from kiosk.server.http import wire
from kiosk.server.keys import InstallKeys
from kiosk.server.qrpass import issue_for
from kiosk.server.store import NotFoundError, Store
from kiosk.server.store.models import Page

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_DENIED = "Authorization has been denied for this request."


def create_app(
    store: Store,
    keys: InstallKeys,
    clock: Clock = lambda: datetime.now(UTC),
    sweep_seconds: float = 30.0,
) -> FastAPI:
    """The API over `store`; open check-ins past expiry are closed every `sweep_seconds`."""
    service = CheckinService(store, keys, clock)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sweep(store, clock, sweep_seconds))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app = FastAPI(title="kiosk check-in server", version=__version__, lifespan=lifespan)
    _install_error_handlers(app)

    def admin(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not keys.is_admin(token.strip()):
            raise HTTPException(401, _DENIED, headers={"WWW-Authenticate": "Bearer"})

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
        command = wire.parse_checkin(
            await _read_body(request), request.headers.get("content-type", "")
        )
        try:
            result = await service.check(command)
        except UnknownLocationError as exc:
            raise wire.BadRequestError(
                str(exc), errors=[("BusinessId", str(exc), command.location_id)]
            ) from None
        log.info(
            "check-in %s via %s: %s %s",
            command.action.value,
            command.presented.field.value,
            result.status.value,
            result.reason.value if result.reason else "",
        )
        status, body = wire.checkin_body(result)
        return JSONResponse(body, status_code=status)

    @app.get("/api/spaces/checkins", dependencies=[Depends(admin)])
    def checkins(
        p: Annotated[_Paging, Depends(_Paging)],
        checkin_business: Annotated[int | None, Query(alias="Checkin_Business")] = None,
        checkin_coworker: Annotated[int | None, Query(alias="Checkin_Coworker")] = None,
        open_only: Annotated[bool, Query(alias="Open")] = False,
    ) -> dict[str, Any]:
        """Check-ins, newest first; ``Open=true`` for those still open."""
        store.close_expired(clock())
        page = store.checkins(
            page=p.page,
            size=p.size,
            open_only=open_only,
            location_id=checkin_business,
            member_id=checkin_coworker,
            ascending=p.dir == 1,
        )
        return wire.page_body(page, [wire.checkin_record(c) for c in page.records], "Id", p.dir)

    @app.get("/api/spaces/checkins/{checkin_id}", dependencies=[Depends(admin)])
    def checkin_by_id(checkin_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
        """One check-in."""
        return wire.checkin_record(store.checkin(checkin_id))

    @app.get("/api/spaces/failedcheckins", dependencies=[Depends(admin)])
    def failed(
        p: Annotated[_Paging, Depends(_Paging)],
        business: Annotated[int | None, Query(alias="FailedCheckin_Business")] = None,
        coworker: Annotated[int | None, Query(alias="FailedCheckin_Coworker")] = None,
    ) -> dict[str, Any]:
        """Failed check-ins, newest first."""
        page = store.failed_checkins(
            page=p.page, size=p.size, location_id=business, member_id=coworker, ascending=p.dir == 1
        )
        return wire.page_body(page, [wire.failed_record(f) for f in page.records], "Id", p.dir)

    @app.get("/api/spaces/failedcheckins/{failed_id}", dependencies=[Depends(admin)])
    def failed_by_id(failed_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
        """One failed check-in."""
        return wire.failed_record(store.failed_checkin(failed_id))

    @app.get("/api/sys/businesses")
    def businesses(p: Annotated[_Paging, Depends(_Paging)]) -> dict[str, Any]:
        """The locations this server checks members in to."""
        locations = store.locations()
        chunk = locations[(p.page - 1) * p.size : p.page * p.size]
        page = Page(chunk, p.page, p.size, len(locations))
        return wire.page_body(page, [wire.location_record(loc) for loc in chunk], "Id", 1)

    @app.get(
        "/api/spaces/passes/qr",
        dependencies=[Depends(admin)],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def pass_qr(
        email: Annotated[str, Query(alias="Email", min_length=3, max_length=254)],
        valid_for: Annotated[str, Query(alias="ValidFor", max_length=20)] = "1d",
        single_use: Annotated[bool, Query(alias="SingleUse")] = False,
    ) -> Response:
        """A signed QR pass for the member with `Email`, as a PNG."""
        try:
            validity = passes.parse_duration(valid_for)
        except ValueError as exc:
            raise wire.BadRequestError(
                str(exc), errors=[("ValidFor", str(exc), valid_for)]
            ) from None
        issued = issue_for(store, keys, email, validity, clock(), single_use)
        log.info("issued a QR pass for member %d until %s", issued.member.id, issued.expires_at)
        headers = {
            "X-Pass-Expires": wire.session_time(issued.expires_at),
            "Cache-Control": "no-store",
        }
        return Response(issued.png(), media_type="image/png", headers=headers)

    @app.get("/api/public/passkey")
    def pass_key() -> dict[str, str]:
        """The Ed25519 public key that verifies this server's passes, so kiosks can offline."""
        public = keys.issuer.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {
            "Algorithm": "Ed25519",
            "KeyId": keys.issuer.key_id.hex(),
            "PublicKey": public.hex(),
        }

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness, version and schema version."""
        return {"status": "ok", "version": __version__, "schema": store.schema_version}

    return app


class _Paging:
    """Nexudus's paging parameters: ``page`` (from 1), ``size`` (1–1000), ``dir`` (1 or -1)."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        size: Annotated[int, Query(ge=1, le=1000)] = 25,
        dir: Annotated[int, Query(ge=-1, le=1)] = -1,
    ) -> None:
        self.page, self.size, self.dir = page, size, -1 if dir <= 0 else 1


async def _read_body(request: Request) -> bytes:
    """The body, refused with 413 past `wire.MAX_BODY` bytes without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > wire.MAX_BODY:
        raise wire.BadRequestError(f"the body is larger than {wire.MAX_BODY} bytes", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > wire.MAX_BODY:
            raise wire.BadRequestError(f"the body is larger than {wire.MAX_BODY} bytes", 413)
    return bytes(body)


async def _sweep(store: Store, clock: Clock, seconds: float) -> None:
    while True:
        now = clock()
        closed = store.close_expired(now)
        if closed:
            log.info("auto-checked-out %d expired check-ins", closed)
        store.forget_used_passes(now - passes.LEEWAY)
        await asyncio.sleep(seconds)


def _install_error_handlers(app: FastAPI) -> None:
    async def bad_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, wire.BadRequestError)
        return JSONResponse(wire.bad_request_body(exc), status_code=exc.status)

    async def invalid_query(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            (str(e["loc"][-1]), str(e["msg"]), wire.plain(e.get("input"))) for e in exc.errors()
        ]
        return await bad_request(_, wire.BadRequestError("The request is invalid.", errors=errors))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        body = wire.envelope(exc.status_code, str(exc.detail), ok=False)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(wire.envelope(404, str(exc), ok=False), status_code=404)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return JSONResponse({"Message": "An error has occurred."}, status_code=500)

    app.add_exception_handler(wire.BadRequestError, bad_request)
    app.add_exception_handler(RequestValidationError, invalid_query)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(Exception, unexpected)
