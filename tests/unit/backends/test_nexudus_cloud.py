"""Nexudus itself: the admin sign-in (token, refresh, two-factor, refusals), the locations,
member names for the welcome and the staff lists, against a replayed Nexudus."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx
import pytest

from kiosk.backends.base import CannotTellError, Place
from kiosk.backends.nexudus.client import NAME_SECONDS, NexudusClient
from kiosk.backends.nexudus.login import TOKEN_URL, NexudusLogin
from kiosk.backends.tokens import RETRY_SECONDS, CodeNeededError, SignInError
from kiosk.domain import Action, CheckinRequest, Credential, CredentialKind, Reason, Status
from tests.helpers.clock import FakeClock, Ticker
from tests.helpers.nexudus_cloud import (
    ADMIN,
    API,
    CHECKIN_URL,
    PASSWORD,
    SUBDOMAIN,
    TOTP,
    FakeNexudus,
)

T = TypeVar("T")
CARD = Credential(CredentialKind.CARD, "04A1B2C3D4")


def run(
    cloud: FakeNexudus,
    use: Callable[[NexudusClient, NexudusLogin], Awaitable[T]],
    clock: Ticker | None = None,
    password: str = PASSWORD,
) -> T:
    async def go() -> T:
        transport = httpx.MockTransport(cloud.handler)
        async with httpx.AsyncClient(transport=transport) as http:
            ticker = clock or Ticker(1000.0)
            login = NexudusLogin(http, ADMIN, lambda: password, clock=ticker)
            client = NexudusClient(
                http,
                f"https://{SUBDOMAIN}.spaces.nexudus.com",
                api_url=API,
                auth=login,
                clock=ticker,
            )
            return await use(client, login)

    return asyncio.run(go())


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def sent(cloud: FakeNexudus, path: str) -> list[httpx.Request]:
    return [r for r in cloud.requests if r.url.path == path]


def test_the_locations_come_with_the_admins_bearer_token_from_a_form_encoded_sign_in() -> None:
    cloud = FakeNexudus()
    places = run(cloud, lambda client, login: client.places())
    assert places == [Place("1204", "Harbour Works", "Europe/London")]
    token_request, businesses = cloud.requests
    assert (token_request.method, str(token_request.url)) == ("POST", TOKEN_URL)
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(token_request) == {
        "grant_type": "password",
        "username": ADMIN,
        "password": PASSWORD,
    }
    assert businesses.method == "GET"
    assert str(businesses.url.copy_with(query=None)) == f"{API}/api/sys/businesses"
    access = next(iter(cloud.tokens))
    assert businesses.headers["Authorization"] == f"Bearer {access}"


def test_the_token_is_kept_refreshed_before_it_expires_and_renewed_after_a_401() -> None:
    cloud = FakeNexudus(token_seconds=3600)
    clock = Ticker(1000.0)

    async def use(client: NexudusClient, login: NexudusLogin) -> list[str]:
        await client.places()
        await client.places()  # the same token
        first = next(iter(cloud.tokens))
        clock.now += 3600 - 200  # within the last minutes: renewed before it runs out
        await client.places()
        cloud.revoke_tokens()  # Nexudus drops it early: a 401, then a refresh and a retry
        await client.places()
        return [first]

    (first,) = run(cloud, use, clock)
    grants = [form(r) for r in sent(cloud, "/api/token")]
    assert [g["grant_type"] for g in grants] == ["password", "refresh_token", "refresh_token"]
    assert grants[1]["refresh_token"] == cloud.tokens[first]
    refreshes = [r for r in sent(cloud, "/api/token") if form(r)["grant_type"] != "password"]
    assert all(r.headers["client_id"] == ADMIN for r in refreshes)
    statuses = [r.headers["Authorization"] for r in sent(cloud, "/api/sys/businesses")]
    assert len(statuses) == 5  # one call was refused and repeated
    assert len(set(statuses)) == 3


def test_a_refused_refresh_signs_in_again_with_the_password() -> None:
    cloud = FakeNexudus(token_seconds=600)
    clock = Ticker(1000.0)

    async def use(client: NexudusClient, login: NexudusLogin) -> None:
        await client.places()
        cloud.tokens = dict.fromkeys(cloud.tokens, "stale")  # refresh tokens no longer known
        clock.now += 600
        await client.places()

    run(cloud, use, clock)
    grants = [form(r)["grant_type"] for r in sent(cloud, "/api/token")]
    assert grants == ["password", "refresh_token", "password"]


@pytest.mark.parametrize(
    ("setup", "password", "message"),
    [
        ({}, "wrong", "Nexudus refused the admin email or password"),
        ({"must_reset": True}, PASSWORD, "wants this admin's password changed"),
        ({}, "", "no Nexudus admin email and password"),
    ],
)
def test_a_refused_sign_in_says_why_and_is_not_retried_at_once(
    setup: dict[str, Any], password: str, message: str
) -> None:
    cloud = FakeNexudus(**setup)
    clock = Ticker(1000.0)

    async def use(client: NexudusClient, login: NexudusLogin) -> list[str]:
        errors = []
        for _ in range(3):
            try:
                await client.places()
            except SignInError as exc:
                errors.append(str(exc))
            clock.now += 1
        clock.now += RETRY_SECONDS
        with pytest.raises(SignInError):
            await client.places()
        return errors

    errors = run(cloud, use, clock, password)
    assert len(errors) == 3
    assert all(message in e for e in errors)
    assert len(sent(cloud, "/api/token")) == (0 if not password else 2)
    assert sent(cloud, "/api/sys/businesses") == []


def test_two_factor_asks_staff_for_the_code_and_uses_it_once() -> None:
    cloud = FakeNexudus(two_factor=True)

    async def use(client: NexudusClient, login: NexudusLogin) -> list[Place]:
        with pytest.raises(CodeNeededError, match="two-factor code"):
            await client.places()
        login.use_code("000000")
        with pytest.raises(CodeNeededError, match="did not take that code"):
            await client.places()
        for bad in ("4829", "48291O", "482910482", "４８２９１０"):  # short, a letter, long, wide
            with pytest.raises(SignInError, match="6 digits"):
                login.use_code(bad)
        login.use_code(f" {TOTP[:3]} {TOTP[3:]} ")
        return await client.places()

    assert run(cloud, use) == [Place("1204", "Harbour Works", "Europe/London")]
    grants = [form(r) for r in sent(cloud, "/api/token")]
    assert [g.get("totp") for g in grants] == [None, "000000", TOTP]


def test_the_welcome_has_the_members_name_looked_up_by_card_and_kept_briefly() -> None:
    cloud = FakeNexudus(names_in_answer=False)
    clock = Ticker(1000.0)

    async def use(client: NexudusClient, login: NexudusLogin) -> list[Any]:
        first = await client.check(CheckinRequest(CARD, Action.TOGGLE, "1204"))
        second = await client.check(CheckinRequest(CARD, Action.TOGGLE, "1204"))
        clock.now += NAME_SECONDS + 1
        third = await client.check(CheckinRequest(CARD, Action.TOGGLE, "1204"))
        return [first, second, third]

    first, second, third = run(cloud, use, clock)
    assert (first.status, first.member) == (Status.CHECKED_IN, "Ada Lovelace")
    assert first.session_expire is not None
    assert (second.status, second.member) == (Status.CHECKED_OUT, "Ada Lovelace")
    assert (third.status, third.member) == (Status.CHECKED_IN, "Ada Lovelace")
    lookups = sent(cloud, "/api/spaces/coworkers")
    assert len(lookups) == 2  # the second check used the kept name
    assert str(lookups[0].url.copy_with(query=None)) == f"{API}/api/spaces/coworkers"
    assert dict(lookups[0].url.params) == {
        "Coworker_AccessCardId": "04A1B2C3D4",
        "page": "1",
        "size": "1",
    }
    assert lookups[0].headers["Authorization"].startswith("Bearer ")
    checkins = [r for r in cloud.requests if str(r.url) == CHECKIN_URL]
    assert [r.method for r in checkins] == ["POST"] * 3
    assert checkins[0].headers["Content-Type"] == "application/json"
    assert "Authorization" not in checkins[0].headers  # the public check-in needs no token


def test_a_pin_or_a_refusal_gets_no_name_and_a_failed_lookup_costs_nothing() -> None:
    cloud = FakeNexudus(names_in_answer=False)

    async def use(client: NexudusClient, login: NexudusLogin) -> list[Any]:
        pin = await client.check(CheckinRequest(Credential(CredentialKind.PIN, "12345")))
        ben = Credential(CredentialKind.CARD, "04FFEE0011")
        refused = await client.check(CheckinRequest(ben))
        return [pin, refused]

    pin, refused = run(cloud, use)
    assert (pin.status, pin.member) == (Status.CHECKED_IN, None)
    assert (refused.reason, refused.member) == (Reason.NO_VALID_PASS, None)
    assert refused.raw_message == "You do not have a valid pass to check in."

    locked = FakeNexudus(names_in_answer=False)
    outcome = run(locked, lambda c, lg: c.check(CheckinRequest(CARD)), password="wrong")
    assert (outcome.status, outcome.member) == (Status.CHECKED_IN, None)


def test_email_and_password_check_in_and_the_name_comes_by_email() -> None:
    cloud = FakeNexudus(names_in_answer=False)
    email = Credential(CredentialKind.EMAIL_PASSWORD, "Ada@Example.com", password="ada-pw")
    wrong = Credential(CredentialKind.EMAIL_PASSWORD, "ada@example.com", password="nope")

    async def use(client: NexudusClient, login: NexudusLogin) -> list[Any]:
        return [
            await client.check(CheckinRequest(wrong, Action.IN)),
            await client.check(CheckinRequest(email, Action.IN)),
        ]

    refused, welcome = run(cloud, use)
    assert refused.reason is Reason.UNKNOWN_CREDENTIAL
    assert (welcome.status, welcome.member) == (Status.CHECKED_IN, "Ada Lovelace")
    lookups = sent(cloud, "/api/spaces/coworkers")
    assert {r.url.params["Coworker_Email"] for r in lookups} == {"ada@example.com"}


def test_a_rate_limit_is_an_outcome_with_its_wait() -> None:
    cloud = FakeNexudus(rate_limit=45)
    outcome = run(cloud, lambda c, lg: c.check(CheckinRequest(CARD)))
    assert (outcome.reason, outcome.retry_after) == (Reason.RATE_LIMITED, 45.0)
    assert "You must wait before accessing this url again." in outcome.raw_message


def test_staff_lists_with_nexudus_sign_in() -> None:
    cloud = FakeNexudus()

    async def use(client: NexudusClient, login: NexudusLogin) -> list[Any]:
        await client.check(CheckinRequest(CARD, Action.IN))
        await client.check(CheckinRequest(Credential(CredentialKind.CARD, "04FFEE0011")))
        return [await client.present("1204"), await client.failed("1204", 10)]

    present, failed = run(cloud, use)
    assert [p.member for p in present] == ["Ada Lovelace"]
    assert [(f.member, f.reason) for f in failed] == [
        ("Ben Okafor", "You do not have a valid pass to check in.")
    ]
    checkins = sent(cloud, "/api/spaces/checkins")[0]
    assert checkins.url.params["Checkin_Business"] == "1204"
    assert str(checkins.url).startswith(f"{API}/api/spaces/checkins?")


def test_no_secret_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    cloud = FakeNexudus(two_factor=True, token_seconds=60)
    clock = Ticker(1000.0)
    pin = Credential(CredentialKind.PIN, "12345")
    email = Credential(CredentialKind.EMAIL_PASSWORD, "ada@example.com", password="ada-pw")

    async def use(client: NexudusClient, login: NexudusLogin) -> None:
        with pytest.raises(CodeNeededError):
            await client.places()
        login.use_code(TOTP)
        await client.places()
        clock.now += 60
        await client.places()
        for credential in (pin, email, CARD):
            await client.check(CheckinRequest(credential))
        cloud.fail_with = httpx.Response(
            200,
            json={"Status": 500, "Message": "Validation failed", "WasSuccessful": False,
                  "Errors": [{"AttemptedValue": "12345", "Message": "bad", "PropertyName": "Pin"}]},
        )  # fmt: skip
        await client.check(CheckinRequest(pin))

    with caplog.at_level(logging.DEBUG):
        run(cloud, use, clock)
    secrets = [PASSWORD, TOTP, "12345", "ada-pw", *cloud.tokens, *cloud.tokens.values()]
    for secret in secrets:
        assert secret not in caplog.text, secret
    assert "signed in to Nexudus as admin@harbour.example" in caplog.text


def bodies(cloud: FakeNexudus) -> list[dict[str, Any]]:
    """The check-in bodies the kiosk sent."""
    return [json.loads(r.content) for r in cloud.requests if str(r.url) == CHECKIN_URL]


def test_the_pin_goes_as_pincode_with_no_business_id_and_the_name_comes_in_the_answer() -> None:
    cloud = FakeNexudus()
    pin = Credential(CredentialKind.PIN, "12345")
    welcome = run(cloud, lambda c, lg: c.check(CheckinRequest(pin, Action.TOGGLE, "1204")))
    assert (welcome.status, welcome.member) == (Status.CHECKED_IN, "Ada Lovelace")
    assert bodies(cloud) == [{"Pincode": "12345", "Toggle": True}]


@pytest.mark.parametrize(
    "credential",
    [
        CARD,
        Credential(CredentialKind.PIN, "12345"),
        Credential(CredentialKind.EMAIL_PASSWORD, "ada@example.com", password="ada-pw"),
        Credential(CredentialKind.PHONE, "7E3A91C4D2B85F06"),
    ],
    ids=["card", "pin", "email", "token"],
)
def test_a_check_out_toggles_and_toggles_back_when_the_member_was_not_in(
    credential: Credential,
) -> None:
    cloud = FakeNexudus()
    cloud.coworkers[0].token = "7E3A91C4D2B85F06"

    async def use(client: NexudusClient, login: NexudusLogin) -> list[Any]:
        return [
            await client.check(CheckinRequest(credential, Action.OUT)),
            await client.check(CheckinRequest(credential, Action.IN)),
            await client.check(CheckinRequest(credential, Action.OUT)),
        ]

    not_in, welcome, goodbye = run(cloud, use)
    assert (not_in.status, not_in.reason) == (Status.REJECTED, Reason.NOT_CHECKED_IN)
    assert not_in.member == "Ada Lovelace"
    assert welcome.status is Status.CHECKED_IN
    assert goodbye.status is Status.CHECKED_OUT
    assert cloud.open == {}
    sent_bodies = bodies(cloud)
    assert all("Disconnect" not in b and "BusinessId" not in b for b in sent_bodies)
    assert [b.get("Toggle", False) for b in sent_bodies] == [True, True, False, True]


@pytest.mark.parametrize("status", [200, 403, 404])
def test_a_refusal_is_read_whatever_its_status(status: int) -> None:
    cloud = FakeNexudus(refusal_status=status)
    ben = Credential(CredentialKind.CARD, "04FFEE0011")
    nobody = Credential(CredentialKind.CARD, "0BADCAFE")

    async def use(client: NexudusClient, login: NexudusLogin) -> list[Any]:
        return [await client.check(CheckinRequest(ben)), await client.check(CheckinRequest(nobody))]

    refused, unknown = run(cloud, use)
    assert (refused.status, refused.reason) == (Status.REJECTED, Reason.NO_VALID_PASS)
    assert (unknown.status, unknown.reason) == (Status.REJECTED, Reason.UNKNOWN_CREDENTIAL)


def test_a_card_enrolled_as_the_key_fob_is_named_too() -> None:
    cloud = FakeNexudus(names_in_answer=False)
    cloud.coworkers[0].fob = "0BADF00D"
    fob = Credential(CredentialKind.CARD, "0BADF00D")
    welcome = run(cloud, lambda c, lg: c.check(CheckinRequest(fob, Action.IN)))
    assert (welcome.status, welcome.member) == (Status.CHECKED_IN, "Ada Lovelace")
    asked = [dict(r.url.params) for r in sent(cloud, "/api/spaces/coworkers")]
    assert [next(k for k in q if k.startswith("Coworker_")) for q in asked] == [
        "Coworker_AccessCardId",
        "Coworker_KeyFobNumber",
    ]


def lost(cloud: FakeNexudus, action: Action = Action.TOGGLE) -> CheckinRequest:
    """A check-in Nexudus took whose answer the kiosk never got: the attempt to settle."""
    request = CheckinRequest(CARD, action, "1204", attempted_at=cloud.now())
    run(cloud, lambda client, login: client.check(request))
    return dataclasses.replace(request, replayed=True)


def test_a_lost_toggle_is_read_back_and_not_sent_twice() -> None:
    clock = FakeClock()
    cloud = FakeNexudus(now=clock)
    came = lost(cloud)  # it checked Ada in
    clock.advance(minutes=30)
    settled = run(cloud, lambda client, login: client.settle(came))
    assert (settled.status, settled.member) == (Status.CHECKED_IN, "Ada Lovelace")
    assert 11 in cloud.open  # still in: not toggled back out
    left = lost(cloud)  # now she leaves; that answer is lost too
    settled = run(cloud, lambda client, login: client.settle(left))
    assert settled.status is Status.CHECKED_OUT
    assert not cloud.open
    assert len([r for r in cloud.requests if str(r.url) == CHECKIN_URL]) == 2
    reads = sent(cloud, "/api/spaces/checkins")
    assert reads[-1].url.params["Checkin_Coworker"] == "11"


def test_an_attempt_that_never_arrived_is_sent_when_read_back_finds_nothing() -> None:
    clock = FakeClock()
    cloud = FakeNexudus(now=clock)
    request = CheckinRequest(CARD, Action.IN, "1204", attempted_at=clock(), replayed=True)
    clock.advance(minutes=5)
    settled = run(cloud, lambda client, login: client.settle(request))
    assert settled.status is Status.CHECKED_IN
    assert 11 in cloud.open  # sent now


@pytest.mark.parametrize(
    ("credential", "password", "words"),
    [
        (Credential(CredentialKind.PIN, "12345"), PASSWORD, "cannot look a member up by pin"),
        (CARD, "wrong-password", "cannot be read back"),  # no admin sign-in: staff decide
    ],
)
def test_where_the_state_cannot_be_read_staff_decide(
    credential: Credential, password: str, words: str
) -> None:
    cloud = FakeNexudus()
    request = CheckinRequest(credential, Action.TOGGLE, "1204", replayed=True)
    with pytest.raises(CannotTellError, match=words):
        run(cloud, lambda client, login: client.settle(request), password=password)
    assert not [r for r in cloud.requests if str(r.url) == CHECKIN_URL]  # nothing sent
