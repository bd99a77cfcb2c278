"""The admin side of the API, as Nexudus's admin API names it, for staff views and scripts.

    POST /api/token                         form: grant_type=password, password=<admin token>
    GET  /api/spaces/checkins[/{Id}]        filters and ordering below; paging envelope
    POST /api/spaces/checkins               an admin records a check-in (Source 1, Manual)
    GET  /api/spaces/failedcheckins[/{Id}]  FailedCheckin_Business, FailedCheckin_Coworker,
                                            from_FailedCheckin_CheckinAttemptTime
    GET  /api/spaces/coworkers[/{Id}]       Coworker_Email, Coworker_AccessCardId,
                                            Coworker_KeyFobNumber; never a PIN
    GET  /api/sys/businesses[/{Id}]         the locations (no sign-in needed)
    GET  /api/spaces/passes/qr?Email=E      a signed QR pass as PNG

Every route but the locations takes the admin token as a bearer token, or as the password of
Basic authentication (any user name), so Nexudus scripts work unchanged. Check-ins filter by
``from_Checkin_FromTime``, ``to_Checkin_FromTime``, ``to_Checkin_ToTime``,
``from_Checkin_UpdatedOn``, ``Checkin_Coworker``, ``Checkin_Business`` and ``Open`` (ours), and
sort by ``orderBy`` (Id, FromTime, ToTime, UpdatedOn) and ``dir``. Nexudus's documents give
``dir`` as 1/-1, 0/1 and words: ``1`` and ``0`` and ``asc[ending]`` sort ascending, ``-1`` and
``desc[ending]`` descending, and the answer says which in ``CurrentSortDirection`` (1 or -1).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from kiosk import passes
from kiosk.server.checkin import normalise_card
from kiosk.server.http import wire
from kiosk.server.keys import InstallKeys
from kiosk.server.qrpass import issue_for
from kiosk.server.store import NotFoundError, Store
from kiosk.server.store.models import Member, Order, Page, Window

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
DENIED = "Authorization has been denied for this request."
TOKEN_SECONDS = 7 * 24 * 3600 - 1  # as long as a Nexudus token lives
_ASCENDING = {"1": True, "0": True, "asc": True, "ascending": True,
              "-1": False, "desc": False, "descending": False}  # fmt: skip
_ORDERS = {order.value.casefold(): order for order in Order}
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]  # SQLite's largest integer
_ENDING = "([Ee][Nn][Dd][Ii][Nn][Gg])?"
DIRECTIONS = rf"^\s*(-?1|0|[Aa][Ss][Cc]{_ENDING}|[Dd][Ee][Ss][Cc]{_ENDING})\s*$"  # in any case
TIME: dict[str, Any] = {"format": "date-time"}  # a time filter: ISO 8601 (no zone: UTC)
ORDERS = r"^\s*([Ii][Dd]|[Ff][Rr][Oo][Mm][Tt][Ii][Mm][Ee]|[Tt][Oo][Tt][Ii][Mm][Ee]|[Uu][Pp][Dd][Aa][Tt][Ee][Dd][Oo][Nn])\s*$"  # noqa: E501 - orderBy, in any case
FilterId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


class Paging:
    """Nexudus's paging: ``page`` (from 1), ``size`` (1–10000), ``dir`` (see the module)."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        size: Annotated[int, Query(ge=1, le=10_000)] = 25,
        dir: Annotated[str | None, Query(max_length=12, pattern=DIRECTIONS)] = None,
    ) -> None:
        ascending = _ASCENDING.get(dir.strip().casefold()) if dir is not None else None
        if dir is not None and ascending is None:
            why = "dir must be 1 or 0 (ascending), -1, or ascending or descending"
            raise wire.BadRequestError(why, errors=[("dir", why, wire.plain(dir))])
        self.page, self.size, self._ascending = page, size, ascending

    def ascending(self, default: bool) -> bool:
        """Whether to sort ascending: as ``dir`` says, else `default`."""
        return default if self._ascending is None else self._ascending


def _direction(ascending: bool) -> int:
    """The direction as an answer states it: 1 ascending, -1 descending."""
    return 1 if ascending else -1


def admin_routes(store: Store, keys: InstallKeys, clock: Clock) -> APIRouter:
    """The admin routes over `store`."""
    router = APIRouter()

    def admin(authorization: Annotated[str | None, Header()] = None) -> None:
        if not keys.is_admin(_presented_token(authorization or "")):
            headers = {"WWW-Authenticate": 'Bearer, Basic realm="kiosk"'}
            raise HTTPException(401, DENIED, headers=headers)

    signed = [Depends(admin)]

    @router.post("/api/token")
    async def token(request: Request) -> JSONResponse:
        """A bearer token for the admin token (Nexudus's password grant, form-encoded)."""
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        grant = form.get("grant_type", "")
        given = form.get("password" if grant == "password" else "refresh_token", "")
        if grant not in ("password", "refresh_token"):
            return _oauth_error("unsupported_grant_type")
        if not keys.is_admin(given):
            return _oauth_error("invalid_grant", "The user name or password is incorrect.")
        body = {"access_token": given, "token_type": "bearer",
                "expires_in": TOKEN_SECONDS, "refresh_token": given}  # fmt: skip
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    @router.get("/api/spaces/checkins", dependencies=signed)
    def checkins(
        p: Annotated[Paging, Depends(Paging)],
        business: Annotated[FilterId, Query(alias="Checkin_Business")] = None,
        coworker: Annotated[FilterId, Query(alias="Checkin_Coworker")] = None,
        open_only: Annotated[bool, Query(alias="Open")] = False,
        from_after: Annotated[
            str | None, Query(alias="from_Checkin_FromTime", json_schema_extra=TIME)
        ] = None,
        from_before: Annotated[
            str | None, Query(alias="to_Checkin_FromTime", json_schema_extra=TIME)
        ] = None,
        to_before: Annotated[
            str | None, Query(alias="to_Checkin_ToTime", json_schema_extra=TIME)
        ] = None,
        updated_after: Annotated[
            str | None, Query(alias="from_Checkin_UpdatedOn", json_schema_extra=TIME)
        ] = None,
        order_by: Annotated[str, Query(alias="orderBy", max_length=40, pattern=ORDERS)] = "Id",
    ) -> dict[str, Any]:
        """Check-ins in a window of time, latest first unless ``dir`` says otherwise."""
        order = _ORDERS.get(order_by.strip().casefold())
        if order is None:
            why = f"orderBy must be one of {', '.join(o.value for o in Order)}"
            raise wire.BadRequestError(why, errors=[("orderBy", why, wire.plain(order_by))])
        window = Window(
            from_after=_moment("from_Checkin_FromTime", from_after),
            from_before=_moment("to_Checkin_FromTime", from_before),
            to_before=_moment("to_Checkin_ToTime", to_before),
            updated_after=_moment("from_Checkin_UpdatedOn", updated_after),
        )
        store.close_expired(clock())
        ascending = p.ascending(default=False)
        page = store.checkins(
            page=p.page,
            size=p.size,
            open_only=open_only,
            location_id=business,
            member_id=coworker,
            window=window,
            order=order,
            ascending=ascending,
        )
        records = [wire.checkin_record(c) for c in page.records]
        return wire.page_body(page, records, order.value, _direction(ascending))

    @router.post("/api/spaces/checkins", dependencies=signed)
    async def record_checkin(request: Request) -> dict[str, Any]:
        """An admin records a check-in (Source 1, Manual): open, or closed with ``ToTime``."""
        entry = wire.parse_manual(await request.body(), request.headers.get("content-type", ""))
        try:
            member = store.member(entry.coworker_id)
            location = store.location(entry.business_id)
        except NotFoundError as exc:
            raise wire.BadRequestError(str(exc), errors=[("", str(exc), None)]) from None
        ident = store.record_checkin(member, location, entry.from_time, entry.to_time)
        log.info("an admin recorded check-in %d for member %d", ident, member.id)
        return wire.envelope(200, "Checkin was successfully created.", {"Id": ident})

    @router.get("/api/spaces/checkins/{checkin_id}", dependencies=signed)
    def checkin_by_id(checkin_id: RecordId) -> dict[str, Any]:
        """One check-in."""
        return wire.checkin_record(store.checkin(checkin_id))

    @router.get("/api/spaces/failedcheckins", dependencies=signed)
    def failed(
        p: Annotated[Paging, Depends(Paging)],
        business: Annotated[FilterId, Query(alias="FailedCheckin_Business")] = None,
        coworker: Annotated[FilterId, Query(alias="FailedCheckin_Coworker")] = None,
        since: Annotated[
            str | None, Query(alias="from_FailedCheckin_CheckinAttemptTime", json_schema_extra=TIME)
        ] = None,
    ) -> dict[str, Any]:
        """Failed check-ins, latest first unless ``dir`` says otherwise."""
        ascending = p.ascending(default=False)
        page = store.failed_checkins(
            page=p.page,
            size=p.size,
            location_id=business,
            member_id=coworker,
            since=_moment("from_FailedCheckin_CheckinAttemptTime", since),
            ascending=ascending,
        )
        records = [wire.failed_record(f) for f in page.records]
        return wire.page_body(page, records, "Id", _direction(ascending))

    @router.get("/api/spaces/failedcheckins/{failed_id}", dependencies=signed)
    def failed_by_id(failed_id: RecordId) -> dict[str, Any]:
        """One failed check-in."""
        return wire.failed_record(store.failed_checkin(failed_id))

    @router.get("/api/spaces/coworkers", dependencies=signed)
    def coworkers(
        p: Annotated[Paging, Depends(Paging)],
        email: Annotated[str | None, Query(alias="Coworker_Email", max_length=254)] = None,
        card: Annotated[str | None, Query(alias="Coworker_AccessCardId", max_length=64)] = None,
        fob: Annotated[str | None, Query(alias="Coworker_KeyFobNumber", max_length=64)] = None,
    ) -> dict[str, Any]:
        """Members, by name (or the other way round with ``dir``)."""
        cards = [normalise_card(c) for c in (card, fob) if c and c.strip()]
        wanted = {store.find_member(card_key=keys.card(c).key) for c in cards}
        found = [m for m in store.members() if _matches(m, email, wanted)]
        ascending = p.ascending(default=True)
        if not ascending:
            found.reverse()
        chunk = found[(p.page - 1) * p.size : p.page * p.size]
        page = Page(chunk, p.page, p.size, len(found))
        records = [wire.coworker_record(m) for m in chunk]
        return wire.page_body(page, records, "FullName", _direction(ascending))

    @router.get("/api/spaces/coworkers/{coworker_id}", dependencies=signed)
    def coworker_by_id(coworker_id: RecordId) -> dict[str, Any]:
        """One member."""
        return wire.coworker_record(store.member(coworker_id))

    @router.get("/api/sys/businesses")
    def businesses(p: Annotated[Paging, Depends(Paging)]) -> dict[str, Any]:
        """The locations this server checks members in to."""
        locations = store.locations()
        ascending = p.ascending(default=True)
        if not ascending:
            locations.reverse()
        chunk = locations[(p.page - 1) * p.size : p.page * p.size]
        page = Page(chunk, p.page, p.size, len(locations))
        records = [wire.location_record(loc) for loc in chunk]
        return wire.page_body(page, records, "Id", _direction(ascending))

    @router.get("/api/sys/businesses/{business_id}")
    def business_by_id(business_id: RecordId) -> dict[str, Any]:
        """One location."""
        return wire.location_record(store.location(business_id))

    @router.get(
        "/api/spaces/passes/qr",
        dependencies=signed,
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def pass_qr(
        email: Annotated[str, Query(alias="Email", min_length=3, max_length=254)],
        valid_for: Annotated[
            str, Query(alias="ValidFor", max_length=20, pattern=r"^\s*(\d{1,6}[WwDdHhMmSs])+\s*$")
        ] = "1d",
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

    return router


def _presented_token(authorization: str) -> str:
    """The admin token in a Bearer header, or the password of a Basic one; "" if neither."""
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.casefold() == "bearer":
        return rest.strip()
    if scheme.casefold() == "basic":
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def _moment(name: str, text: str | None) -> datetime | None:
    """A filter's time (ISO 8601; without a zone it is UTC, as Nexudus's API times are)."""
    if text is None:
        return None
    try:
        return wire.aware(datetime.fromisoformat(text.strip()))
    except ValueError:
        why = f"{name} must be a date and time like 2026-03-02T09:00"
        raise wire.BadRequestError(why, errors=[(name, why, wire.plain(text))]) from None


def _matches(member: Member, email: str | None, holders: set[Member | None]) -> bool:
    """Whether `member` has `email` (if given) and is every card's holder in `holders`."""
    if email and member.email.casefold() != email.strip().casefold():
        return False
    return all(h is not None and h.id == member.id for h in holders)


def _oauth_error(error: str, description: str = "") -> JSONResponse:
    body = {"error": error, **({"error_description": description} if description else {})}
    return JSONResponse(body, status_code=400)
