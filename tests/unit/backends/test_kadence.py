"""Kadence booking check-in against a replayed Kadence: every request's method, URL, headers
and body, every documented answer as an `Outcome`, the token's life, and no secret logged."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import parse_qs

import httpx
import pytest

from kiosk.backends.base import CannotTellError, Place
from kiosk.backends.kadence.client import HOSTS, LOGIN_URL, KadenceClient, KadenceLogin
from kiosk.domain import Action, CheckinRequest, Credential, CredentialKind, Outcome, Reason, Status
from tests.helpers.clock import Ticker
from tests.helpers.kadence_cloud import (
    ADA,
    API,
    BUILDING,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_BUILDING,
    US_API,
    US_LOGIN,
    FakeBooking,
    FakeKadence,
    later,
)

T = TypeVar("T")


def run(
    cloud: FakeKadence,
    use: Callable[[KadenceClient], Awaitable[T]],
    clock: Ticker | None = None,
    secret: str = CLIENT_SECRET,
) -> T:
    async def go() -> T:
        async with httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler)) as http:
            ticker = clock or Ticker(1000.0)
            login = KadenceLogin(http, CLIENT_ID, lambda: secret, clock=ticker)
            return await use(KadenceClient(http, login, clock=ticker))

    return asyncio.run(go())


def email(address: str = "ada@example.com") -> Credential:
    return Credential(CredentialKind.EMAIL, address, source="keyboard")


def check(
    cloud: FakeKadence,
    address: str = "ada@example.com",
    action: Action = Action.TOGGLE,
    where: str | None = BUILDING,
    secret: str = CLIENT_SECRET,
) -> Outcome:
    request = CheckinRequest(email(address), action, where)
    return run(cloud, lambda client: client.check(request), secret=secret)


def posts(cloud: FakeKadence) -> list[httpx.Request]:
    return [r for r in cloud.requests if r.method == "POST" and str(r.url) != LOGIN_URL]


def test_a_member_with_a_desk_today_checks_in_until_the_bookings_end() -> None:
    cloud = FakeKadence()
    outcome = check(cloud)
    assert (outcome.status, outcome.member) == (Status.CHECKED_IN, "Ada Lovelace")
    assert outcome.session_expire == cloud.bookings[0].end.replace(microsecond=0)
    token, user, booked, inside, checkin = cloud.requests

    assert (token.method, str(token.url)) == ("POST", LOGIN_URL)
    assert token.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert {k: v[0] for k, v in parse_qs(token.content.decode()).items()} == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "public",
    }
    access = next(iter(cloud.tokens))
    for request in (user, booked, inside, checkin):
        assert request.headers["Authorization"] == f"Bearer {access}"
        assert request.headers["Accept"] == "application/ld+json"

    exact = f"{API}/v1/public/users?emailExact=ada%40example.com"
    assert (user.method, str(user.url)) == ("GET", exact)
    for request, status in ((booked, "booked"), (inside, "checkedIn")):
        assert request.method == "GET"
        assert request.url.path == f"/v1/public/users/{ADA}/bookings"
        params = dict(request.url.params)
        assert params.pop("status") == status
        assert params.pop("building.id") == BUILDING
        assert params.pop("order[startDateTime]") == "asc"
        assert params.pop("itemsPerPage") == "50"
        before = datetime.fromisoformat(params.pop("startDateTime[before]"))
        after = datetime.fromisoformat(params.pop("endDateTime[after]"))
        assert params == {}
        assert abs(after.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=1)
        assert (before.hour, before.minute, before.second) in {(0, 0, 0), (23, 0, 0)}  # London
        assert len(request.url.params["endDateTime[after]"]) == len("2026-03-02T09:48:00")

    assert (checkin.method, str(checkin.url)) == (
        "POST",
        f"{API}/v1/public/bookings/bk-ada-1/check-in",
    )
    assert checkin.headers["Content-Type"] == "application/json"
    assert json.loads(checkin.content) == {"userId": ADA}
    assert cloud.bookings[0].status == "checkedIn"


def test_toggle_checks_out_of_the_booking_checked_in_to() -> None:
    cloud = FakeKadence()
    cloud.bookings[0].status = "checkedIn"
    outcome = check(cloud)
    assert (outcome.status, outcome.member) == (Status.CHECKED_OUT, "Ada Lovelace")
    (checkout,) = posts(cloud)
    assert str(checkout.url) == f"{API}/v1/public/bookings/bk-ada-1/check-out"
    assert json.loads(checkout.content) == {"userId": ADA}
    assert cloud.bookings[0].status == "checkedOut"


def test_in_and_out_modes() -> None:
    cloud = FakeKadence()
    assert check(cloud, action=Action.OUT).reason is Reason.NOT_CHECKED_IN
    assert check(cloud, action=Action.IN).status is Status.CHECKED_IN
    again = check(cloud, action=Action.IN)  # already in: welcomed, nothing posted again
    end = cloud.bookings[0].end.replace(microsecond=0)
    assert (again.status, again.session_expire) == (Status.CHECKED_IN, end)
    assert len(posts(cloud)) == 1
    assert check(cloud, action=Action.OUT).status is Status.CHECKED_OUT


def test_a_lost_check_in_is_settled_by_the_booking_and_a_lost_toggle_waits_for_staff() -> None:
    cloud = FakeKadence()
    check(cloud, action=Action.IN)  # it reached Kadence; its answer was lost
    request = CheckinRequest(email(), Action.IN, BUILDING, replayed=True)
    settled = run(cloud, lambda client: client.settle(request))
    assert settled.status is Status.CHECKED_IN
    assert len(posts(cloud)) == 1  # read back, not checked in twice
    toggle = dataclasses.replace(request, action=Action.TOGGLE)
    with pytest.raises(CannotTellError, match="send it again or discard it"):
        run(cloud, lambda client: client.settle(toggle))
    assert len(posts(cloud)) == 1


@pytest.mark.parametrize(
    ("address", "setup", "reason"),
    [
        ("nobody@example.com", None, Reason.UNKNOWN_CREDENTIAL),
        ("ben@example.com", None, Reason.NO_BOOKING),
        ("cy@example.com", None, Reason.SELF_CERTIFICATION),
        ("ada@example.com", "elsewhere", Reason.NO_BOOKING),
        ("ada@example.com", "room", Reason.NO_BOOKING),
        ("ada@example.com", "tomorrow", Reason.NO_BOOKING),
    ],
)
def test_refusals(address: str, setup: str | None, reason: Reason) -> None:
    cloud = FakeKadence()
    if setup == "elsewhere":
        cloud.bookings[0].building = OTHER_BUILDING
    elif setup == "room":
        cloud.bookings[0].type = "room"
    elif setup == "tomorrow":
        cloud.bookings[0].start, cloud.bookings[0].end = later(30), later(38)
    outcome = check(cloud, address)
    assert (outcome.status, outcome.reason) == (Status.REJECTED, reason)
    if reason is Reason.SELF_CERTIFICATION:
        assert outcome.member == "Cy Young"
        assert "self-certification" in outcome.raw_message  # hydra:description, for staff


def test_an_address_in_another_case_is_the_same_member_and_is_looked_up_once() -> None:
    cloud = FakeKadence()

    async def use(client: KadenceClient) -> list[Outcome]:
        first = await client.check(CheckinRequest(email("Ada@Example.com"), location=BUILDING))
        second = await client.check(CheckinRequest(email("ada@example.com"), location=BUILDING))
        return [first, second]

    first, second = run(cloud, use)
    assert (first.status, second.status) == (Status.CHECKED_IN, Status.CHECKED_OUT)
    assert len([r for r in cloud.requests if r.url.path == "/v1/public/users"]) == 1


@pytest.mark.parametrize(
    ("answer", "reason", "raw"),
    [
        (
            httpx.Response(
                422,
                json={
                    "@type": "ConstraintViolationList",
                    "violations": [
                        {"propertyPath": "booking", "message": "Check-in window has not opened."}
                    ],
                },
            ),
            Reason.REFUSED,
            "booking: Check-in window has not opened.",
        ),
        (httpx.Response(404, json={"hydra:description": "Not Found"}), Reason.NO_BOOKING, "404"),
        (
            httpx.Response(400, json={"hydra:description": "Booking has already been checked in"}),
            None,
            "",
        ),
        (
            httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "12"}),
            Reason.RATE_LIMITED,
            "429",
        ),
        (httpx.Response(500, text="<html>oops</html>"), Reason.BACKEND_ERROR, "oops"),
        (httpx.Response(503, text="<html>down</html>"), Reason.BACKEND_UNAVAILABLE, "503"),
        (
            httpx.Response(403, json={"hydra:description": "Access Denied."}),
            Reason.BACKEND_ERROR,
            "Access Denied.",
        ),
    ],
)
def test_check_in_answers(answer: httpx.Response, reason: Reason | None, raw: str) -> None:
    cloud = FakeKadence()
    cloud.fail_next.append(lambda r: answer if r.url.path.endswith("/check-in") else None)
    outcome = check(cloud)
    assert outcome.reason is reason
    assert raw in outcome.raw_message
    if reason is Reason.RATE_LIMITED:
        assert outcome.retry_after == 12.0


def test_bad_lookups_are_backend_errors_and_no_answer_is_unavailable() -> None:
    html = FakeKadence()
    html.fail_next.append(lambda r: httpx.Response(200, text="<html>Captive portal</html>"))
    assert check(html).reason is Reason.BACKEND_ERROR
    odd = FakeKadence()
    odd.fail_next.append(
        lambda r: httpx.Response(200, json={"nope": 1}) if "users" in r.url.path else None
    )
    assert "not a Kadence collection" in check(odd).raw_message

    def down(request: httpx.Request) -> httpx.Response | None:
        raise httpx.ConnectTimeout("timed out")

    offline = FakeKadence()
    offline.fail_next.append(down)
    assert check(offline).reason is Reason.BACKEND_UNAVAILABLE


def test_a_check_in_without_an_answer_is_retried_only_after_reading_the_booking() -> None:
    landed = FakeKadence()  # Kadence took it, but the answer was lost

    def lost(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/check-in"):
            landed.bookings[0].status = "checkedIn"
            raise httpx.ReadTimeout("no answer")
        return None

    landed.fail_next.append(lost)
    outcome = check(landed)
    assert outcome.status is Status.CHECKED_IN
    assert [r.url.path for r in landed.requests[-2:]] == [
        "/v1/public/bookings/bk-ada-1/check-in",
        "/v1/public/bookings/bk-ada-1",
    ]
    assert len(posts(landed)) == 1  # not sent twice

    dropped = FakeKadence()  # the request never arrived: read, then sent again

    def never(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/check-in"):
            raise httpx.ConnectError("connection reset")
        return None

    dropped.fail_next.append(never)
    outcome = check(dropped)
    assert outcome.status is Status.CHECKED_IN
    assert [r.url.path for r in dropped.requests[-3:]] == [
        "/v1/public/bookings/bk-ada-1/check-in",
        "/v1/public/bookings/bk-ada-1",
        "/v1/public/bookings/bk-ada-1/check-in",
    ]


def test_a_check_out_without_an_answer_is_retried_only_after_reading_the_booking() -> None:
    cloud = FakeKadence()
    cloud.bookings[0].status = "checkedIn"

    def lost(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/check-out"):
            cloud.bookings[0].status = "checkedOut"  # Kadence took it; the answer was lost
            raise httpx.ReadTimeout("no answer")
        return None

    cloud.fail_next.append(lost)
    assert check(cloud).status is Status.CHECKED_OUT
    assert [r.url.path for r in cloud.requests[-2:]] == [
        "/v1/public/bookings/bk-ada-1/check-out",
        "/v1/public/bookings/bk-ada-1",
    ]
    assert len(posts(cloud)) == 1  # not sent twice


def test_the_token_is_cached_until_it_expires_and_a_401_renews_it_once() -> None:
    cloud = FakeKadence(token_seconds=3600)
    clock = Ticker(1000.0)

    async def use(client: KadenceClient) -> list[Outcome]:
        outcomes = [await client.check(CheckinRequest(email(), location=BUILDING))]
        outcomes.append(await client.check(CheckinRequest(email(), location=BUILDING)))
        clock.now += 3600
        outcomes.append(await client.check(CheckinRequest(email(), location=BUILDING)))
        cloud.tokens.clear()  # Kadence forgets every token: one 401, a new token, on we go
        outcomes.append(await client.check(CheckinRequest(email(), location=BUILDING)))
        return outcomes

    outcomes = run(cloud, use, clock)
    assert [(o.status, o.reason) for o in outcomes] == [
        (Status.CHECKED_IN, None),
        (Status.CHECKED_OUT, None),
        (Status.REJECTED, Reason.NO_BOOKING),  # the day's booking is done
        (Status.REJECTED, Reason.NO_BOOKING),  # after a 401 and a new token, the same answer
    ]
    assert len([r for r in cloud.requests if str(r.url) == LOGIN_URL]) == 3


def test_a_token_refused_twice_is_a_backend_error() -> None:
    cloud = FakeKadence()
    cloud.fail_next += [
        lambda r: (
            httpx.Response(401, json={"message": "Invalid JWT Token"})
            if r.url.path == "/v1/public/users"
            else None
        )
    ] * 2
    outcome = check(cloud)
    assert outcome.reason is Reason.BACKEND_ERROR
    assert "HTTP 401" in outcome.raw_message
    assert len([r for r in cloud.requests if str(r.url) == LOGIN_URL]) == 2


def test_a_wrong_secret_is_a_backend_error_that_says_so() -> None:
    outcome = check(FakeKadence(), secret="wrong")
    assert outcome.reason is Reason.BACKEND_ERROR
    assert "Kadence refused the API key" in outcome.raw_message
    no_secret = check(FakeKadence(), secret="")
    assert "no Kadence API client id and secret" in no_secret.raw_message


def test_other_credentials_are_unsupported_and_not_sent() -> None:
    cloud = FakeKadence()
    pin = Credential(CredentialKind.PIN, "12345")
    outcome = run(cloud, lambda client: client.check(CheckinRequest(pin)))
    assert outcome.reason is Reason.UNSUPPORTED_CREDENTIAL
    assert cloud.requests == []


def test_buildings_are_the_locations_and_give_today_its_time_zone() -> None:
    cloud = FakeKadence()
    places = run(cloud, lambda client: client.places())
    assert places == [
        Place(BUILDING, "London Office", "Europe/London"),
        Place(OTHER_BUILDING, "Leeds", "Europe/London"),
    ]
    request = cloud.requests[-1]
    assert (request.method, request.url.path) == ("GET", "/v1/public/buildings")
    assert dict(request.url.params) == {"page": "1", "itemsPerPage": "100"}


def test_no_secret_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    cloud = FakeKadence()
    cloud.bookings.append(FakeBooking("bk-ben", "01H0BEN0000000000000000000", BUILDING,
                                      later(-1), later(2)))  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        for address in ("ada@example.com", "ben@example.com", "cy@example.com", "x@y.z"):
            check(cloud, address)
        check(FakeKadence(), secret="wrong")
    for secret in (CLIENT_SECRET, "wrong", *cloud.tokens):
        assert secret not in caplog.text
    assert "signed in to Kadence as API client kiosk-client-7f3a" in caplog.text


def test_a_partial_address_names_nobody_though_kadence_matches_part_of_it() -> None:
    cloud = FakeKadence()  # "da@example.com" is part of Anna's "nada@example.com" and Ada's
    outcome = check(cloud, "da@example.com", Action.IN)
    assert (outcome.status, outcome.reason, outcome.member) == (
        Status.REJECTED,
        Reason.UNKNOWN_CREDENTIAL,
        None,
    )
    assert posts(cloud) == []
    assert all(b.status == "booked" for b in cloud.bookings)


def test_every_booking_of_the_day_but_rooms_is_checked_in_and_out_together() -> None:
    cloud = FakeKadence()
    cloud.bookings += [
        FakeBooking("bk-ada-park", ADA, BUILDING, later(-3), later(2), type="parking"),
        FakeBooking("bk-ada-room", ADA, BUILDING, later(1), later(2), type="room"),
        FakeBooking("bk-ada-leeds", ADA, OTHER_BUILDING, later(-1), later(9)),
    ]
    welcome = check(cloud, action=Action.IN)
    assert welcome.status is Status.CHECKED_IN
    assert welcome.session_expire == cloud.bookings[0].end.replace(microsecond=0)  # the latest
    status = {b.id: b.status for b in cloud.bookings if b.user == ADA}
    assert status == {"bk-ada-1": "checkedIn", "bk-ada-park": "checkedIn",
                      "bk-ada-room": "booked", "bk-ada-leeds": "booked"}  # fmt: skip
    goodbye = check(cloud, action=Action.OUT)
    assert goodbye.status is Status.CHECKED_OUT
    status = {b.id: b.status for b in cloud.bookings if b.user == ADA}
    assert status["bk-ada-1"] == status["bk-ada-park"] == "checkedOut"


def test_the_us_region_uses_kadences_us_hosts() -> None:
    cloud = FakeKadence(login=US_LOGIN, api=US_API)

    async def go() -> Outcome:
        async with httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler)) as http:
            login_url, api_url = HOSTS["us"]
            login = KadenceLogin(http, CLIENT_ID, lambda: CLIENT_SECRET, login_url)
            client = KadenceClient(http, login, api_url)
            return await client.check(CheckinRequest(email(), Action.IN, BUILDING))

    assert asyncio.run(go()).status is Status.CHECKED_IN
    assert {r.url.host for r in cloud.requests} == {"login.us.onkadence.co", "api.us.onkadence.co"}
