"""A small Kadence for `httpx.MockTransport`: the token endpoint, users, buildings, a user's
bookings and booking check-in/out, with the documented payloads (hydra collections and errors).

    cloud = FakeKadence()
    http = httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler))

As the documents describe Kadence (tests/contracts/README.md): ``GET /users?email=`` matches
part of an address (``emailExact=`` the whole of it); ``building.id`` filters a user's bookings
(``buildingId`` is not a filter there and is ignored); bookings carry ``startDate`` and
``endDate``; check-in and check-out answer 201. Collections come as hydra JSON-LD only when
asked for with ``Accept: application/ld+json`` (any other answer is a plain list: how Kadence
treats ``Accept: */*`` is not documented, so the fake takes the strict reading). `login` and
`api` are the region's hosts (EU by default).
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

LOGIN = "https://login.onkadence.co/oauth2/token"
API = "https://api.onkadence.co"
US_LOGIN = "https://login.us.onkadence.co/oauth2/token"
US_API = "https://api.us.onkadence.co"
ANNA = "01H0ANNA000000000000000000"
CLIENT_ID = "kiosk-client-7f3a"
CLIENT_SECRET = "kdc-s3cr3t-Z9q"
BUILDING = "01GTBV1CT3BM8A42SEJ2J5F4EG"
OTHER_BUILDING = "01GTBV1CT3BM8A42SEJ2J5F4XX"
ADA = "01H0ADA0000000000000000000"
BEN = "01H0BEN0000000000000000000"
CY = "01H0CY00000000000000000000"


@dataclasses.dataclass
class FakeBooking:
    """A booking: whose, where, when, and its status."""

    id: str
    user: str
    building: str
    start: datetime
    end: datetime
    status: str = "booked"
    type: str = "desk"


@dataclasses.dataclass
class FakeKadence:
    """Users Ada (a desk today), Ben (nothing booked) and Cy (self-certification due)."""

    users: dict[str, tuple[str, str, str]] = dataclasses.field(
        default_factory=lambda: {
            "nada@example.com": (ANNA, "Anna", "L"),
            "ada@example.com": (ADA, "Ada", "Lovelace"),
            "ben@example.com": (BEN, "Ben", "Okafor"),
            "cy@example.com": (CY, "Cy", "Young"),
        }
    )
    bookings: list[FakeBooking] = dataclasses.field(
        default_factory=lambda: [
            FakeBooking("bk-ada-1", ADA, BUILDING, later(-1), later(8)),
            FakeBooking("bk-cy-1", CY, BUILDING, later(-1), later(8)),
            FakeBooking("bk-anna-1", ANNA, BUILDING, later(-1), later(8)),
        ]
    )
    login: str = LOGIN
    api: str = API
    self_certification: set[str] = dataclasses.field(default_factory=lambda: {CY})
    token_seconds: int = 3600
    requests: list[httpx.Request] = dataclasses.field(default_factory=list)
    tokens: set[str] = dataclasses.field(default_factory=set)
    fail_next: list[Callable[[httpx.Request], httpx.Response | None]] = dataclasses.field(
        default_factory=list
    )

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Answer `request` as Kadence would."""
        self.requests.append(request)
        for hook in list(self.fail_next):
            try:
                answer = hook(request)
            except httpx.TransportError:  # no answer, once
                self.fail_next.remove(hook)
                raise
            if answer is not None:
                self.fail_next.remove(hook)
                return answer
        if str(request.url) == self.login and request.method == "POST":
            return self._token(request)
        if not str(request.url).startswith(f"{self.api}/v1/public/"):
            return httpx.Response(404, text="<html>Not Found</html>")
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _error(401, "Invalid JWT Token")
        path = request.url.path.removeprefix("/v1/public/").split("/")
        params = request.url.params
        ld = "application/ld+json" in request.headers.get("Accept", "")
        match request.method, path:
            case "GET", ["users"]:
                exact = params.get("emailExact", "").casefold()
                part = params.get("email", "").casefold()
                found = [self._user(e) for e in self.users if e == exact or (part and part in e)]
                return _collection(found, ld)
            case "GET", ["buildings"]:
                return _collection(
                    [
                        {"id": BUILDING, "name": "London Office", "timeZone": "Europe/London"},
                        {"id": OTHER_BUILDING, "name": "Leeds", "timeZone": "Europe/London"},
                    ],
                    ld,
                )
            case "GET", ["users", user, "bookings"]:
                return _collection([self._record(b) for b in self._find(user, params)], ld)
            case "GET", ["bookings", ident]:
                booking = self._booking(ident)
                if booking is None:
                    return _error(404, "Not Found")
                return httpx.Response(200, json=self._record(booking))
            case "POST", ["bookings", ident, ("check-in" | "check-out") as what]:
                return self._act(ident, what, json.loads(request.content or b"{}"))
        return _error(404, "No route found")

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != "client_credentials" or form.get("scope") != "public":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_description": "Client authentication failed",
                },
            )
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return httpx.Response(
            200,
            json={"access_token": token, "token_type": "Bearer", "expires_in": self.token_seconds},
        )

    def _find(self, user: str, params: httpx.QueryParams) -> list[FakeBooking]:
        before = _parse(params.get("startDateTime[before]"))
        after = _parse(params.get("endDateTime[after]"))
        return [
            b
            for b in self.bookings
            if b.user == user
            and b.status == params.get("status", b.status)
            and b.building == params.get("building.id", b.building)
            and (before is None or b.start < before)
            and (after is None or b.end > after)
        ]

    def _act(self, ident: str, what: str, body: dict[str, Any]) -> httpx.Response:
        booking = self._booking(ident)
        if booking is None:
            return _error(404, "Not Found")
        if body.get("userId") != booking.user:
            return _violation("userId", "This user does not own the booking.")
        if what == "check-in":
            if booking.user in self.self_certification:
                return _error(400, "The user must complete their self-certification first.")
            if booking.status != "booked":
                return _error(400, f"Booking cannot be checked in from status {booking.status}.")
            booking.status = "checkedIn"
        else:
            if booking.status != "checkedIn":
                return _error(400, "Booking is not checked in.")
            booking.status = "checkedOut"
        return httpx.Response(201, json=self._record(booking))

    def _booking(self, ident: str) -> FakeBooking | None:
        return next((b for b in self.bookings if b.id == ident), None)

    def _user(self, email: str) -> dict[str, Any]:
        ident, first, last = self.users[email]
        return {"@type": "User", "id": ident, "email": email, "firstName": first, "lastName": last}

    @staticmethod
    def _record(b: FakeBooking) -> dict[str, Any]:
        return {
            "@id": f"/v1/public/bookings/{b.id}",
            "@type": "Booking",
            "id": b.id,
            "type": b.type,
            "status": b.status,
            "building": f"/v1/public/buildings/{b.building}",
            "startDate": b.start.strftime("%Y-%m-%dT%H:%M:%S"),
            "endDate": b.end.strftime("%Y-%m-%dT%H:%M:%S"),
        }


def _parse(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC) if text else None


def _collection(members: list[dict[str, Any]], ld: bool) -> httpx.Response:
    if not ld:
        return httpx.Response(200, json=members)
    return httpx.Response(
        200,
        json={"@context": "/v1/contexts/Collection", "@type": "hydra:Collection",
              "hydra:member": members, "hydra:totalItems": len(members)},
    )  # fmt: skip


def _error(status: int, description: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={"@context": "/v1/contexts/Error", "@type": "hydra:Error",
              "hydra:title": "An error occurred", "hydra:description": description},
    )  # fmt: skip


def _violation(path: str, message: str) -> httpx.Response:
    return httpx.Response(
        422,
        json={"@type": "ConstraintViolationList", "hydra:title": "An error occurred",
              "hydra:description": f"{path}: {message}",
              "violations": [{"propertyPath": path, "message": message}]},
    )  # fmt: skip


def later(hours: float) -> datetime:
    """A time `hours` from now, for bookings made in tests."""
    return datetime.now(UTC) + timedelta(hours=hours)
