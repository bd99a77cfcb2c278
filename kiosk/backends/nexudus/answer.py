"""What a Nexudus check-in answer means, as an `Outcome`.

    {"Status": 200, "Message": "2015-09-11T21:59:59 UTC", "WasSuccessful": true, "Errors": null,
     "Value": {"SessionExpire": "2015-09-11T21:59:59 UTC", "SessionTimeOut": 46455.35}}

A refusal is the envelope with ``WasSuccessful: false`` and no ``Errors``, whatever its status
(200, 403 or 404: Nexudus's own refusal status is not documented, ours is 403 or 404). It gets
its `Reason` from our server's ``ReasonCode``, else from Nexudus's phrasing through `PHRASES`,
else from a 404 (`unknown_credential`). A validation failure (``Errors``), an error page or HTML
is `backend_error`, with the text kept for staff (never an ``AttemptedValue``: it may be the
PIN); HTTP 409/429 is `rate_limited` with its ``Retry-After``. The member's name is read from
``Value.FullName`` (as Nexudus's clients read it) or our ``CoworkerFullName``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kiosk.backends.http import RAW_LIMIT, refused, retry_after, snippet
from kiosk.domain import Action, Delivery, Outcome, Reason, Status

REFUSING = frozenset({200, 403, 404})  # HTTP statuses a refusal envelope may come with
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


def read_answer(response: httpx.Response, action: Action) -> Outcome:
    """The `Outcome` of a check-in `response`."""
    code = response.status_code
    if code in (409, 429):
        wait = retry_after(response)
        return refused(
            Reason.RATE_LIMITED, f"HTTP {code} Retry-After {wait}: {snippet(response)}", wait
        )
    if code in (502, 503, 504):
        raw = f"HTTP {code}: {snippet(response)}"
        return refused(Reason.BACKEND_UNAVAILABLE, raw, delivery=Delivery.LOST)
    try:
        data = response.json()
    except ValueError:
        data = None
    if code >= 500 and not (isinstance(data, dict) and data.get("WasSuccessful") is False):
        raw = f"HTTP {code}: {snippet(response)}"  # a fault there: it may come back
        return refused(Reason.BACKEND_ERROR, raw, delivery=Delivery.LOST)
    if not isinstance(data, dict) or "WasSuccessful" not in data:
        if code in (401, 403):
            why = f"HTTP {code}, the check-in was not allowed: {snippet(response)}"
            return refused(Reason.BACKEND_ERROR, why)
        return refused(Reason.BACKEND_ERROR, f"HTTP {code}: {snippet(response)}")
    message = str(data.get("Message") or "")[:RAW_LIMIT]
    member = _name(data)
    if data["WasSuccessful"] is True and code == 200:
        expire = _expiry(data.get("Value"))
        checked_in = data.get("CheckedIn")
        if checked_in is False or (checked_in is None and expire is None):
            return Outcome(Status.CHECKED_OUT, member=member, raw_message=message)
        return Outcome(Status.CHECKED_IN, member=member, session_expire=expire, raw_message=message)
    if data.get("Errors") or data["WasSuccessful"] is not False or code not in REFUSING:
        status = data.get("Status")
        return refused(
            Reason.BACKEND_ERROR, f"HTTP {code} Status {status}: {message} {_errors(data)}"
        )
    reason = refusal_reason(data, message)
    if reason is Reason.REFUSED and 404 in (code, data.get("Status")):
        reason = Reason.UNKNOWN_CREDENTIAL
    return Outcome(Status.REJECTED, member=member, reason=reason, raw_message=message)


def _name(data: dict[str, Any]) -> str | None:
    """The member's name: ``Value.FullName``, else our ``CoworkerFullName``."""
    value = data.get("Value")
    for name in (value.get("FullName") if isinstance(value, dict) else None,
                 data.get("CoworkerFullName")):  # fmt: skip
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def _errors(data: dict[str, Any]) -> str:
    """Nexudus's validation errors as ``Pin: Pin is invalid``; the attempted values (a PIN,
    a password) are left out."""
    errors = data.get("Errors")
    if not isinstance(errors, list):
        return ""
    return "; ".join(
        f"{e.get('PropertyName') or '?'}: {e.get('Message') or '?'}"
        for e in errors
        if isinstance(e, dict)
    )[:RAW_LIMIT]


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
