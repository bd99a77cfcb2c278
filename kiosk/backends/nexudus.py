"""The Nexudus check-in protocol over httpx: the embedded server and Nexudus itself.

    POST {base}/api/public/checkin   {"Pin": "12345", "Toggle": true, "BusinessId": 1}
    → {"Status": 200, "Message": "2026-03-02T17:00:00 UTC", "WasSuccessful": true,
       "Value": {"SessionExpire": "2026-03-02T17:00:00 UTC", "SessionTimeOut": 25200.0}}

Every answer becomes an `Outcome`: success, a refusal with its `Reason` (our server's
`ReasonCode` extension, else Nexudus's phrasing through `PHRASES`), no answer →
`backend_unavailable`, anything else → `backend_error` with the raw text for staff.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kiosk.backends.base import (
    BackendProtocolError,
    BackendUnavailableError,
    FailedCheckin,
    Place,
    Presence,
)
from kiosk.domain import Action, CheckinRequest, CredentialKind, Outcome, Reason, Status

log = logging.getLogger(__name__)

KINDS = frozenset(
    {CredentialKind.PIN, CredentialKind.CARD, CredentialKind.PHONE, CredentialKind.QR}
)
RAW_LIMIT = 300

# Nexudus's refusal phrasings, first match wins; anything else is `Reason.REFUSED`.
PHRASES: tuple[tuple[re.Pattern[str], Reason], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"not checked in", Reason.NOT_CHECKED_IN),
        (r"pass (is )?(not valid|invalid|expired)|already been used", Reason.INVALID_PASS),
        (
            r"not recogni[sz]ed|not found|unknown|invalid (pin|card|token|credential)|"
            r"incorrect",
            Reason.UNKNOWN_CREDENTIAL,
        ),
        (r"disabled|suspended|not active (account|user)", Reason.ACCOUNT_DISABLED),
        (r"(plan|tariff|contract).*(not active|inactive|cancel)", Reason.PLAN_INACTIVE),
        (r"limit|used up|exceeded|no (more )?time left", Reason.PLAN_LIMIT_REACHED),
        (r"this time|hours|opening", Reason.OUTSIDE_HOURS),
        (r"restricted|location|not allowed|access", Reason.ACCESS_RESTRICTED),
        (r"no valid pass|no (active )?(plan|pass|time pass|product)|pass", Reason.NO_VALID_PASS),
    )
)


class NexudusClient:
    """A Nexudus-protocol backend at `base_url`, over the app's one `httpx.AsyncClient`."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, pin_field: str = "Pin") -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self.pin_field = pin_field
        self.admin_token = ""  # a bearer token for the staff lists; without it they are refused

    @property
    def base_url(self) -> str:
        """Where the server is; empty until the embedded server has started."""
        return self._base

    @base_url.setter
    def base_url(self, url: str) -> None:
        self._base = url.rstrip("/")

    @property
    def kinds(self) -> frozenset[CredentialKind]:
        """PINs, cards, and phone or QR tokens."""
        return KINDS

    async def check(self, request: CheckinRequest) -> Outcome:
        """POST the check-in and read the answer; never raises."""
        body = self._body(request)
        if body is None:
            return Outcome(Status.REJECTED, reason=Reason.UNSUPPORTED_CREDENTIAL)
        try:
            response = await self._http.post(f"{self._base}/api/public/checkin", json=body)
        except httpx.TransportError as exc:
            return _unavailable(exc)
        except httpx.HTTPError as exc:  # an invalid URL, too many redirects
            return Outcome(Status.REJECTED, reason=Reason.BACKEND_ERROR, raw_message=str(exc))
        return read_answer(response, request.action)

    def _body(self, request: CheckinRequest) -> dict[str, Any] | None:
        credential = request.credential
        match credential.kind:
            case CredentialKind.CARD:
                body: dict[str, Any] = {"AccessCardId": credential.value}
            case CredentialKind.PIN:
                body = {self.pin_field: credential.value}
            case CredentialKind.PHONE | CredentialKind.QR:
                body = {"Token": credential.value}
            case _:
                return None
        if request.action is Action.TOGGLE:
            body["Toggle"] = True
        elif request.action is Action.OUT:
            body["Disconnect"] = True
        if request.location and request.location.isdigit():
            body["BusinessId"] = int(request.location)
        return body

    async def places(self) -> list[Place]:
        """The businesses (`GET /api/sys/businesses`), all pages."""
        places: list[Place] = []
        for page in range(1, 50):
            data = await self._get_json("/api/sys/businesses", {"page": page, "size": 100})
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
        """Open check-ins at `location` (``GET /api/spaces/checkins?Open=true``), oldest first."""
        params: dict[str, Any] = {"Open": "true", "size": 200, "dir": 1}
        if location:
            params["Checkin_Business"] = location
        people: list[Presence] = []
        for record in await self._records("/api/spaces/checkins", params):
            since = parse_session_time(record.get("FromTime"))
            if since is not None:
                name = str(record.get("CoworkerFullName") or "unknown member")
                people.append(Presence(name, since, parse_session_time(record.get("ToTime"))))
        return people

    async def failed(self, location: str | None, limit: int) -> list[FailedCheckin]:
        """The latest failed check-ins at `location` (``GET /api/spaces/failedcheckins``)."""
        params: dict[str, Any] = {"size": limit, "dir": -1}
        if location:
            params["FailedCheckin_Business"] = location
        failures: list[FailedCheckin] = []
        for record in await self._records("/api/spaces/failedcheckins", params):
            at = parse_session_time(record.get("CheckinAttemptTime"))
            if at is not None:
                name = record.get("CoworkerFullName")
                reason = str(record.get("Description") or record.get("ReasonCode") or "refused")
                failures.append(FailedCheckin(at, str(name) if name else None, reason[:200]))
        return failures

    async def _records(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.admin_token:
            raise BackendProtocolError("needs the server's admin token (Backend page)")
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        data = await self._get_json(path, params, headers)
        records = data.get("Records") if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise BackendProtocolError(f"unexpected list from {path}")
        return [r for r in records if isinstance(r, dict)]

    async def probe(self) -> bool:
        """Whether anything answers HTTP at the base URL."""
        try:
            await self._http.get(f"{self._base}/health")
        except httpx.HTTPError:
            return False
        return True

    async def _get_json(
        self, path: str, params: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Any:
        try:
            response = await self._http.get(f"{self._base}{path}", params=params, headers=headers)
        except httpx.TransportError as exc:
            raise BackendUnavailableError(_describe(exc)) from None
        except httpx.HTTPError as exc:
            raise BackendProtocolError(str(exc)) from None
        if response.status_code in (401, 403):
            raise BackendProtocolError(f"HTTP {response.status_code}: the admin token was refused")
        if response.status_code != 200:
            raise BackendProtocolError(f"HTTP {response.status_code}: {_snippet(response)}")
        try:
            return response.json()
        except ValueError:
            raise BackendProtocolError(f"not JSON: {_snippet(response)}") from None


def read_answer(response: httpx.Response, action: Action) -> Outcome:
    """The `Outcome` of a check-in `response`."""
    code = response.status_code
    if code in (409, 429):
        wait = response.headers.get("Retry-After", "")
        return _error(Reason.RATE_LIMITED, f"HTTP {code} Retry-After {wait}: {_snippet(response)}")
    if code in (502, 503, 504):
        return _error(Reason.BACKEND_UNAVAILABLE, f"HTTP {code}: {_snippet(response)}")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or "WasSuccessful" not in data:
        return _error(Reason.BACKEND_ERROR, f"HTTP {code}: {_snippet(response)}")
    message = str(data.get("Message") or "")[:RAW_LIMIT]
    member = data.get("CoworkerFullName") if isinstance(data.get("CoworkerFullName"), str) else None
    if data["WasSuccessful"] is True and code == 200:
        expire = _expiry(data.get("Value"))
        checked_in = data.get("CheckedIn")
        if checked_in is False or (checked_in is None and expire is None):
            return Outcome(Status.CHECKED_OUT, member=member, raw_message=message)
        return Outcome(Status.CHECKED_IN, member, expire, raw_message=message)
    if data.get("Errors") or code != 200 or data.get("Status") not in (None, 200):
        errors = json.dumps(data.get("Errors"), default=str)[:RAW_LIMIT]
        return _error(
            Reason.BACKEND_ERROR, f"HTTP {code} Status {data.get('Status')}: {message} {errors}"
        )
    return Outcome(
        Status.REJECTED, member, reason=refusal_reason(data, message), raw_message=message
    )


def refusal_reason(data: dict[str, Any], message: str) -> Reason:
    """Our server's `ReasonCode`, else the first of `PHRASES` that `message` matches."""
    code = data.get("ReasonCode")
    if isinstance(code, str) and code in Reason.__members__.values():
        return Reason(code)
    for pattern, reason in PHRASES:
        if pattern.search(message):
            return reason
    return Reason.REFUSED


def parse_session_time(text: Any) -> datetime | None:
    """``2015-09-11T21:59:59 UTC`` (or ISO 8601 with a zone) as an aware datetime."""
    if not isinstance(text, str):
        return None
    text = text.strip().removesuffix(" UTC").removesuffix("Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _expiry(value: Any) -> datetime | None:
    if not isinstance(value, dict):
        return None
    expire = parse_session_time(value.get("SessionExpire"))
    seconds = value.get("SessionTimeOut")
    if expire is None and isinstance(seconds, int | float) and 0 < seconds < 10**7:
        expire = datetime.now(UTC) + timedelta(seconds=float(seconds))
    return expire


def _error(reason: Reason, raw: str) -> Outcome:
    log.warning("check-in: %s: %s", reason.value, raw)
    return Outcome(Status.REJECTED, reason=reason, raw_message=raw[:RAW_LIMIT])


def _unavailable(exc: httpx.TransportError) -> Outcome:
    return _error(Reason.BACKEND_UNAVAILABLE, _describe(exc))


def _describe(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _snippet(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:200] if text else "(empty body)"
