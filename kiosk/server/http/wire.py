"""The Nexudus wire format: request bodies in, JSON shapes out.

Bodies are parsed by hand (JSON or form) so that every malformed one, whatever its fault,
gets one answer: `BadRequestError`, rendered as Nexudus's validation shape
``{"Status": 400, "Errors": [{"PropertyName", "Message", "AttemptedValue"}], ...}``.
Field names match case-insensitively, as ASP.NET model binding does; the PIN is `Pincode`, as
Nexudus documents it (`Pin`, which our kiosks sent before, is read as the same field).

A refusal is never ``Status: 200``: door clients open on a body status of 200, so the HTTP and
body status agree and say why (`refusal_status`), with ``WasSuccessful: false``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from starlette.requests import Request

from kiosk.domain import Action, Reason, Status
from kiosk.server.checkin import TILE, CheckinCommand, CheckinResult, Presented
from kiosk.server.checkin import Field as CredentialField
from kiosk.server.store.models import CheckinRecord, FailedCheckinRecord, Location, Member, Page

MAX_BODY = 16 * 1024
SECRET_FIELDS = frozenset({"Pincode", "Password", "Token"})
_ALIASES = {"pin": "Pincode"}  # older kiosks of ours


class BadRequestError(Exception):
    """A request we refuse; `errors` are (property, message, attempted value) triples."""

    def __init__(
        self, message: str, status: int = 400, errors: list[tuple[str, str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.status = status
        self.headers: dict[str, str] | None = None


class CheckinFields(BaseModel):
    """The fields of ``POST /api/public/checkin`` (JSON or form)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    AccessCardId: str | None = Field(None, min_length=1, max_length=64)
    Email: str | None = Field(None, min_length=3, max_length=254)
    Password: str | None = Field(None, min_length=1, max_length=256)
    Token: str | None = Field(None, min_length=1, max_length=4096)
    Pincode: str | None = Field(
        None, pattern=r"^[0-9]{4,8}$", description="4 to 8 digits, alone or with Email (or Pin)"
    )
    Mac: str | None = Field(None, min_length=8, max_length=200)
    Disconnect: bool = False
    Toggle: bool = False
    DoNotCheckIn: bool = Field(False, description="validate the credential, check nobody in")
    BusinessId: int | None = Field(None, ge=1, le=2**31 - 1, description="Extension: location")
    Nonce: str | None = Field(
        None, min_length=1, max_length=64, description="Extension: the same nonce, the same answer"
    )
    CheckinTime: AwareDatetime | None = Field(
        None, description="Extension: when the attempt happened (a replay), with its zone"
    )
    Source: int = Field(TILE, ge=0, le=5, description="Extension: eCheckinSource")

    @field_validator("AccessCardId", mode="before")
    @classmethod
    def _card_number(cls, value: object) -> object:
        """A card id sent as a JSON number is that number's digits."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one_credential(self) -> CheckinFields:
        given = [n for n in ("AccessCardId", "Token", "Pincode") if getattr(self, n)]
        if self.Email and not self.Pincode:
            given.append("Email")
        if not given and self.Mac:
            given.append("Mac")
        if not given:
            raise ValueError("give one of Pincode, AccessCardId, Email and Password, Token or Mac")
        if len(given) > 1:
            raise ValueError(f"give only one credential, not {' and '.join(given)}")
        if self.Email and not (self.Password or self.Pincode):
            raise ValueError("Email needs a Password or a Pincode")
        if self.Disconnect and self.Toggle:
            raise ValueError("Disconnect and Toggle cannot both be true")
        return self

    def command(self) -> CheckinCommand:
        """The service command these fields ask for."""
        if self.AccessCardId:
            presented = Presented(CredentialField.CARD, self.AccessCardId)
        elif self.Pincode:
            presented = Presented(CredentialField.PIN, self.Pincode, email=self.Email)
        elif self.Token:
            presented = Presented(CredentialField.TOKEN, self.Token)
        elif self.Email:
            presented = Presented(CredentialField.EMAIL, self.Email, self.Password)
        else:
            presented = Presented(CredentialField.MAC, self.Mac or "")
        action = Action.OUT if self.Disconnect else Action.TOGGLE if self.Toggle else Action.IN
        return CheckinCommand(
            presented,
            action,
            self.BusinessId,
            self.Source,
            validate_only=self.DoNotCheckIn,
            nonce=self.Nonce,
            at=self.CheckinTime.astimezone(UTC) if self.CheckinTime else None,
        )


_CANONICAL = {name.lower(): name for name in CheckinFields.model_fields} | _ALIASES


class PairingFields(BaseModel):
    """The body of ``POST /api/public/pair``."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    Code: str = Field(min_length=8, max_length=20, description="the code `kiosk devices add` gave")


def parse_pairing(body: bytes, content_type: str) -> str:
    """The pairing code in a request body; raises `BadRequestError` for anything malformed."""
    fields = _fields(body, content_type, {"code": "Code"})
    try:
        return PairingFields.model_validate(fields).Code
    except ValidationError as exc:
        raise BadRequestError("The request is invalid.", errors=_errors(exc)) from None


def parse_checkin(body: bytes, content_type: str) -> CheckinCommand:
    """The command in a request body; raises `BadRequestError` for anything malformed."""
    fields = _fields(body, content_type, _CANONICAL)
    try:
        return CheckinFields.model_validate(fields).command()
    except ValidationError as exc:
        raise BadRequestError("The request is invalid.", errors=_errors(exc)) from None


def _fields(body: bytes, content_type: str, canonical: dict[str, str]) -> dict[str, Any]:
    """The body's fields (JSON or a form) under their `canonical` names, matched in any case;
    others are ignored, a field given twice is refused."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        pairs = _form_pairs(body)
    elif media in ("application/json", "text/json", ""):
        pairs = _json_pairs(body)
    else:
        raise BadRequestError(f"unsupported content type {media!r}; send JSON or a form", 415)
    fields: dict[str, Any] = {}
    for key, value in pairs:
        name = canonical.get(key.lower())
        if name is None:
            continue
        if name in fields:
            raise BadRequestError("a field is given twice", errors=[(name, "given twice", None)])
        fields[name] = value
    return fields


def _json_pairs(body: bytes) -> list[tuple[str, Any]]:
    try:
        pairs = json.loads(body.decode("utf-8"), object_pairs_hook=_Pairs)
    except UnicodeDecodeError:
        raise BadRequestError("the body is not UTF-8") from None
    except (ValueError, RecursionError):
        raise BadRequestError("the body is not valid JSON") from None
    if not isinstance(pairs, _Pairs):
        raise BadRequestError("the body must be a JSON object")
    return list(pairs)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object kept as its key/value pairs, so repeated keys can be seen."""


def _form_pairs(body: bytes) -> list[tuple[str, Any]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequestError("the body is not UTF-8") from None
    except ValueError:
        raise BadRequestError("the form is malformed") from None


def _errors(exc: ValidationError) -> list[tuple[str, str, Any]]:
    out = []
    for err in exc.errors(include_url=False):
        prop = str(err["loc"][0]) if err["loc"] else ""
        message = str(err["msg"]).removeprefix("Value error, ")
        attempted = None if prop in SECRET_FIELDS or not prop else plain(err.get("input"))
        out.append((prop, message, attempted))
    return out


def plain(value: Any) -> Any:
    """A value safe to echo back in JSON: scalars as they are, others as short text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value[:200] if isinstance(value, str) else value
    return json.dumps(value, default=str)[:200]


def envelope(
    status: int,
    message: str,
    value: Any = None,
    errors: Any = None,
    ok: bool = True,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Nexudus's response envelope, with our extension fields after it."""
    return {
        "Status": status,
        "Message": message,
        "Value": value,
        "Errors": errors,
        "WasSuccessful": ok,
        **(extra or {}),
    }


def bad_request_body(exc: BadRequestError) -> dict[str, Any]:
    """The validation-shaped body for `exc`."""
    errors = [{"AttemptedValue": v, "Message": m, "PropertyName": p} for p, m, v in exc.errors]
    return envelope(exc.status, exc.message, errors=errors or None, ok=False)


def refusal_status(reason: Reason | None) -> int:
    """The HTTP and body status of a refusal: 404 for a credential nobody holds, 403 for
    any other refusal (the member is known and may not come in, or is not in to leave).

    >>> refusal_status(Reason.UNKNOWN_CREDENTIAL), refusal_status(Reason.NO_VALID_PASS)
    (404, 403)
    """
    return 404 if reason is Reason.UNKNOWN_CREDENTIAL else 403


def checkin_body(result: CheckinResult, to_device: bool = True) -> tuple[int, dict[str, Any]]:
    """The check-in answer's status and body: Nexudus's envelope with the member's name in
    ``Value.FullName`` as real clients read it; extensions: `CoworkerFullName`, `CheckedIn`,
    `ReasonCode`. A refusal to a caller that is not a paired device (`to_device` False) names
    nobody: a guess must not learn whose credential it hit."""
    if not to_device and result.status is Status.REJECTED:
        result = dataclasses.replace(result, member_name=None)
    extra: dict[str, Any] = {
        "CoworkerFullName": result.member_name,
        "CheckedIn": result.status is Status.CHECKED_IN,
        "ReasonCode": result.reason.value if result.reason else None,
    }
    named = {"FullName": result.member_name} if result.member_name else {}
    if result.status is Status.CHECKED_IN and result.session_expire is not None:
        expire = session_time(result.session_expire)
        timeout = round((result.session_expire - result.now).total_seconds(), 2)
        value = {"SessionExpire": expire, "SessionTimeOut": max(timeout, 0.0), **named}
        return 200, envelope(200, expire, value, extra=extra)
    if result.status is Status.CHECKED_OUT:
        return 200, envelope(200, "You have been checked out.", named or None, extra=extra)
    reason = result.reason
    message = f"{reason.message}. {reason.hint}" if reason else "Check-in refused."
    status = refusal_status(reason)
    return status, envelope(status, message, named or None, ok=False, extra=extra)


def session_time(moment: datetime) -> str:
    """Nexudus's session time format: ``2015-09-11T21:59:59 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S UTC")


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _local(moment: datetime | None, tz: str) -> str | None:
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M:%S") if moment else None


def checkin_record(c: CheckinRecord) -> dict[str, Any]:
    """A check-in with Nexudus's field names."""
    return {
        "Id": c.id,
        "UniqueId": c.unique_id,
        "CoworkerId": c.coworker_id,
        "CoworkerFullName": c.coworker_full_name,
        "BusinessId": c.business_id,
        "BusinessName": c.business_name,
        "Source": c.source,
        "FromTime": _utc(c.from_time),
        "ToTime": _utc(c.to_time),
        "FromTimeLocal": _local(c.from_time, c.business_timezone),
        "ToTimeLocal": _local(c.to_time, c.business_timezone),
        "CountsTowardsPlanLimits": c.time_pass_guid is None,
        "CoworkerTimePassGuid": c.time_pass_guid,
        "AutoCheckout": c.auto_checkout,
        "TeamsAtTheTimeOfCheckin": c.teams,
        "TariffAtTheTimeOfCheckin": c.tariff,
        "SessionExpire": _utc(c.expires_at),
        "CreatedOn": _utc(c.from_time),
        "Device": c.device_name,
        "DeviceId": c.device_id,
    }


def failed_record(f: FailedCheckinRecord) -> dict[str, Any]:
    """A failed check-in with Nexudus's field names (plus `ReasonCode`)."""
    return {
        "Id": f.id,
        "UniqueId": f.unique_id,
        "CoworkerId": f.coworker_id,
        "CoworkerFullName": f.coworker_full_name,
        "BusinessId": f.business_id,
        "BusinessName": f.business_name,
        "Source": f.source,
        "CheckinAttemptTime": _utc(f.attempt_time),
        "CheckinAttemptTimeLocal": _local(f.attempt_time, f.business_timezone),
        "Description": f.description,
        "ReasonCode": f.reason,
        "TeamsAtTheTimeOfCheckin": f.teams,
        "TariffAtTheTimeOfCheckin": f.tariff,
        "CreatedOn": _utc(f.attempt_time),
        "Device": f.device_name,
        "DeviceId": f.device_id,
    }


def location_record(loc: Location) -> dict[str, Any]:
    """A location as a Nexudus business."""
    return {"Id": loc.id, "Name": loc.name, "TimeZone": loc.timezone}


def page_body(
    page: Page[Any], records: list[dict[str, Any]], order: str, direction: int
) -> dict[str, Any]:
    """Nexudus's paging envelope around `records`."""
    first = (page.page - 1) * page.size + 1 if records else 0
    return {
        "Records": records,
        "CurrentPage": page.page,
        "CurrentPageSize": page.size,
        "CurrentOrderField": order,
        "CurrentSortDirection": direction,
        "FirstItem": first,
        "LastItem": first + len(records) - 1 if records else 0,
        "TotalItems": page.total,
        "TotalPages": page.total_pages,
        "HasNextPage": page.page < page.total_pages,
        "HasPreviousPage": page.page > 1,
        "PageNumber": page.page,
        "PageSize": page.size,
    }


def coworker_record(m: Member) -> dict[str, Any]:
    """A member as a Nexudus coworker: the first card as ``AccessCardId``, the second as
    ``KeyFobNumber``; ``AccessPincode`` is never given (PINs are stored as keyed hashes)."""
    return {
        "Id": m.id,
        "FullName": m.full_name,
        "Email": m.email,
        "AccessCardId": m.cards[0] if m.cards else None,
        "KeyFobNumber": m.cards[1] if len(m.cards) > 1 else None,
        "Active": m.active,
        "TeamNames": ", ".join(m.teams),
        "TariffName": m.plan_name,
    }


@dataclasses.dataclass(frozen=True)
class ManualCheckin:
    """An admin's ``POST /api/spaces/checkins``: who, where, from when, until when."""

    coworker_id: int
    business_id: int
    from_time: datetime
    to_time: datetime | None


class ManualFields(BaseModel):
    """The fields of ``POST /api/spaces/checkins`` we read (others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    CoworkerId: int = Field(ge=1, le=2**63 - 1)
    BusinessId: int = Field(ge=1, le=2**63 - 1)
    FromTime: datetime
    ToTime: datetime | None = None

    @model_validator(mode="after")
    def _in_order(self) -> ManualFields:
        if self.ToTime is not None and aware(self.ToTime) < aware(self.FromTime):
            raise ValueError("ToTime must not be before FromTime")
        return self


def parse_manual(body: bytes, content_type: str) -> ManualCheckin:
    """An admin's recorded check-in; `BadRequestError` for anything malformed."""
    canonical = {name.lower(): name for name in ManualFields.model_fields}
    try:
        f = ManualFields.model_validate(_fields(body, content_type, canonical))
    except ValidationError as exc:
        raise BadRequestError("The request is invalid.", errors=_errors(exc)) from None
    to_time = aware(f.ToTime) if f.ToTime is not None else None
    return ManualCheckin(f.CoworkerId, f.BusinessId, aware(f.FromTime), to_time)


def aware(moment: datetime) -> datetime:
    """A time from a request: without a zone it is UTC (as Nexudus's API times are)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, refused with 413 past `limit` bytes without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadRequestError(f"the body is larger than {limit} bytes", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadRequestError(f"the body is larger than {limit} bytes", 413)
    return bytes(body)


Model = TypeVar("Model", bound=BaseModel)


def parse_json(model: type[Model], body: bytes, echo: bool = True) -> Model:
    """`body` (JSON) as `model`; `BadRequestError` naming each wrong field, with what was sent
    unless not `echo` (a body of members' addresses)."""
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as exc:
        errors: list[tuple[str, str, Any]] = [
            (
                ".".join(str(p) for p in e["loc"]) or "body",
                str(e["msg"]),
                plain(e.get("input")) if echo else None,
            )
            for e in exc.errors()[:20]
        ]
        raise BadRequestError("The request is invalid.", errors=errors) from None
