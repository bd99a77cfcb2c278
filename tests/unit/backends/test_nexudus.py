"""The Nexudus protocol (our own server's client), against MockTransport handlers replaying
documented payloads."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.backends.base import BackendProtocolError, BackendUnavailableError, Place
from kiosk.backends.local.client import LocalClient
from kiosk.backends.nexudus.answer import parse_session_time
from kiosk.backends.nexudus.client import NexudusClient
from kiosk.domain import (
    Action,
    CheckinRequest,
    Credential,
    CredentialKind,
    Delivery,
    Outcome,
    Reason,
    Status,
)

Handler = Callable[[httpx.Request], httpx.Response]
SUCCESS = {
    "Status": 200,
    "Message": "2015-09-11T21:59:59 UTC",
    "Value": {"SessionExpire": "2015-09-11T21:59:59 UTC", "SessionTimeOut": 46455.3521501},
    "Errors": None,
    "WasSuccessful": True,
}


def check(
    handler: Handler,
    kind: CredentialKind = CredentialKind.PIN,
    value: str = "12345",
    action: Action = Action.TOGGLE,
    location: str | None = None,
    pin_field: str = "Pincode",
) -> Outcome:
    async def go() -> Outcome:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = LocalClient(http, "https://space.example/", pin_field, embedded=False)
            request = CheckinRequest(Credential(kind, value), action, location)
            return await client.check(request)

    return asyncio.run(go())


def sent(request: httpx.Request) -> dict[str, object]:
    """The check-in body our server got, without its nonce (checked: a fresh one each time)."""
    body: dict[str, object] = json.loads(request.content)
    nonce = body.pop("Nonce")
    assert isinstance(nonce, str)
    assert len(nonce) == 32
    assert nonce not in NONCES
    NONCES.add(nonce)
    return body


NONCES: set[str] = set()


def answer(body: object, status: int = 200, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, json=body, headers=headers)


def test_success_gives_the_session_expiry() -> None:
    outcome = check(answer(SUCCESS))
    assert outcome.status is Status.CHECKED_IN
    assert outcome.session_expire == datetime(2015, 9, 11, 21, 59, 59, tzinfo=UTC)
    assert outcome.reason is None


def test_the_request_carries_the_credential_action_and_location() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url == "https://space.example/api/public/checkin"
        seen.append(sent(request))
        return httpx.Response(200, json=SUCCESS)

    check(handler, location="3")
    check(handler, CredentialKind.CARD, "04A1B2", Action.OUT)
    check(handler, CredentialKind.QR, "TOKEN", Action.IN)
    check(handler, CredentialKind.PHONE, "7E3A", pin_field="AccessPin")
    check(handler, pin_field="AccessPin")
    assert seen == [
        {"Pincode": "12345", "Toggle": True, "BusinessId": 3},  # our server takes BusinessId
        {"AccessCardId": "04A1B2", "Disconnect": True},
        {"Token": "TOKEN"},
        {"Token": "7E3A", "Toggle": True},
        {"AccessPin": "12345", "Toggle": True},
    ]


def test_our_server_extensions_give_name_and_direction() -> None:
    body = {**SUCCESS, "CoworkerFullName": "Ada Lovelace", "CheckedIn": True}
    assert check(answer(body)).member == "Ada Lovelace"
    out = {
        "Status": 200,
        "Message": "You have been checked out.",
        "Value": None,
        "WasSuccessful": True,
        "CoworkerFullName": "Ada Lovelace",
        "CheckedIn": False,
    }
    outcome = check(answer(out))
    assert (outcome.status, outcome.member) == (Status.CHECKED_OUT, "Ada Lovelace")


def test_the_name_is_read_from_value_full_name_as_nexudus_clients_read_it() -> None:
    value = {"SessionExpire": "2015-09-11T21:59:59 UTC", "FullName": "Ada Lovelace"}
    body = {**SUCCESS, "Value": value}
    assert check(answer(body)).member == "Ada Lovelace"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(200, Reason.REFUSED), (403, Reason.REFUSED), (404, Reason.UNKNOWN_CREDENTIAL)],
)
def test_a_refusal_envelope_is_a_refusal_whatever_its_status(status: int, reason: Reason) -> None:
    body = {"Status": status, "Message": "No.", "Value": {"FullName": "Ben Okafor"},
            "Errors": None, "WasSuccessful": False}  # fmt: skip
    outcome = check(answer(body, status))
    assert (outcome.status, outcome.reason, outcome.member) == (
        Status.REJECTED,
        reason,
        "Ben Okafor",
    )


def test_success_without_a_session_is_a_check_out() -> None:
    body = {"Status": 200, "Message": "OK", "Value": None, "WasSuccessful": True}
    assert check(answer(body)).status is Status.CHECKED_OUT


def test_session_timeout_alone_gives_an_expiry() -> None:
    body = {**SUCCESS, "Value": {"SessionTimeOut": 3600}}
    expire = check(answer(body)).session_expire
    assert expire is not None
    assert 3590 < (expire - datetime.now(UTC)).total_seconds() <= 3600


def test_reason_code_wins_over_the_message() -> None:
    body = {
        "Status": 200,
        "Message": "whatever",
        "WasSuccessful": False,
        "ReasonCode": "plan_inactive",
    }
    outcome = check(answer(body))
    assert (outcome.status, outcome.reason) == (Status.REJECTED, Reason.PLAN_INACTIVE)
    assert outcome.raw_message == "whatever"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("You do not have a valid pass to check in.", Reason.NO_VALID_PASS),
        ("Access card not recognised", Reason.UNKNOWN_CREDENTIAL),
        ("Invalid PIN", Reason.UNKNOWN_CREDENTIAL),
        ("Your account has been disabled", Reason.ACCOUNT_DISABLED),
        ("Your plan is not active", Reason.PLAN_INACTIVE),
        ("Access to this location is restricted", Reason.ACCESS_RESTRICTED),
        ("You have reached your plan limit for today", Reason.PLAN_LIMIT_REACHED),
        ("You are not checked in", Reason.NOT_CHECKED_IN),
        ("This pass has already been used", Reason.INVALID_PASS),
        ("The moon is in the wrong phase", Reason.REFUSED),
        ("", Reason.REFUSED),
    ],
)
def test_refusal_phrases_map_to_reasons(message: str, reason: Reason) -> None:
    body = {
        "Status": 200,
        "Message": message,
        "Value": None,
        "Errors": None,
        "WasSuccessful": False,
    }
    outcome = check(answer(body))
    assert (outcome.status, outcome.reason, outcome.raw_message) == (
        Status.REJECTED,
        reason,
        message,
    )


def test_validation_failure_is_a_backend_error_with_the_errors_for_staff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nexudus echoes the attempted value: it may be the PIN, so it is never kept or logged."""
    body = {
        "Status": 500,
        "Message": "Validation failed",
        "Value": None,
        "WasSuccessful": False,
        "Errors": [
            {"AttemptedValue": "98765", "Message": "Pin is invalid", "PropertyName": "Pin"},
            {"AttemptedValue": None, "Message": "BusinessId is required", "PropertyName": None},
            "junk",
        ],
    }
    with caplog.at_level(logging.DEBUG):
        outcome = check(answer(body), value="98765")
    assert outcome.reason is Reason.BACKEND_ERROR
    assert "Status 500: Validation failed Pin: Pin is invalid; ?: BusinessId is required" in (
        outcome.raw_message
    )
    assert "98765" not in outcome.raw_message
    assert "98765" not in caplog.text


@pytest.mark.parametrize(
    ("response", "reason", "raw"),
    [
        (
            httpx.Response(500, json={"Message": "An error has occurred."}),
            Reason.BACKEND_ERROR,
            "An error has occurred.",
        ),
        (
            httpx.Response(
                409,
                text="You must wait before accessing this url again.",
                headers={"Retry-After": "30"},
            ),
            Reason.RATE_LIMITED,
            "Retry-After 30.0",
        ),
        (
            httpx.Response(401, json={"Message": "Authorization has been denied"}),
            Reason.BACKEND_ERROR,
            "HTTP 401",
        ),
        (httpx.Response(403, text=""), Reason.BACKEND_ERROR, "(empty body)"),
        (
            httpx.Response(502, text="<html><body><h1>502 Bad Gateway</h1></body></html>"),
            Reason.BACKEND_UNAVAILABLE,
            "502 Bad Gateway",
        ),
        (
            httpx.Response(200, text="<!DOCTYPE html><html>Captive portal</html>"),
            Reason.BACKEND_ERROR,
            "Captive portal",
        ),
        (httpx.Response(200, json=[1, 2]), Reason.BACKEND_ERROR, "[1,2]"),
        (httpx.Response(404, text="Not Found"), Reason.BACKEND_ERROR, "HTTP 404"),
    ],
)
def test_http_failures(response: httpx.Response, reason: Reason, raw: str) -> None:
    outcome = check(lambda request: response)
    assert (outcome.status, outcome.reason) == (Status.REJECTED, reason)
    assert raw in outcome.raw_message


@pytest.mark.parametrize(
    ("exc", "delivery"),
    [
        (httpx.ConnectError("refused"), Delivery.NOT_SENT),
        (httpx.ConnectTimeout(""), Delivery.NOT_SENT),
        (httpx.ReadTimeout("slow"), Delivery.LOST),  # sent: it may have been written
        (httpx.RemoteProtocolError("reset"), Delivery.LOST),
        (httpx.WriteTimeout(""), Delivery.LOST),
    ],
)
def test_no_answer_is_backend_unavailable_and_says_whether_it_left(
    exc: Exception, delivery: Delivery
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    outcome = check(handler)
    assert (outcome.status, outcome.reason) == (Status.REJECTED, Reason.BACKEND_UNAVAILABLE)
    assert type(exc).__name__ in outcome.raw_message
    assert outcome.delivery is delivery


@pytest.mark.parametrize(
    ("response", "delivery"),
    [
        (httpx.Response(500, text="Internal Server Error"), Delivery.LOST),
        (httpx.Response(503, json={"detail": "disk full"}), Delivery.LOST),
        (httpx.Response(502, text="Bad Gateway"), Delivery.LOST),
        (httpx.Response(404, text="Not Found"), None),  # an answer: nothing to send again
        (httpx.Response(403, json={"WasSuccessful": False, "Message": "x"}), None),
    ],
)
def test_a_server_fault_is_kept_to_send_again_and_an_answer_is_not(
    response: httpx.Response, delivery: Delivery | None
) -> None:
    assert check(lambda request: response).delivery is delivery


def test_a_replay_carries_its_nonce_and_original_time_and_a_live_check_no_time() -> None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=SUCCESS)

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = LocalClient(http, "https://space.example/", embedded=False)
            at = datetime(2026, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=1)))
            live = CheckinRequest(Credential(CredentialKind.PIN, "12345"), attempted_at=at)
            await client.check(live)
            await client.settle(dataclasses.replace(live, replayed=True))

    asyncio.run(go())
    live_body, replay = bodies
    assert "CheckinTime" not in live_body
    assert replay["CheckinTime"] == "2026-03-02T07:30:00+00:00"
    assert replay["Nonce"] == live_body["Nonce"]


def test_email_and_password_go_as_email_and_password() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(sent(request))
        return httpx.Response(200, json=SUCCESS)

    async def go() -> Outcome:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = LocalClient(http, "https://space.example/", embedded=False)
            email = Credential(CredentialKind.EMAIL_PASSWORD, "ada@example.com", password="pw")
            return await client.check(CheckinRequest(email, Action.IN, "2"))

    assert asyncio.run(go()).status is Status.CHECKED_IN
    assert seen == [{"Email": "ada@example.com", "Password": "pw", "BusinessId": 2}]


def test_an_email_alone_is_unsupported_and_not_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    outcome = check(handler, CredentialKind.EMAIL, "ada@example.com")
    assert outcome.reason is Reason.UNSUPPORTED_CREDENTIAL


def test_a_location_that_is_not_a_number_is_not_sent_as_a_business() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(sent(request))
        return httpx.Response(200, json=SUCCESS)

    check(handler, location="01GTBV1CT3BM8A42SEJ2J5F4EG")
    assert seen == [{"Pincode": "12345", "Toggle": True}]


@settings(max_examples=150, deadline=None)
@given(
    body=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "Status",
                        "Message",
                        "Value",
                        "WasSuccessful",
                        "Errors",
                        "SessionExpire",
                        "SessionTimeOut",
                        "ReasonCode",
                        "CoworkerFullName",
                        "CheckedIn",
                    ]
                )
                | st.text(max_size=5),
                inner,
                max_size=6,
            )
        ),
        max_leaves=12,
    ),
    status=st.sampled_from([200, 400, 401, 409, 500, 503]),
)
def test_any_json_answer_is_an_outcome(body: object, status: int) -> None:
    outcome = check(answer(body, status))
    assert isinstance(outcome, Outcome)
    if outcome.status is Status.REJECTED:
        assert outcome.reason is not None


def test_places_reads_every_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        records = [{"Id": page, "Name": f"Space {page}", "TimeZone": "Europe/Paris"}]
        return httpx.Response(200, json={"Records": records, "HasNextPage": page < 2})

    async def go() -> list[Place]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            return await LocalClient(http, "https://x", embedded=False).places()

    assert asyncio.run(go()) == [
        Place("1", "Space 1", "Europe/Paris"),
        Place("2", "Space 2", "Europe/Paris"),
    ]


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (answer({"Records": [{"Name": "no id"}]}), BackendProtocolError),
        (answer({"Message": "denied"}, 401), BackendProtocolError),
        (lambda r: httpx.Response(200, text="<html>"), BackendProtocolError),
        (lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused")), BackendUnavailableError),
    ],
)
def test_places_failures_are_our_errors(handler: Handler, error: type[Exception]) -> None:
    async def go() -> list[Place]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            return await LocalClient(http, "https://x", embedded=False).places()

    with pytest.raises(error):
        asyncio.run(go())


def test_our_server_is_online_only_when_its_health_says_it_can_take_check_ins() -> None:
    async def go(handler: Handler) -> bool:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            return await LocalClient(http, "https://x", embedded=False).probe()

    assert asyncio.run(go(answer({"status": "ok"}, 200)))
    assert not asyncio.run(go(answer({"status": "error", "reason": "disk full"}, 503)))
    assert not asyncio.run(go(lambda r: (_ for _ in ()).throw(httpx.ConnectError("no"))))


def test_nexudus_is_online_for_any_http_answer() -> None:
    async def go(handler: Handler) -> bool:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            return await NexudusClient(http, "https://x.spaces.nexudus.com").probe()

    assert asyncio.run(go(answer({}, 404)))
    assert not asyncio.run(go(lambda r: (_ for _ in ()).throw(httpx.ConnectError("no"))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-09-11T21:59:59 UTC", datetime(2015, 9, 11, 21, 59, 59, tzinfo=UTC)),
        ("2015-09-11T21:59:59Z", datetime(2015, 9, 11, 21, 59, 59, tzinfo=UTC)),
        ("2015-09-11T23:59:59+02:00", datetime(2015, 9, 11, 21, 59, 59, tzinfo=UTC)),
        ("yesterday", None),
        (42, None),
    ],
)
def test_parse_session_time(text: object, expected: datetime | None) -> None:
    assert parse_session_time(text) == expected


def test_a_rate_limit_carries_its_retry_after_in_either_form() -> None:
    text = "You must wait before accessing this url again."
    seconds = check(lambda r: httpx.Response(409, text=text, headers={"Retry-After": "30"}))
    assert (seconds.reason, seconds.retry_after) == (Reason.RATE_LIMITED, 30.0)
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    date = check(lambda r: httpx.Response(429, text=text, headers={"Retry-After": soon}))
    assert date.retry_after is not None
    assert 80 < date.retry_after <= 90
    bare = check(lambda r: httpx.Response(409, text=text))
    assert (bare.reason, bare.retry_after) == (Reason.RATE_LIMITED, None)
    junk = check(lambda r: httpx.Response(409, text=text, headers={"Retry-After": "soon"}))
    assert junk.retry_after is None


def test_a_client_without_an_address_yet_is_unavailable_and_sends_nothing() -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(SUCCESS)(request)

    async def go() -> tuple[Outcome, BaseException | None, bool]:
        handler = httpx.MockTransport(server)
        async with httpx.AsyncClient(transport=handler) as http:
            client = LocalClient(
                http, "", "Pin", embedded=True
            )  # the embedded server is still starting
            outcome = await client.check(CheckinRequest(Credential(CredentialKind.PIN, "12345")))
            try:
                await client.places()
            except BackendUnavailableError as exc:
                error: BaseException | None = exc
            else:
                error = None
            return outcome, error, await client.probe()

    outcome, error, online = asyncio.run(go())
    assert outcome.reason is Reason.BACKEND_UNAVAILABLE
    assert "no address yet" in outcome.raw_message
    assert error is not None
    assert "no address yet" in str(error)
    assert not online
    assert sent == []
