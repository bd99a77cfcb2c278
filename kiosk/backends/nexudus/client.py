"""The Nexudus check-in protocol over httpx (`CheckinApi`), and Nexudus itself (`NexudusClient`).

    POST {base}/api/public/checkin   {"Pincode": "12345", "Toggle": true}
    → {"Status": 200, "Message": "2026-03-02T17:00:00 UTC", "WasSuccessful": true,
       "Value": {"SessionExpire": "2026-03-02T17:00:00 UTC", "SessionTimeOut": 25200.0}}

`check` never raises (`answer.read_answer` makes every answer an `Outcome`). The staff lists and
the locations come from the admin API at `api_url` with a bearer token from `auth`. Our own
server speaks the same protocol (`backends.local.LocalClient`) and takes the location as our
``BusinessId`` extension. Nexudus itself finds the location from the subdomain, wants the token
for its locations too, and documents ``Disconnect`` only with a device's MAC address, so
`NexudusClient` checks out with ``Toggle`` (and toggles back at once if that checked the member
in: they were not in). Where its answer has no name, it asks for the member's name by card or
email while the check-in runs, and keeps it for `NAME_SECONDS`. Nexudus takes no nonce: a
check-in whose answer was lost is settled by reading the member's check-ins back (`settle`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kiosk.backends.base import (
    BackendError,
    BackendProtocolError,
    BackendUnavailableError,
    CannotTellError,
    FailedCheckin,
    Place,
    Presence,
)
from kiosk.backends.http import answers, json_of, refused, send, unavailable
from kiosk.backends.nexudus.answer import parse_session_time, read_answer
from kiosk.backends.nexudus.login import NexudusLogin
from kiosk.backends.tokens import (
    NO_CODE,
    BearerAuth,
    CachedToken,
    SignInError,
    StaticToken,
    TokenSource,
)
from kiosk.domain import Action, CheckinRequest, CredentialKind, Outcome, Reason, Status

log = logging.getLogger(__name__)

KINDS = frozenset(
    {
        CredentialKind.PIN,
        CredentialKind.CARD,
        CredentialKind.PHONE,
        CredentialKind.QR,
        CredentialKind.EMAIL_PASSWORD,
    }
)
NAME_SECONDS = 600.0  # a member's name is asked again after this
NAME_WAIT = 0.3  # after the check-in answers, wait this much longer for the name at most
SETTLE_SKEW = timedelta(minutes=2)  # Nexudus's clock and ours may differ this much
PAGES = 20  # pages of a list read at most
_NAMED_BY = {  # the filters that find a member by credential, tried in turn
    CredentialKind.CARD: ("Coworker_AccessCardId", "Coworker_KeyFobNumber"),
    CredentialKind.EMAIL_PASSWORD: ("Coworker_Email",),
}


class CheckinApi:
    """A Nexudus-protocol backend at `base_url`, over the app's one `httpx.AsyncClient`."""

    signed_places = False  # whether listing the locations needs the admin's token

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        pin_field: str = "Pincode",
        *,
        api_url: str = "",
        auth: TokenSource | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._api = api_url.rstrip("/")
        self.pin_field = pin_field
        self.auth: TokenSource = auth or StaticToken(missing="needs the admin's sign-in")
        self._clock = clock
        self._names: dict[tuple[tuple[str, ...], str], tuple[str, float]] = {}

    @property
    def base_url(self) -> str:
        """Where the server is; empty until the embedded server has started."""
        return self._base

    @base_url.setter
    def base_url(self, url: str) -> None:
        self._base = url.rstrip("/")

    @property
    def api_url(self) -> str:
        """Where the admin API is: Nexudus's own host, or our server itself."""
        return self._api or self._base

    @property
    def kinds(self) -> frozenset[CredentialKind]:
        """PINs, cards, phone or QR tokens, and email with password."""
        return KINDS

    async def check(self, request: CheckinRequest) -> Outcome:
        """POST the check-in and read the answer (and the name, if asked for); never raises."""
        return await self._send(request, validate=False)

    async def identify(self, request: CheckinRequest) -> Outcome:
        """The check `request` asks for with ``doNotCheckIn``: the answer, nothing written."""
        return await self._send(request, validate=True)

    async def _send(self, request: CheckinRequest, validate: bool) -> Outcome:
        body = self._body(request)
        if body is None:
            return Outcome(Status.REJECTED, reason=Reason.UNSUPPORTED_CREDENTIAL)
        if validate:
            body["doNotCheckIn"] = True
        naming = self._start_naming(request)
        outcome = await self._post(body, request.action)
        if naming is None:
            return outcome
        return await self._named(outcome, naming)

    async def _post(self, body: dict[str, Any], action: Action) -> Outcome:
        """POST one check-in body; every answer and failure as an `Outcome`."""
        try:
            url = f"{self._base}/api/public/checkin"
            response = await send(self._http, "POST", url, json=body, headers=self._headers())
        except BackendUnavailableError as exc:
            return unavailable(exc)
        except BackendError as exc:  # an invalid URL, too many redirects
            return refused(Reason.BACKEND_ERROR, str(exc))
        return read_answer(response, action)

    def _headers(self) -> dict[str, str]:
        """Headers of a check-in besides the body's (Nexudus's public endpoint wants none)."""
        return {}

    def _body(self, request: CheckinRequest) -> dict[str, Any] | None:
        """The documented fields of a check-in; None for a credential it cannot carry."""
        credential = request.credential
        match credential.kind:
            case CredentialKind.CARD:
                body: dict[str, Any] = {"AccessCardId": credential.value}
            case CredentialKind.PIN:
                body = {self.pin_field: credential.value}
            case CredentialKind.PHONE | CredentialKind.QR:
                body = {"Token": credential.value}
            case CredentialKind.EMAIL_PASSWORD:
                body = {"Email": credential.value, "Password": credential.password}
            case _:
                return None
        if request.action is Action.TOGGLE:
            body["Toggle"] = True
        elif request.action is Action.OUT:
            body["Disconnect"] = True
        return body

    # the member's name, which Nexudus's public answer lacks

    def _start_naming(self, request: CheckinRequest) -> asyncio.Task[str | None] | None:
        """The member's name, asked for beside the check-in; None where the answer has it."""
        return None

    async def _named(self, outcome: Outcome, naming: asyncio.Task[str | None]) -> Outcome:
        return outcome

    # the admin API

    async def places(self) -> list[Place]:
        """The businesses (`GET /api/sys/businesses`), all pages."""
        places: list[Place] = []
        for page in range(1, PAGES + 1):
            params = {"page": page, "size": 100}
            data = await self._get("/api/sys/businesses", params, signed=self.signed_places)
            try:
                records = data["Records"]
                places += [
                    Place(str(int(r["Id"])), str(r["Name"]), r.get("TimeZone")) for r in records
                ]
                more = bool(data.get("HasNextPage"))
            except (KeyError, TypeError, ValueError) as exc:
                raise BackendProtocolError(f"unexpected businesses list: {exc!r}") from None
            if not more:
                break
        return places

    async def present(self, location: str | None) -> list[Presence]:
        """Check-ins of the last day still open at `location`, oldest first (``Open=true`` is
        our server's shortcut; Nexudus's check-ins are filtered here by their ``ToTime``).
        Nexudus's documents disagree on what ``dir`` means, so the order is made here."""
        since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        params: dict[str, Any] = {
            "Open": "true",
            "from_Checkin_FromTime": since,
            "orderBy": "FromTime",
            "dir": 1,
            "size": 100,
        }
        if location:
            params["Checkin_Business"] = location
        people: list[Presence] = []
        for record in await self._pages("/api/spaces/checkins", params):
            since_time = parse_session_time(record.get("FromTime"))
            if since_time is not None and not record.get("ToTime"):
                name = str(record.get("CoworkerFullName") or "unknown member")
                people.append(Presence(name, since_time))
        return sorted(people, key=lambda p: p.since)

    async def failed(self, location: str | None, limit: int) -> list[FailedCheckin]:
        """The latest failed check-ins of the last day at `location`, latest first
        (``GET /api/spaces/failedcheckins``; sorted here, whatever ``dir`` means)."""
        since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        params: dict[str, Any] = {
            "size": 100,
            "dir": -1,
            "orderBy": "CheckinAttemptTime",
            "from_FailedCheckin_CheckinAttemptTime": since,
        }
        if location:
            params["FailedCheckin_Business"] = location
        failures: list[FailedCheckin] = []
        for record in await self._pages("/api/spaces/failedcheckins", params):
            at = parse_session_time(record.get("CheckinAttemptTime"))
            if at is not None:
                name = record.get("CoworkerFullName")
                reason = str(record.get("Description") or record.get("ReasonCode") or "refused")
                failures.append(FailedCheckin(at, str(name) if name else None, reason[:200]))
        failures.sort(key=lambda f: f.at, reverse=True)
        return failures[:limit]

    async def _pages(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every record of a paged list (Nexudus's envelope: ``Records``, ``HasNextPage``)."""
        records: list[dict[str, Any]] = []
        for page in range(1, PAGES + 1):
            data = await self._get(path, {**params, "page": page}, signed=True)
            records += _records_of(data, path)
            if not (isinstance(data, dict) and data.get("HasNextPage") is True):
                break
        return records

    async def _records(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return _records_of(await self._get(path, params, signed=True), path)

    async def _get(self, path: str, params: dict[str, Any], signed: bool = False) -> Any:
        """GET JSON from the admin API; `signed` sends the bearer token (a refused one is
        dropped and the request sent once more with a new one)."""
        auth = BearerAuth(self.auth, renew_on=(401, 403)) if signed else None
        response = await send(self._http, "GET", f"{self.api_url}{path}", params=params, auth=auth)
        return json_of(response)

    def forget_sign_in(self) -> None:
        """Sign in afresh on the next call that needs the token."""
        if isinstance(self.auth, CachedToken):
            self.auth.reset()

    def use_code(self, code: str) -> None:
        """Only a Nexudus admin's sign-in takes a two-factor code."""
        if not isinstance(self.auth, NexudusLogin):
            raise SignInError(NO_CODE)
        self.auth.use_code(code)

    async def probe(self) -> bool:
        """Whether anything answers HTTP at the base URL."""
        return await answers(self._http, f"{self._base}/health")


class NexudusClient(CheckinApi):
    """Nexudus itself: its locations need the admin's sign-in, and the member's name is asked
    for beside each check-in by card or email (its public answer has none)."""

    signed_places = True

    def _body(self, request: CheckinRequest) -> dict[str, Any] | None:
        """``Toggle`` for a check-out (``Disconnect`` is documented with a MAC address only);
        the location is the subdomain."""
        body = super()._body(request)
        if body is not None and body.pop("Disconnect", False):
            body["Toggle"] = True
        return body

    async def _post(self, body: dict[str, Any], action: Action) -> Outcome:
        outcome = await super()._post(body, action)
        if action is not Action.OUT or outcome.status is not Status.CHECKED_IN:
            return outcome
        if body.get("doNotCheckIn"):  # nothing was written: nothing to undo
            return Outcome(Status.REJECTED, member=outcome.member, reason=Reason.NOT_CHECKED_IN)
        # the check-out's toggle checked the member in: they were not in; toggle back
        undone = await super()._post(body, action)
        if undone.status is not Status.CHECKED_OUT:
            why = f"a check-out checked the member in and could not be undone: {undone.raw_message}"
            return refused(Reason.BACKEND_ERROR, why[:300])
        return Outcome(Status.REJECTED, member=outcome.member, reason=Reason.NOT_CHECKED_IN)

    async def settle(self, request: CheckinRequest) -> Outcome:
        """A check-in whose answer was lost, settled without a second toggle: the member's
        check-ins since the attempt are read back with the admin API (by card or email) and
        the attempt is sent again only if nothing changed. Raises `CannotTellError` where the
        member cannot be looked up (a PIN, a phone's token) or the admin API cannot be read."""
        fields = _NAMED_BY.get(request.credential.kind)
        if fields is None:
            raise CannotTellError(
                f"Nexudus cannot look a member up by {request.credential.kind.value}: check"
                " their check-ins in Nexudus, then send it again or discard it"
            )
        try:
            took = await self._took_effect(request, fields)
        except BackendUnavailableError as exc:
            return unavailable(exc)  # try again later
        except BackendError as exc:
            raise CannotTellError(
                f"Nexudus's check-ins cannot be read back ({exc}): check the member's"
                " check-ins in Nexudus, then send it again or discard it"
            ) from None
        return took if took is not None else await self.check(request)

    async def _took_effect(
        self, request: CheckinRequest, fields: tuple[str, ...]
    ) -> Outcome | None:
        """What the lost attempt did, read from the member's check-ins since; None: nothing."""
        value = request.credential.value
        coworkers: list[dict[str, Any]] = []
        for field in fields:
            coworkers = await self._records("/api/spaces/coworkers", {field: value, "size": 1})
            if coworkers:
                break
        if not coworkers:
            return None  # nobody: sending it again is refused, as it would have been
        coworker = coworkers[0]
        since = request.attempted_at - SETTLE_SKEW
        params = {
            "Checkin_Coworker": coworker.get("Id"),
            "from_Checkin_FromTime": (since - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "orderBy": "FromTime",
            "size": 100,
        }
        came = left = False
        for record in await self._pages("/api/spaces/checkins", params):
            start = parse_session_time(record.get("FromTime"))
            end = parse_session_time(record.get("ToTime"))
            came = came or (start is not None and start >= since)
            left = left or (end is not None and end >= since)
        name = coworker.get("FullName") if isinstance(coworker.get("FullName"), str) else None
        action = request.action
        if came and action is not Action.OUT:
            return Outcome(Status.CHECKED_IN, member=name, raw_message="read back")
        if left and action is not Action.IN:
            return Outcome(Status.CHECKED_OUT, member=name, raw_message="read back")
        return None

    def _start_naming(self, request: CheckinRequest) -> asyncio.Task[str | None] | None:
        fields = _NAMED_BY.get(request.credential.kind)
        if fields is None:
            return None
        value = request.credential.value
        key = (fields, value.casefold() if "@" in value else value)  # emails in any case
        known = self._names.get(key)
        if known is not None and self._clock() < known[1]:
            return asyncio.get_running_loop().create_task(_ready(known[0]))
        return asyncio.get_running_loop().create_task(self._look_up(key))

    async def _named(self, outcome: Outcome, naming: asyncio.Task[str | None]) -> Outcome:
        if outcome.status not in (Status.CHECKED_IN, Status.CHECKED_OUT) or outcome.member:
            naming.cancel()
            return outcome
        try:
            name = await asyncio.wait_for(asyncio.shield(naming), NAME_WAIT)
        except TimeoutError:
            log.info("the member's name came too late; welcomed without it")
            naming.add_done_callback(_quiet)
            return outcome
        return dataclasses.replace(outcome, member=name)

    async def _look_up(self, key: tuple[tuple[str, ...], str]) -> str | None:
        """The name of the member a filter finds (a card may be enrolled as either number)."""
        fields, value = key
        records: list[dict[str, Any]] = []
        for field in fields:
            try:
                records = await self._records(
                    "/api/spaces/coworkers", {field: value, "page": 1, "size": 1}
                )
            except BackendError as exc:
                log.info("cannot look up the member's name: %s", exc)
                return None
            if records:
                break
        name = records[0].get("FullName") if records else None
        if not isinstance(name, str) or not name.strip():
            return None
        if len(self._names) > 500:
            self._names.clear()
        self._names[key] = (name, self._clock() + NAME_SECONDS)
        return name


def _records_of(data: Any, path: str) -> list[dict[str, Any]]:
    records = data.get("Records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise BackendProtocolError(f"unexpected list from {path}")
    return [r for r in records if isinstance(r, dict)]


async def _ready(name: str) -> str | None:
    return name


def _quiet(task: asyncio.Task[str | None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        task.exception()
