"""The documented examples (README.md) against everything that plays the services: our fakes of
Nexudus and Kadence, our own server, and our adapters reading what the documents show.

A fake that drifts from the documents fails here, as does a server answer that leaves out a
documented field, or an adapter that cannot read a documented answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.backends.kadence.client import API_URL, LOGIN_URL, KadenceClient, KadenceLogin
from kiosk.backends.nexudus.answer import read_answer
from kiosk.domain import Action, CheckinRequest, Credential, CredentialKind, Status
from kiosk.server.runner import ServerThread
from tests.helpers import kadence_cloud, nexudus_cloud
from tests.helpers.clock import FakeClock
from tests.helpers.server import admin_client, demo_server, device_client

HERE = Path(__file__).parent
CHECKINS = ["checkin-by-card", "checkin-by-credentials", "checkin-by-token"]


@cache
def fixture(name: str) -> dict[str, Any]:
    """A documented example, by its file name under this folder."""
    data: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text())
    return data


def same_shape(documented: Any, actual: Any, where: str = "body") -> None:
    """`actual` has every key the document shows, each of the same JSON type (numbers are
    numbers, whichever kind); extra keys are allowed (our extensions)."""
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        for key, value in documented.items():
            assert key in actual, f"{where}: {key} is missing"
            same_shape(value, actual[key], f"{where}.{key}")
    elif documented is None:
        return  # null in an example says nothing of the type
    elif isinstance(documented, bool):
        assert isinstance(actual, bool), f"{where}: {actual!r} is not true or false"
    elif isinstance(documented, int | float):
        assert isinstance(actual, int | float), f"{where}: {actual!r} is not a number"
        assert not isinstance(actual, bool), f"{where}: {actual!r} is not a number"
    elif isinstance(documented, str):
        assert isinstance(actual, str), f"{where}: {actual!r} is not text"
    elif isinstance(documented, list):
        assert isinstance(actual, list), f"{where}: {actual!r} is not a list"


def documented_request(name: str) -> dict[str, Any]:
    body: dict[str, Any] = fixture(name)["request"]["body"]
    return body


# Nexudus: the fake, our server and the adapter against the documented check-ins


@pytest.mark.parametrize("name", [f"nexudus/{n}" for n in CHECKINS])
def test_the_fake_nexudus_answers_a_documented_check_in_as_documented(name: str) -> None:
    cloud = nexudus_cloud.FakeNexudus()
    cloud.coworkers[0].token = "7E3A91C4D2B85F06"
    request = httpx.Request("POST", nexudus_cloud.CHECKIN_URL, json=documented_request(name))
    response = cloud.handler(request)
    documented = fixture(name)["response"]
    assert response.status_code == documented["status"]
    same_shape(documented["body"], response.json())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "checkin.db", FakeClock()) as running:
        yield running


@pytest.fixture
def client(server: ServerThread) -> Iterator[httpx.Client]:
    """A paired kiosk's client: our server checks members in for paired devices only."""
    with device_client(server) as paired:
        yield paired


@pytest.mark.parametrize("name", [f"nexudus/{n}" for n in CHECKINS])
def test_our_server_answers_a_documented_check_in_as_documented(
    name: str, client: httpx.Client
) -> None:
    body = {**documented_request(name)}
    body |= {"Password": "demo-ada"} if "Password" in body else {}
    body |= {"AccessCardId": "04A1B2C3D4E5F6"} if "AccessCardId" in body else {}
    response = client.post("/api/public/checkin", json=body)
    documented = fixture(name)["response"]
    assert response.status_code == documented["status"], response.text
    same_shape(documented["body"], response.json())


@pytest.mark.parametrize("name", [f"nexudus/{n}" for n in CHECKINS])
def test_the_adapter_reads_a_documented_check_in_answer(name: str) -> None:
    documented = fixture(name)["response"]
    answer = httpx.Response(documented["status"], json=documented["body"])
    outcome = read_answer(answer, Action.TOGGLE)
    assert outcome.status is Status.CHECKED_IN
    assert outcome.session_expire == datetime(2015, 9, 11, 21, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize("combination", fixture("nexudus/checkin-request-fields")["combinations"])
def test_every_documented_combination_is_read_by_the_fake_and_our_server(
    combination: list[str], client: httpx.Client, server: ServerThread
) -> None:
    """The documents' names (camelCase) and combinations, with values that name Ada."""
    values = {"email": "ada@example.com", "password": "ada-pw", "pincode": "12345",
              "mac": "AA:BB:CC:DD:EE:FF", "token": "7E3A91C4D2B85F06",
              "accessCardId": "04A1B2C3D4"}  # fmt: skip
    body = {field: values[field] for field in combination} | {"doNotCheckIn": True}
    cloud = nexudus_cloud.FakeNexudus()
    cloud.coworkers[0].token = values["token"]
    faked = cloud.handler(httpx.Request("POST", nexudus_cloud.CHECKIN_URL, json=body)).json()
    ours = client.post("/api/public/checkin", json=server_values(body)).json()
    if combination == ["mac"]:  # no device is enrolled anywhere: a MAC names nobody yet
        assert (faked["WasSuccessful"], ours["WasSuccessful"]) == (False, False)
        return
    assert faked["WasSuccessful"] is True, faked
    assert ours["WasSuccessful"] is True, ours
    assert cloud.open == {}  # doNotCheckIn wrote nothing
    with admin_client(server) as admin:
        assert admin.get("/api/spaces/checkins").json()["TotalItems"] == 0


def server_values(body: dict[str, Any]) -> dict[str, Any]:
    """The same body with the demo server's credentials for Ada."""
    demo = {"password": "demo-ada", "accessCardId": "04A1B2C3D4E5F6"}
    return {k: demo.get(k, v) for k, v in body.items()}


def test_disconnect_is_documented_with_a_mac_only_and_the_fake_reads_it_so() -> None:
    assert fixture("nexudus/checkin-request-fields")["disconnect_needs"] == "mac"
    cloud = nexudus_cloud.FakeNexudus()
    cloud.open[11] = datetime(2026, 3, 2, 9, tzinfo=UTC)
    card = {"AccessCardId": "04A1B2C3D4", "Disconnect": True}
    cloud.handler(httpx.Request("POST", nexudus_cloud.CHECKIN_URL, json=card))
    assert 11 in cloud.open  # without a MAC, Disconnect checked nobody out
    with_mac = card | {"Mac": "AA:BB:CC:DD:EE:FF"}
    cloud.handler(httpx.Request("POST", nexudus_cloud.CHECKIN_URL, json=with_mac))
    assert 11 not in cloud.open


def test_the_paging_envelope_of_our_server_and_the_fake_is_the_documented_one(
    server: ServerThread,
) -> None:
    documented = fixture("nexudus/paging-envelope")["body"]
    documented = {k: v for k, v in documented.items() if k != "Records"}
    with admin_client(server) as admin:
        for path in ("/api/spaces/checkins", "/api/spaces/coworkers", "/api/sys/businesses"):
            same_shape(documented, admin.get(path).json(), path)
    cloud = nexudus_cloud.FakeNexudus()
    for path in ("/api/sys/businesses", "/api/spaces/coworkers", "/api/spaces/checkins"):
        token = next(iter(cloud.tokens), None) or _nexudus_token(cloud)
        request = httpx.Request(
            "GET", f"{nexudus_cloud.API}{path}", headers={"Authorization": f"Bearer {token}"}
        )
        same_shape(documented, cloud.handler(request).json(), f"fake {path}")


def _nexudus_token(cloud: nexudus_cloud.FakeNexudus) -> str:
    form = {"grant_type": "password", "username": nexudus_cloud.ADMIN,
            "password": nexudus_cloud.PASSWORD}  # fmt: skip
    answer = cloud.handler(httpx.Request("POST", f"{nexudus_cloud.API}/api/token", data=form))
    token: str = answer.json()["access_token"]
    return token


def test_our_check_in_records_and_manual_check_ins_are_the_documented_ones(
    server: ServerThread,
) -> None:
    created = fixture("nexudus/create-checkin")
    record = fixture("nexudus/checkin-record")
    with admin_client(server) as admin:
        made = admin.post("/api/spaces/checkins", json=created["request"]["body"])
        assert made.status_code == created["response"]["status"]
        same_shape(created["response"]["body"], made.json())
        listed = admin.get(f"/api/spaces/checkins/{made.json()['Value']['Id']}").json()
    assert set(record["fields"]) <= set(listed)
    assert record["sources"][str(listed["Source"])] == "Manual"


# Kadence: the fake and the adapter against the documented examples


def test_the_fake_kadence_answers_the_documented_user_lookup_as_documented() -> None:
    documented = fixture("kadence/users-by-email")
    cloud = kadence_cloud.FakeKadence()
    cloud.users = {"john.smith@example.com": ("01GTBV1CT3BM8A42SEJ2J5F4EG", "John", "Smith")}
    token = _kadence_token(cloud)
    request = httpx.Request(
        "GET",
        f"{kadence_cloud.API}{documented['request']['path']}",
        params=documented["request"]["params"],
        headers={"Authorization": f"Bearer {token}", "Accept": "application/ld+json"},
    )
    response = cloud.handler(request)
    assert response.status_code == documented["response"]["status"]
    assert response.json()["hydra:totalItems"] == 1
    same_shape(documented["response"]["body"], response.json())


def _kadence_token(cloud: kadence_cloud.FakeKadence) -> str:
    documented = fixture("kadence/token")
    ours = {"client_id": kadence_cloud.CLIENT_ID, "client_secret": kadence_cloud.CLIENT_SECRET}
    form = documented["request"]["form"] | ours
    answer = cloud.handler(httpx.Request("POST", documented["request"]["url"], data=form))
    assert answer.status_code == documented["response"]["status"]
    assert set(documented["response"]["keys"]) <= set(answer.json())
    token: str = answer.json()["access_token"]
    return token


def test_the_fake_kadence_bookings_carry_the_documented_keys_and_statuses() -> None:
    documented = fixture("kadence/user-bookings")
    cloud = kadence_cloud.FakeKadence()
    token = _kadence_token(cloud)
    path = documented["request"]["path"].replace("{userId}", kadence_cloud.ADA)
    request = httpx.Request(
        "GET",
        f"{kadence_cloud.API}{path}",
        params=documented["request"]["params"],
        headers={"Authorization": f"Bearer {token}", "Accept": "application/ld+json"},
    )
    records = cloud.handler(request).json()["hydra:member"]
    assert records
    for record in records:
        assert set(documented["record_keys"]) <= set(record)
        assert record["status"] in documented["statuses"]


def test_the_kadence_adapter_checks_in_against_the_documented_answers() -> None:
    """The documented lookup answer and a booking with the documented keys, replayed: the
    adapter finds John and checks his booking in with the documented body."""
    users = fixture("kadence/users-by-email")["response"]["body"]
    booking = {"id": "bk-1", "type": "desk", "status": "booked",
               "building": "/v1/public/buildings/01GTBV1CT3BM8A42SEJ2J5F4EG",
               "startDate": "2026-03-02T08:00:00", "endDate": "2099-03-02T17:00:00"}  # fmt: skip
    posted: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LOGIN_URL:
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        path = request.url.path
        if path == "/v1/public/users":
            return httpx.Response(200, json=users)
        if path.endswith("/bookings"):
            wanted = request.url.params.get("status")
            found = [booking] if wanted == booking["status"] else []
            return httpx.Response(200, json={"hydra:member": found, "hydra:totalItems": 1})
        posted.append(json.loads(request.content))
        return httpx.Response(201, json=booking | {"status": "checkedIn"})

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = KadenceClient(http, KadenceLogin(http, "id", lambda: "secret"), API_URL)
            email = Credential(CredentialKind.EMAIL, "john.smith@example.com")
            return await client.check(CheckinRequest(email, Action.IN))

    outcome = asyncio.run(go())
    assert (outcome.status, outcome.member) == (Status.CHECKED_IN, "John Smith")
    documented_body = fixture("kadence/booking-check-in")["request"]["body"]
    assert set(posted[0]) <= set(documented_body)
    assert posted[0]["userId"] == "01GTBV1CT3BM8A42SEJ2J5F4EG"
