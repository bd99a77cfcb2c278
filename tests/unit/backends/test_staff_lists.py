"""Staff lists over the Nexudus protocol: who is in, failed check-ins, with the admin token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kiosk.backends.base import BackendProtocolError, FailedCheckin, Presence, StaffData
from kiosk.backends.local.client import LocalClient
from kiosk.backends.tokens import StaticToken

Handler = Callable[[httpx.Request], httpx.Response]
PLAN_INACTIVE = "The member's plan is not active"


def page(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records, "CurrentPage": 1, "TotalItems": len(records), "HasNextPage": False}


TOKEN = "t0ken"
MISSING = "needs the server's admin token"


def call(handler: Handler, what: str, token: str = TOKEN) -> Any:
    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = LocalClient(
                http, "https://space.example", embedded=False, auth=StaticToken(token, MISSING)
            )
            assert isinstance(client, StaffData)
            if what == "present":
                return await client.present("2")
            return await client.failed("2", 15)

    return asyncio.run(go())


def replay(records: list[Any]) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering one page of `records`, and the requests it saw."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=page(records))

    return handler, seen


def test_who_is_in_asks_for_open_check_ins_at_the_location_with_the_token() -> None:
    handler, seen = replay(
        [  # newest first: a server that reads dir=1 as descending
            {"CoworkerFullName": None, "FromTime": "2026-03-02T09:30:00Z"},
            {
                "CoworkerFullName": "Ada Lovelace",
                "FromTime": "2026-03-02T08:00:00Z",
                "ToTime": None,
            },
            {"CoworkerFullName": "No Time", "FromTime": "yesterday"},
            {
                "CoworkerFullName": "Gone Home",
                "FromTime": "2026-03-02T07:00:00Z",
                "ToTime": "2026-03-02T08:00:00Z",
            },
            "not a record",
        ]
    )
    people = call(handler, "present")
    request = seen[0]
    assert request.url.path == "/api/spaces/checkins"
    params = dict(request.url.params)
    since = datetime.strptime(params.pop("from_Checkin_FromTime"), "%Y-%m-%dT%H:%M")
    assert abs(since.replace(tzinfo=UTC) - (datetime.now(UTC) - timedelta(days=1))) < timedelta(
        minutes=2
    )
    assert params == {
        "Open": "true",
        "orderBy": "FromTime",
        "size": "100",
        "dir": "1",
        "page": "1",
        "Checkin_Business": "2",
    }
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert people == [
        Presence("Ada Lovelace", datetime(2026, 3, 2, 8, tzinfo=UTC)),
        Presence("unknown member", datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
    ]


def test_failed_check_ins_of_the_last_day_newest_first_whatever_order_they_come_in() -> None:
    handler, seen = replay(
        [  # oldest first: a server that reads dir=-1 the other way round
            {"CheckinAttemptTime": "2026-03-02T08:59:00Z", "CoworkerFullName": None,
             "Description": None, "ReasonCode": "unknown_credential"},
            {"CheckinAttemptTime": "2026-03-02T09:00:00Z", "CoworkerFullName": "Dev Patel",
             "Description": PLAN_INACTIVE, "ReasonCode": "plan_inactive"},
        ]
    )  # fmt: skip
    failures = call(handler, "failed")
    assert seen[0].url.path == "/api/spaces/failedcheckins"
    params = dict(seen[0].url.params)
    since = datetime.strptime(params.pop("from_FailedCheckin_CheckinAttemptTime"), "%Y-%m-%dT%H:%M")
    assert abs(since.replace(tzinfo=UTC) - (datetime.now(UTC) - timedelta(days=1))) < timedelta(
        minutes=2
    )
    assert params == {
        "size": "100",
        "dir": "-1",
        "orderBy": "CheckinAttemptTime",
        "FailedCheckin_Business": "2",
        "page": "1",
    }
    assert failures == [
        FailedCheckin(datetime(2026, 3, 2, 9, tzinfo=UTC), "Dev Patel", PLAN_INACTIVE),
        FailedCheckin(datetime(2026, 3, 2, 8, 59, tzinfo=UTC), None, "unknown_credential"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(401, json={"Message": "Authorization has been denied"}), "HTTP 401"),
        (httpx.Response(200, text="<html>proxy</html>"), "not JSON"),
        (httpx.Response(200, json={"Records": "nope"}), "unexpected list"),
        (httpx.Response(500, json={"Message": "An error has occurred."}), "HTTP 500"),
    ],
)
def test_bad_answers_are_backend_errors(response: httpx.Response, message: str) -> None:
    with pytest.raises(BackendProtocolError, match=message):
        call(lambda request: response, "present")


def test_without_a_token_nothing_is_asked() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request without a token")

    with pytest.raises(BackendProtocolError, match="needs the server's admin token"):
        call(handler, "failed", token="")


def test_who_is_in_reads_every_page_of_nexudus_envelope() -> None:
    pages = [
        {"Records": [{"CoworkerFullName": "Ada", "FromTime": "2026-03-02T08:00:00Z"}],
         "CurrentPage": 1, "TotalItems": 2, "TotalPages": 2, "HasNextPage": True},
        {"Records": [{"CoworkerFullName": "Ben", "FromTime": "2026-03-02T08:30:00Z"}],
         "CurrentPage": 2, "TotalItems": 2, "TotalPages": 2, "HasNextPage": False},
    ]  # fmt: skip
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=pages[int(request.url.params["page"]) - 1])

    people = call(handler, "present")
    assert [p.member for p in people] == ["Ada", "Ben"]
    assert [r.url.params["page"] for r in seen] == ["1", "2"]


def test_a_refused_token_is_asked_for_once_more_then_the_error_stands() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"Message": "Authorization has been denied"})

    with pytest.raises(BackendProtocolError, match="HTTP 401"):
        call(handler, "failed")
    assert len(seen) == 2
