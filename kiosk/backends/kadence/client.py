"""Kadence booking check-in: a member with a desk booked today checks in to it, and out again.

    POST https://login.onkadence.co/oauth2/token   client_credentials, scope public
    GET  /v1/public/users?emailExact=ada@example.com   → the member whose email is that one
    GET  /v1/public/users/{id}/bookings?status=booked&building.id=…   today's, at this building
    POST /v1/public/bookings/{id}/check-in  {"userId": …}  → 201   (or …/check-out)

A member is known by email only (typed, or a QR code carrying it); ``email=`` is a partial
match, so the exact filter is used and the address compared again here. As Kadence's own
check-in example does, every booking of the day at the building but rooms (checked in at the
room) is checked in together, and checked out together; the latest end is the session expiry
shown. Requests ask for JSON-LD (hydra collections, as the schema describes them). Times go out
in UTC as ``YYYY-MM-DDThh:mm:ss``. `check` never raises: no user is `unknown_credential`, no
booking `no_booking`, self-certification still to do `self_certification`, other refusals
`refused` with Kadence's ``hydra:description`` kept for staff. A refused token is fetched again
once. Check-in has no idempotency key, so a check-in that got no answer is retried only after
re-reading the booking's status.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from kiosk.backends.base import (
    BackendError,
    BackendProtocolError,
    BackendUnavailableError,
    CannotTellError,
    Place,
)
from kiosk.backends.http import (
    RAW_LIMIT,
    AuthRefusedError,
    answers,
    json_of,
    keys_of,
    refused,
    retry_after,
    send,
    snippet,
    unavailable,
    utc_text,
)
from kiosk.backends.tokens import (
    NO_CODE,
    BearerAuth,
    CachedToken,
    SignInError,
    Token,
    TokenSource,
)
from kiosk.domain import Action, CheckinRequest, CredentialKind, Outcome, Reason, Status

log = logging.getLogger(__name__)

LOGIN_URL = "https://login.onkadence.co/oauth2/token"
API_URL = "https://api.onkadence.co"
HOSTS = {  # region → (token URL, API); the US hosts as Kadence's docs name them
    "eu": (LOGIN_URL, API_URL),
    "us": ("https://login.us.onkadence.co/oauth2/token", "https://api.us.onkadence.co"),
}
LD_JSON = {"Accept": "application/ld+json"}  # hydra collections, as the schema describes
KINDS = frozenset({CredentialKind.EMAIL})
USER_SECONDS = 600.0  # a user's id and name are asked again after this
BOOKED, CHECKED_IN = "booked", "checkedIn"
PAGES = 20
_SELF_CERTIFICATION = re.compile(r"self[- ]?certif", re.IGNORECASE)
_ALREADY = re.compile(r"already (been )?checked[- ]?in", re.IGNORECASE)


class KadenceLogin(CachedToken):
    """The kiosk's API key (client id and secret) as a bearer token, kept until it expires;
    `secret` is read when needed (from the vault)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str,
        secret: Callable[[], str],
        url: str = LOGIN_URL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(clock)
        self._http = http
        self.client_id = client_id
        self._secret = secret
        self._url = url

    async def _fetch(self, old: Token | None) -> Token:
        secret = self._secret()
        if not self.client_id or not secret:
            raise SignInError(
                "no Kadence API client id and secret (Backend page)", "not_configured"
            )
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": secret,
            "scope": "public",
        }
        response = await send(self._http, "POST", self._url, data=form)
        try:
            token = self.read(response)
        except SignInError as exc:
            raise SignInError(f"Kadence refused the API key: {exc}", exc.code) from None
        log.info("signed in to Kadence as API client %s", self.client_id)
        return token


@dataclasses.dataclass(frozen=True)
class User:
    """A Kadence user: the id bookings are made for, and the name to greet."""

    id: str
    name: str | None


@dataclasses.dataclass(frozen=True)
class Booking:
    """A booking the kiosk may check in to or out of."""

    id: str
    status: str
    end: datetime | None


class KadenceClient:
    """Kadence bookings at the kiosk's building, over the app's one `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        auth: TokenSource,
        api_url: str = API_URL,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = http
        self.auth = auth
        self._api = api_url.rstrip("/")
        self._clock = clock
        self._now = now
        self._users: dict[str, tuple[User, float]] = {}
        self._zones: dict[str, str] = {}

    @property
    def kinds(self) -> frozenset[CredentialKind]:
        """Email addresses only: Kadence knows its users by email."""
        return KINDS

    def forget_sign_in(self) -> None:
        """Fetch a new token on the next call (the client secret changed)."""
        if isinstance(self.auth, CachedToken):
            self.auth.reset()

    def use_code(self, code: str) -> None:
        """Kadence's client credentials take no two-factor code."""
        raise SignInError(NO_CODE)

    async def check(self, request: CheckinRequest) -> Outcome:
        """Find the member and today's booking, and check in or out; never raises."""
        if request.credential.kind not in KINDS:
            return Outcome(Status.REJECTED, reason=Reason.UNSUPPORTED_CREDENTIAL)
        try:
            return await self._check(request)
        except _RefusedError as refusal:
            return refusal.outcome
        except BackendUnavailableError as exc:
            return unavailable(exc)
        except SignInError as exc:
            return refused(Reason.BACKEND_ERROR, f"sign-in: {exc}")
        except BackendError as exc:
            return refused(Reason.BACKEND_ERROR, str(exc))

    async def settle(self, request: CheckinRequest) -> Outcome:
        """A check-in or check-out whose answer was lost: sent again, as each reads the
        bookings first (one already checked in is welcomed, not checked in twice). A toggle
        cannot be told from its own effect: staff decide."""
        if request.action is Action.TOGGLE:
            raise CannotTellError(
                "Kadence cannot say whether a lost toggle took effect: check the member's"
                " booking, then send it again or discard it"
            )
        return await self.check(request)

    async def _check(self, request: CheckinRequest) -> Outcome:
        user = await self._user(request.credential.value.strip())
        if user is None:
            return Outcome(Status.REJECTED, reason=Reason.UNKNOWN_CREDENTIAL)
        where = request.location
        if request.action is Action.IN:
            booked, inside = await self._bookings(user, where, BOOKED), []
        elif request.action is Action.OUT:
            booked, inside = [], await self._bookings(user, where, CHECKED_IN)
        else:
            booked, inside = await asyncio.gather(
                self._bookings(user, where, BOOKED), self._bookings(user, where, CHECKED_IN)
            )
        if request.action is not Action.IN and inside:
            return await self._check_out(user, inside)
        if booked:
            return await self._check_in(user, booked)
        if request.action is Action.IN:
            inside = await self._bookings(user, where, CHECKED_IN)
            if inside:  # already in: welcome again
                return Outcome(Status.CHECKED_IN, member=user.name, session_expire=_latest(inside))
        if request.action is Action.OUT:
            return Outcome(Status.REJECTED, member=user.name, reason=Reason.NOT_CHECKED_IN)
        return Outcome(Status.REJECTED, member=user.name, reason=Reason.NO_BOOKING)

    async def _check_in(self, user: User, bookings: list[Booking]) -> Outcome:
        """Check in to every booking; welcome if any took it, else the first refusal."""
        done: list[Booking] = []
        first: _RefusedError | None = None
        for booking in bookings:
            try:
                await self._check_in_one(user, booking)
            except _RefusedError as refusal:
                log.warning("Kadence refused booking %s: %s", booking.id, refusal)
                first = first or refusal
            else:
                done.append(booking)
        if not done and first is not None:
            raise first
        return Outcome(Status.CHECKED_IN, member=user.name, session_expire=_latest(done))

    async def _check_in_one(self, user: User, booking: Booking) -> None:
        await self._post_once(user, booking, "check-in", lambda status: status == CHECKED_IN)

    async def _check_out(self, user: User, bookings: list[Booking]) -> Outcome:
        """Check out of every booking checked in to (each must take it)."""
        for booking in bookings:
            await self._post_once(user, booking, "check-out", lambda status: status != CHECKED_IN)
        return Outcome(Status.CHECKED_OUT, member=user.name)

    async def _post_once(
        self, user: User, booking: Booking, what: str, done: Callable[[str], bool]
    ) -> None:
        """POST `what` for `booking`; when no answer comes, the booking is read again and the
        POST sent once more only if its status shows it was not `done` (no idempotency key)."""
        path = f"/v1/public/bookings/{booking.id}/{what}"
        try:
            response = await self._call("POST", path, json={"userId": user.id})
        except BackendUnavailableError as exc:
            log.warning("Kadence %s got no answer (%s); reading the booking again", what, exc)
            if done((await self._booking(booking.id)).status):
                return
            response = await self._call("POST", path, json={"userId": user.id})
        _answer(response, user)

    async def _user(self, email: str) -> User | None:
        key = email.casefold()
        known = self._users.get(key)
        if known is not None and self._clock() < known[1]:
            return known[0]
        data = _read(await self._call("GET", "/v1/public/users", params={"emailExact": email}))
        exact = [m for m in _members(data) if str(m.get("email", "")).casefold() == key]
        if not exact:
            return None
        first = exact[0]
        ident = first.get("id")
        if not isinstance(ident, str | int) or not str(ident):
            raise BackendProtocolError(f"a user without an id: {keys_of(first)}")
        names = [first.get("firstName"), first.get("lastName")]
        name = " ".join(str(n) for n in names if isinstance(n, str) and n.strip()) or None
        user = User(str(ident), name)
        if len(self._users) > 500:
            self._users.clear()
        self._users[key] = (user, self._clock() + USER_SECONDS)
        return user

    async def _bookings(self, user: User, building: str | None, status: str) -> list[Booking]:
        """`user`'s bookings in `status` still running today at `building`, earliest first
        (room bookings are checked in at the room, not here)."""
        now = self._now()
        params: dict[str, Any] = {
            "status": status,
            "startDateTime[before]": utc_text(self._end_of_day(now, building)),
            "endDateTime[after]": utc_text(now),
            "order[startDateTime]": "asc",
            "itemsPerPage": 50,
        }
        if building:
            params["building.id"] = building  # `buildingId` is a filter of /bookings only
        path = f"/v1/public/users/{user.id}/bookings"
        data = _read(await self._call("GET", path, params=params))
        found = []
        for record in _members(data):
            if record.get("status", status) != status or record.get("type") == "room":
                continue
            if building and _building_of(record) not in (None, building):
                continue
            found.append(_booking(record))
        return found

    async def _booking(self, ident: str) -> Booking:
        return _booking(_read(await self._call("GET", f"/v1/public/bookings/{ident}")))

    def _end_of_day(self, now: datetime, building: str | None) -> datetime:
        try:
            zone = ZoneInfo(self._zones.get(building or "", "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        local = now.astimezone(zone)
        return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)

    async def places(self) -> list[Place]:
        """The buildings (``GET /v1/public/buildings``), all pages."""
        places: list[Place] = []
        for page in range(1, PAGES + 1):
            params = {"page": page, "itemsPerPage": 100}
            data = json_of(await self._call("GET", "/v1/public/buildings", params=params))
            members = _members(data)
            for record in members:
                ident, name, zone = record.get("id"), record.get("name"), record.get("timeZone")
                if ident is None or not isinstance(name, str):
                    raise BackendProtocolError(f"unexpected building: {keys_of(record)}")
                places.append(Place(str(ident), name, zone if isinstance(zone, str) else None))
            total = data.get("hydra:totalItems") if isinstance(data, dict) else None
            if not members or not isinstance(total, int) or len(places) >= total:
                break
        self._zones = {p.id: p.timezone for p in places if p.timezone}
        return places

    async def probe(self) -> bool:
        """Whether Kadence's API answers HTTP at all."""
        return await answers(self._http, f"{self._api}/")

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API request with the bearer token (a 401 fetches a new token and tries once
        more: `BearerAuth`); 401/403 after that raise `AuthRefusedError`."""
        auth = BearerAuth(self.auth)
        url = f"{self._api}{path}"
        response = await send(self._http, method, url, auth=auth, headers=LD_JSON, **kwargs)
        if response.status_code in (401, 403):
            raise AuthRefusedError(f"HTTP {response.status_code}: {_description(response)}")
        return response


class _RefusedError(Exception):
    """A refusal read from an answer; `check` returns its outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.raw_message)
        self.outcome = outcome


def _read(response: httpx.Response) -> Any:
    """The JSON of a lookup; a refusal (429, 404, …) becomes a `_RefusedError` or our error."""
    _raise_for_limits(response)
    return json_of(response)


def _answer(response: httpx.Response, user: User) -> None:
    """Nothing if Kadence took the check-in or check-out; else a `_RefusedError` saying why."""
    if 200 <= response.status_code < 300:
        return
    _raise_for_limits(response)
    code, text = response.status_code, _description(response)
    raw = f"HTTP {code}: {text}"
    if code in (400, 409, 422):
        if _ALREADY.search(text):
            return
        reason = Reason.SELF_CERTIFICATION if _SELF_CERTIFICATION.search(text) else Reason.REFUSED
    elif code == 404:
        reason = Reason.NO_BOOKING  # gone since it was listed: cancelled or ended
    else:
        json_of(response)  # raises our error for 5xx and the rest
        reason = Reason.BACKEND_ERROR
    log.warning("Kadence refused: %s", raw)
    raise _RefusedError(
        Outcome(Status.REJECTED, member=user.name, reason=reason, raw_message=raw[:RAW_LIMIT])
    )


def _raise_for_limits(response: httpx.Response) -> None:
    if response.status_code == 429:
        wait = retry_after(response)
        raise _RefusedError(refused(Reason.RATE_LIMITED, f"HTTP 429: {snippet(response)}", wait))


def _description(response: httpx.Response) -> str:
    """Kadence's ``hydra:description`` (or the violations, or the body's start)."""
    try:
        data = response.json()
    except ValueError:
        return snippet(response)
    if not isinstance(data, dict):
        return snippet(response)
    text = data.get("hydra:description") or data.get("detail") or data.get("message")
    violations = data.get("violations")
    if not text and isinstance(violations, list):
        text = "; ".join(
            f"{v.get('propertyPath') or '?'}: {v.get('message') or '?'}"
            for v in violations
            if isinstance(v, dict)
        )
    return str(text or snippet(response))[:RAW_LIMIT]


def _members(data: Any) -> list[dict[str, Any]]:
    members = data.get("hydra:member") if isinstance(data, dict) else None
    if not isinstance(members, list):
        raise BackendProtocolError(f"not a Kadence collection: {keys_of(data)}")
    return [m for m in members if isinstance(m, dict)]


def _booking(record: Any) -> Booking:
    ident = record.get("id") if isinstance(record, dict) else None
    if ident is None:
        raise BackendProtocolError(f"a booking without an id: {keys_of(record)}")
    end = record.get("endDate") or record.get("endDateTime")  # the schema's name first
    return Booking(str(ident), str(record.get("status") or ""), _utc(end))


def _latest(bookings: list[Booking]) -> datetime | None:
    """The latest end of `bookings` (the session shown lasts until then)."""
    ends = [b.end for b in bookings if b.end is not None]
    return max(ends) if ends else None


def _building_of(record: dict[str, Any]) -> str | None:
    building = record.get("buildingId") or record.get("building")
    if isinstance(building, dict):
        building = building.get("id")
    if not isinstance(building, str | int):
        return None
    return str(building).rsplit("/", 1)[-1]  # an IRI like /v1/public/buildings/01GT…


def _utc(text: Any) -> datetime | None:
    """Kadence's times: UTC, ``YYYY-MM-DDThh:mm:ss`` (or with an offset)."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().removesuffix("Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
