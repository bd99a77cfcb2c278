"""The staff side of the API: bearer token, paging envelope, locations, health."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from kiosk.server.store import Store
from tests.helpers.clock import FakeClock
from tests.helpers.server import demo_server

PAGING = {
    "Records",
    "CurrentPage",
    "CurrentPageSize",
    "CurrentOrderField",
    "CurrentSortDirection",
    "FirstItem",
    "LastItem",
    "TotalItems",
    "TotalPages",
    "HasNextPage",
    "HasPreviousPage",
    "PageNumber",
    "PageSize",
}


@pytest.mark.parametrize("path", ["/api/spaces/checkins", "/api/spaces/failedcheckins"])
@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer"])
def test_staff_endpoints_need_the_admin_token(
    client: httpx.Client, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["Message"] == "Authorization has been denied for this request."


def test_paging_envelope(client: httpx.Client, admin: httpx.Client, clock: FakeClock) -> None:
    for _ in range(23):
        client.post("/api/public/checkin", json={"Pin": "99999"})
        clock.advance(seconds=1)
    page = admin.get("/api/spaces/failedcheckins", params={"page": 2, "size": 10}).json()
    assert set(page) == PAGING
    assert (page["CurrentPage"], page["CurrentPageSize"], page["TotalItems"]) == (2, 10, 23)
    assert (page["FirstItem"], page["LastItem"], page["TotalPages"]) == (11, 20, 3)
    assert page["HasNextPage"]
    assert page["HasPreviousPage"]
    ids = [r["Id"] for r in page["Records"]]
    assert ids == sorted(ids, reverse=True)
    last = admin.get("/api/spaces/failedcheckins", params={"page": 3, "size": 10}).json()
    assert (len(last["Records"]), last["HasNextPage"], last["LastItem"]) == (3, False, 23)
    oldest = admin.get("/api/spaces/failedcheckins", params={"dir": 1, "size": 1}).json()
    assert oldest["Records"][0]["CheckinAttemptTime"] == "2026-03-02T10:00:00Z"
    assert oldest["CurrentSortDirection"] == 1
    beyond = admin.get("/api/spaces/failedcheckins", params={"page": 9}).json()
    assert (beyond["Records"], beyond["FirstItem"], beyond["LastItem"]) == ([], 0, 0)


def test_record_by_id_and_filters(client: httpx.Client, admin: httpx.Client) -> None:
    client.post("/api/public/checkin", json={"Pin": "12345"})
    client.post("/api/public/checkin", json={"Pin": "56789", "BusinessId": 2})
    client.post("/api/public/checkin", json={"Pin": "45678"})
    at_annex = admin.get("/api/spaces/checkins", params={"Checkin_Business": 2}).json()
    assert [r["CoworkerFullName"] for r in at_annex["Records"]] == ["Eve Tanaka"]
    record = at_annex["Records"][0]
    assert admin.get(f"/api/spaces/checkins/{record['Id']}").json() == record
    failed = admin.get("/api/spaces/failedcheckins").json()["Records"][0]
    assert admin.get(f"/api/spaces/failedcheckins/{failed['Id']}").json() == failed
    assert failed["CoworkerFullName"] == "Dev Patel"
    assert failed["Description"].startswith("Your plan is not active")
    by_member = admin.get(
        "/api/spaces/failedcheckins", params={"FailedCheckin_Coworker": failed["CoworkerId"]}
    ).json()
    assert by_member["TotalItems"] == 1


def test_businesses_and_health(client: httpx.Client) -> None:
    businesses = client.get("/api/sys/businesses").json()
    assert [(b["Id"], b["Name"], b["TimeZone"]) for b in businesses["Records"]] == [
        (1, "Demo Space", "Europe/Paris"),
        (2, "Demo Annex", "Europe/Paris"),
    ]
    assert client.get("/health").json() == {"status": "ok", "version": "0.1.0", "schema": 3}


def test_openapi_schema_describes_the_checkin_body(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/public/checkin"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "application/x-www-form-urlencoded"}
    properties = body["application/json"]["schema"]["properties"]
    assert {"Pincode", "DoNotCheckIn", "Mac"} <= set(properties)
    assert "Pin" not in properties  # read as Pincode, documented under its Nexudus name


def test_the_sweeper_closes_expired_sessions_on_its_own(tmp_path: Path) -> None:
    clock = FakeClock()
    with demo_server(tmp_path / "s.db", clock, sweep_seconds=0.01) as running:
        httpx.post(running.url + "/api/public/checkin", json={"Pin": "12345"})
        reader = Store(tmp_path / "s.db")
        assert reader.checkins(open_only=True).total == 1
        clock.advance(days=1)
        for _ in range(1000):  # bounded: the sweeper runs every 10 ms
            if reader.checkins(open_only=True).total == 0:
                break
            time.sleep(0.01)
        assert reader.checkins(open_only=True).total == 0
        assert reader.checkins().records[0].auto_checkout
        reader.close()
