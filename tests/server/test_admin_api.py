"""The staff side of the API: bearer token, paging envelope, locations, health."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from kiosk.server.runner import ServerThread
from kiosk.server.service import Enrolment, enrol
from kiosk.server.store import Store
from kiosk.server.store.schema import MIGRATIONS
from tests.helpers.clock import FakeClock
from tests.helpers.server import checkin, demo_server, device_client

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
@pytest.mark.parametrize(
    "header", [None, "Bearer wrong", "Basic abc", "Bearer", "Basic YWRtaW46d3Jvbmc="]
)
def test_staff_endpoints_need_the_admin_token(
    client: httpx.Client, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer, Basic realm="kiosk"'
    assert response.json()["Message"] == "Authorization has been denied for this request."


def test_paging_envelope(client: httpx.Client, admin: httpx.Client, clock: FakeClock) -> None:
    for _ in range(23):  # Chloé has no valid pass: refused and recorded (and not a guess)
        client.post("/api/public/checkin", json={"Pin": "34567"})
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
    health = {"status": "ok", "version": "0.1.0", "schema": len(MIGRATIONS)}
    assert client.get("/health").json() == health


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
        with device_client(running) as kiosk:
            kiosk.post("/api/public/checkin", json={"Pin": "12345"})
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


def test_basic_authentication_and_the_token_endpoint_take_the_admin_token(
    client: httpx.Client, server: ServerThread
) -> None:
    token = server.server.keys.admin_token
    basic = client.get("/api/spaces/checkins", auth=("admin@example.com", token))
    assert basic.status_code == 200
    form = {"grant_type": "password", "username": "admin@example.com", "password": token}
    granted = client.post("/api/token", data=form).json()
    assert (granted["token_type"], granted["expires_in"]) == ("bearer", 604799)
    bearer = {"Authorization": f"Bearer {granted['access_token']}"}
    assert client.get("/api/spaces/coworkers", headers=bearer).status_code == 200
    refreshed = client.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": granted["refresh_token"]},
    )
    assert refreshed.status_code == 200
    wrong = client.post("/api/token", data={**form, "password": "guess"})
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    odd = client.post("/api/token", data={"grant_type": "client_credentials"})
    assert odd.json()["error"] == "unsupported_grant_type"


def test_check_ins_filter_by_time_and_sort_every_documented_way(
    client: httpx.Client, admin: httpx.Client, clock: FakeClock
) -> None:
    checkin(client, Pincode="12345")  # Ada 10:00
    clock.advance(hours=1)
    checkin(client, Pincode="56789")  # Eve 11:00
    clock.advance(hours=1)
    checkin(client, Pincode="12345", Toggle=True)  # Ada leaves at 12:00
    listing = "/api/spaces/checkins"
    in_2020 = {"from_Checkin_FromTime": "2020-01-01T00:00", "to_Checkin_FromTime": "2020-12-31"}
    assert admin.get(listing, params=in_2020).json()["TotalItems"] == 0
    since_1030 = admin.get(listing, params={"from_Checkin_FromTime": "2026-03-02T10:30:00Z"})
    assert [r["CoworkerFullName"] for r in since_1030.json()["Records"]] == ["Eve Tanaka"]
    left = admin.get(listing, params={"to_Checkin_ToTime": "2026-03-02T13:00"}).json()
    assert [r["CoworkerFullName"] for r in left["Records"]] == ["Ada Lovelace"]
    changed = admin.get(listing, params={"from_Checkin_UpdatedOn": "2026-03-02T11:30"}).json()
    assert [r["CoworkerFullName"] for r in changed["Records"]] == ["Ada Lovelace"]  # closed
    for word, first, direction in (("1", "Ada", 1), ("0", "Ada", 1), ("ascending", "Ada", 1),
                                   ("-1", "Eve", -1), ("descending", "Eve", -1)):  # fmt: skip
        page = admin.get(listing, params={"orderBy": "FromTime", "dir": word}).json()
        assert page["Records"][0]["CoworkerFullName"].startswith(first), word
        assert (page["CurrentOrderField"], page["CurrentSortDirection"]) == ("FromTime", direction)
    big = admin.get(listing, params={"size": 10000}).json()
    assert (big["CurrentPageSize"], big["TotalItems"]) == (10000, 2)


def test_coworkers_by_email_card_or_fob_never_with_a_pin(
    client: httpx.Client, admin: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    enrol(server.server.store, server.server.keys,
          Enrolment("Kim Fob", "kim@example.com", pin="24680", cards=["0005653307", "04A1FF"]),
          clock())  # fmt: skip
    every = admin.get("/api/spaces/coworkers", params={"size": 100}).json()
    assert every["TotalItems"] >= 7
    assert all("AccessPincode" not in r and "24680" not in str(r) for r in every["Records"])
    for params in ({"Coworker_Email": "KIM@example.com"},
                   {"Coworker_AccessCardId": "5653307"},
                   {"Coworker_KeyFobNumber": "04:a1:ff"}):  # fmt: skip
        found = admin.get("/api/spaces/coworkers", params=params).json()["Records"]
        assert [r["FullName"] for r in found] == ["Kim Fob"], params
    kim = found[0]
    assert (kim["AccessCardId"], kim["KeyFobNumber"]) == ("••••3307", "••••A1FF")  # hashed
    assert admin.get(f"/api/spaces/coworkers/{kim['Id']}").json() == kim
    assert client.get("/api/sys/businesses/2").json() == {
        "Id": 2, "Name": "Demo Annex", "TimeZone": "Europe/Paris"
    }  # fmt: skip


def test_an_admin_records_a_manual_check_in(admin: httpx.Client, clock: FakeClock) -> None:
    body = {"CoworkerId": 1, "BusinessId": 2, "FromTime": "2026-03-02T08:00:00Z"}
    made = admin.post("/api/spaces/checkins", json=body).json()
    assert (made["Status"], made["WasSuccessful"]) == (200, True)
    record = admin.get(f"/api/spaces/checkins/{made['Value']['Id']}").json()
    assert (record["Source"], record["BusinessId"], record["ToTime"]) == (1, 2, None)
    again = admin.post("/api/spaces/checkins", json=body)
    assert (again.status_code, again.json()["Errors"][0]["PropertyName"]) == (409, "CoworkerId")
    closed = {"CoworkerId": 2, "BusinessId": 1, "FromTime": "2026-03-02T08:00",
              "ToTime": "2026-03-02T09:30"}  # fmt: skip
    made = admin.post("/api/spaces/checkins", json=closed).json()
    record = admin.get(f"/api/spaces/checkins/{made['Value']['Id']}").json()
    assert (record["FromTime"], record["ToTime"]) == (
        "2026-03-02T08:00:00Z",
        "2026-03-02T09:30:00Z",
    )
    backwards = admin.post("/api/spaces/checkins", json={**closed, "ToTime": "2026-03-01"})
    assert backwards.status_code == 400
    nobody = admin.post("/api/spaces/checkins", json={**closed, "CoworkerId": 999})
    assert (nobody.status_code, nobody.json()["WasSuccessful"]) == (400, False)


def test_listings_beside_check_ins_never_share_a_transaction(
    server: ServerThread, clock: FakeClock
) -> None:
    """Listings run in a thread pool and check-ins on the event loop; with one shared
    connection they once got `500 cannot start a transaction within a transaction`."""
    token = server.server.keys.admin_token
    statuses: list[int] = []

    def list_checkins() -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
            statuses.extend(c.get("/api/spaces/checkins").status_code for _ in range(60))

    def toggle() -> None:
        with device_client(server) as c:
            for _ in range(60):
                statuses.append(
                    c.post(
                        "/api/public/checkin", json={"Pincode": "12345", "Toggle": True}
                    ).status_code
                )

    workers = [threading.Thread(target=f) for f in (list_checkins, list_checkins, toggle)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(statuses) == 180
    assert set(statuses) == {200}
