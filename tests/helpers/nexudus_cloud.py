"""A small Nexudus for `httpx.MockTransport`: the documented endpoints and payloads the kiosk
uses, with state, so adapters and whole kiosks can be tested against it.

    cloud = FakeNexudus()
    http = httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler))

It records every request (`requests`) and can be told to refuse a sign-in, ask for a
two-factor code, rate-limit check-ins (`rate_limit`) or fail (`fail_with`).

The check-in endpoint reads its body as the documents describe it (tests/contracts/README.md):
field names in any case, the PIN as ``pincode`` (alone or with ``email``; ``Pin`` is not a
documented name and identifies nobody), ``disconnect`` only with a ``mac`` (without one it is
ignored, so a kiosk relying on it would check the member in), ``doNotCheckIn`` validating
without a record, and the member's name in ``Value.FullName``. Refusals carry
`refusal_status` in the body and the HTTP status alike: Nexudus does not document its refusal
status, so tests run with 200 and with 403.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

SUBDOMAIN = "harbour"
CHECKIN_URL = f"https://{SUBDOMAIN}.spaces.nexudus.com/api/public/checkin"
API = "https://spaces.nexudus.com"
ADMIN = "admin@harbour.example"
PASSWORD = "Adm1n-Pa55!"
TOTP = "482910"


@dataclasses.dataclass
class Coworker:
    """A member: how they identify, and whether they may come in."""

    id: int
    name: str
    email: str
    card: str = ""
    pin: str = ""
    password: str = ""
    refusal: str = ""  # Nexudus's words when a check-in is refused
    fob: str = ""  # a second card, enrolled as the key fob number
    token: str = ""  # an access token (a phone's, or a pass)


@dataclasses.dataclass
class FakeNexudus:
    """The check-in endpoint, the token endpoint, businesses, coworkers and check-ins."""

    coworkers: list[Coworker] = dataclasses.field(
        default_factory=lambda: [
            Coworker(11, "Ada Lovelace", "ada@example.com", "04A1B2C3D4", "12345", "ada-pw"),
            Coworker(12, "Ben Okafor", "ben@example.com", "04FFEE0011", "22222", "ben-pw",
                     refusal="You do not have a valid pass to check in."),
        ]
    )  # fmt: skip
    businesses: list[tuple[int, str, str]] = dataclasses.field(
        default_factory=lambda: [(1204, "Harbour Works", "Europe/London")]
    )
    two_factor: bool = False
    must_reset: bool = False
    token_seconds: int = 604799
    rate_limit: int = 0  # answer 409 with this Retry-After to the next check-in
    refusal_status: int = 200  # the HTTP and body status of a refusal
    names_in_answer: bool = True  # whether answers carry Value.FullName
    fail_with: httpx.Response | None = None  # answer check-ins with this
    requests: list[httpx.Request] = dataclasses.field(default_factory=list)
    open: dict[int, datetime] = dataclasses.field(default_factory=dict)
    closed: list[tuple[int, datetime, datetime]] = dataclasses.field(default_factory=list)
    failed: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)  # access → refresh
    revoked: set[str] = dataclasses.field(default_factory=set)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Answer `request` as Nexudus would."""
        self.requests.append(request)
        url = str(request.url.copy_with(query=None))
        if url == CHECKIN_URL and request.method == "POST":
            return self._checkin(request)
        if url == f"{API}/api/token" and request.method == "POST":
            return self._token(request)
        if not url.startswith(f"{API}/api/"):
            return httpx.Response(404, text="<html><body>Not Found</body></html>")
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or token not in self.tokens or token in self.revoked:
            return httpx.Response(401, json={"Message": "Authorization has been denied."})
        path = request.url.path
        if path == "/api/sys/businesses":
            records = [{"Id": i, "Name": n, "TimeZone": z} for i, n, z in self.businesses]
            return httpx.Response(200, json=_page(records, request))
        if path == "/api/spaces/coworkers":
            return httpx.Response(200, json=_page(self._find(request), request))
        if path == "/api/spaces/checkins":
            return httpx.Response(200, json=_page(self._checkins(request), request))
        if path == "/api/spaces/failedcheckins":
            return httpx.Response(200, json=_page(list(reversed(self.failed)), request))
        return httpx.Response(404, json={"Message": "No HTTP resource was found"})

    def revoke_tokens(self) -> None:
        """Every access token issued so far stops working (refresh tokens still do)."""
        self.revoked |= set(self.tokens)

    def _token(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return _oauth("unsupported_grant_type")
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.tokens.values():
                return _oauth("invalid_grant", "The refresh token is invalid.")
            if request.headers.get("client_id") != ADMIN:
                return _oauth("invalid_client")
        elif grant == "password":
            if form.get("username") != ADMIN or form.get("password") != PASSWORD:
                return _oauth("invalid_grant", "The user name or password is incorrect.")
            if self.must_reset:
                return _oauth("must_reset_password")
            if self.two_factor and form.get("totp") != TOTP:
                return _oauth("two_factor_auth_check")
        else:
            return _oauth("unsupported_grant_type")
        access, refresh = secrets.token_urlsafe(24), secrets.token_hex(8)
        self.tokens[access] = refresh
        return httpx.Response(
            200,
            json={
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.token_seconds,
                "refresh_token": refresh,
            },
        )

    def _checkin(self, request: httpx.Request) -> httpx.Response:
        if self.rate_limit:
            wait, self.rate_limit = self.rate_limit, 0
            return httpx.Response(
                409,
                text="You must wait before accessing this url again.",
                headers={"Retry-After": str(wait)},
            )
        if self.fail_with is not None:
            return self.fail_with
        body = {str(k).casefold(): v for k, v in json.loads(request.content).items()}
        member = self._identify(body)
        if member is None:
            return self._refuse("Your access card or PIN was not recognised.")
        disconnect = bool(body.get("disconnect")) and bool(body.get("mac"))
        leaving = disconnect or (body.get("toggle") and member.id in self.open)
        if member.refusal and not leaving:
            if not body.get("donotcheckin"):
                self.failed.append(
                    {"CoworkerFullName": member.name, "Description": member.refusal,
                     "Source": 4, "CheckinAttemptTime": self.now().strftime("%Y-%m-%dT%H:%M:%SZ")}
                )  # fmt: skip
            return self._refuse(member.refusal)
        named = {"FullName": member.name} if self.names_in_answer else {}
        if leaving:
            if member.id not in self.open:
                return self._refuse("You are not checked in.")
            if not body.get("donotcheckin"):
                self.closed.append((member.id, self.open.pop(member.id), self.now()))
            return _answer(True, "You have been checked out.", named or None)
        if not body.get("donotcheckin"):
            self.open.setdefault(member.id, self.now())
        expire = (self.now() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S UTC")
        return _answer(True, expire, {"SessionExpire": expire, "SessionTimeOut": 28800.0, **named})

    def _refuse(self, message: str) -> httpx.Response:
        return _answer(False, message, status=self.refusal_status)

    def _identify(self, body: dict[str, Any]) -> Coworker | None:
        email, pin = str(body.get("email", "")).casefold(), body.get("pincode")
        for member in self.coworkers:
            if (
                (body.get("accesscardid") and body["accesscardid"] in (member.card, member.fob))
                or (pin and pin == member.pin and email in ("", member.email))
                or (body.get("token") and body["token"] == member.token)
                or (email == member.email and body.get("password") == member.password)
            ):
                return member
        return None

    def _find(self, request: httpx.Request) -> list[dict[str, Any]]:
        card = request.url.params.get("Coworker_AccessCardId")
        fob = request.url.params.get("Coworker_KeyFobNumber")
        email = request.url.params.get("Coworker_Email")
        return [
            {"Id": m.id, "FullName": m.name, "Email": m.email, "AccessCardId": m.card,
             "KeyFobNumber": m.fob or None}
            for m in self.coworkers
            if (card and m.card == card) or (fob and m.fob == fob)
            or (email and m.email.casefold() == email.casefold())
        ]  # fmt: skip

    def _checkins(self, request: httpx.Request) -> list[dict[str, Any]]:
        """Open and closed check-ins, filtered by ``Checkin_Coworker`` and
        ``from_Checkin_FromTime`` as Nexudus's list filters are."""
        sessions = [(m, t, None) for m, t in self.open.items()] + list(self.closed)
        who = request.url.params.get("Checkin_Coworker")
        since = request.url.params.get("from_Checkin_FromTime")
        return [
            {"CoworkerId": m, "CoworkerFullName": self._member(m).name, "BusinessId": 1204,
             "FromTime": _z(start), "ToTime": _z(end) if end else None, "Source": 4}
            for m, start, end in sessions
            if (not who or str(m) == who) and (not since or _z(start)[:16] >= since)
        ]  # fmt: skip

    def _member(self, ident: int) -> Coworker:
        return next(m for m in self.coworkers if m.id == ident)


def _answer(
    ok: bool, message: str, value: dict[str, Any] | None = None, status: int = 200
) -> httpx.Response:
    body = {"Status": status, "Message": message, "Value": value, "Errors": None,
            "WasSuccessful": ok}  # fmt: skip
    return httpx.Response(status, json=body)


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _oauth(error: str, description: str = "") -> httpx.Response:
    body = {"error": error, **({"error_description": description} if description else {})}
    return httpx.Response(400, json=body)


def _page(records: list[dict[str, Any]], request: httpx.Request) -> dict[str, Any]:
    page = int(request.url.params.get("page", "1"))
    size = int(request.url.params.get("size", "25"))
    chunk = records[(page - 1) * size : page * size]
    total = len(records)
    pages = max(1, -(-total // size))
    first = (page - 1) * size + 1 if chunk else 0
    return {
        "Records": chunk,
        "CurrentPage": page,
        "CurrentPageSize": size,
        "CurrentOrderField": request.url.params.get("orderBy", "Id"),
        "CurrentSortDirection": int(request.url.params.get("dir", "1")),
        "FirstItem": first,
        "LastItem": first + len(chunk) - 1 if chunk else 0,
        "TotalItems": total,
        "TotalPages": pages,
        "HasNextPage": page < pages,
        "HasPreviousPage": page > 1,
    }
