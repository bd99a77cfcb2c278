"""``POST /api/public/checkin`` against the real server: every outcome and its records."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.server.runner import ServerThread
from kiosk.server.service import Enrolment, enrol
from tests.helpers.clock import FakeClock
from tests.helpers.server import checkin

ENVELOPE = {"Status", "Message", "Value", "Errors", "WasSuccessful"}
EXTENSIONS = {"CoworkerFullName", "CheckedIn", "ReasonCode"}


def test_pin_check_in_answers_in_nexudus_shape(client: httpx.Client) -> None:
    body = checkin(client, Pin="12345")
    # Monday 10:00 UTC; Ada's plan runs to midnight in Paris, which is 23:00 UTC in March.
    assert body == {
        "Status": 200,
        "Message": "2026-03-02T23:00:00 UTC",
        "Value": {
            "SessionExpire": "2026-03-02T23:00:00 UTC",
            "SessionTimeOut": 46800.0,
            "FullName": "Ada Lovelace",
        },
        "Errors": None,
        "WasSuccessful": True,
        "CoworkerFullName": "Ada Lovelace",
        "CheckedIn": True,
        "ReasonCode": None,
    }
    assert set(body) == ENVELOPE | EXTENSIONS


@pytest.mark.parametrize(
    "fields",
    [
        {"AccessCardId": "04a1b2c3d4e5f6"},
        {"AccessCardId": "04:A1:B2:C3:D4:E5:F6"},
        {"Email": "ADA@example.com", "Password": "demo-ada"},
        {"Pin": "12345"},
    ],
)
def test_every_credential_kind_identifies_the_member(
    client: httpx.Client, fields: dict[str, str]
) -> None:
    assert checkin(client, **fields)["CoworkerFullName"] == "Ada Lovelace"


def test_phone_token_and_form_bodies(client: httpx.Client) -> None:
    response = client.post("/api/public/checkin", data={"Token": "7E3A91C4D2B85F06"})
    assert response.json()["CoworkerFullName"] == "Eve Tanaka"
    assert response.json()["WasSuccessful"] is True
    lower = client.post("/api/public/checkin", data={"pin": "23456", "toggle": "true"})
    assert lower.json()["CoworkerFullName"] == "Ben Okafor"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"Pin": "99999"}, "unknown_credential"),
        ({"AccessCardId": "DEADBEEF"}, "unknown_credential"),
        ({"Token": "not-a-token"}, "unknown_credential"),
        ({"Email": "ada@example.com", "Password": "wrong"}, "unknown_credential"),
        ({"Email": "nobody@example.com", "Password": "demo-ada"}, "unknown_credential"),
        ({"Pin": "34567"}, "no_valid_pass"),
        ({"Pin": "45678"}, "plan_inactive"),
        ({"Pin": "78901"}, "account_disabled"),
        ({"Pin": "67890", "BusinessId": 2}, "access_restricted"),
        ({"Pin": "12345", "Disconnect": True}, "not_checked_in"),
    ],
)
def test_refusals_carry_a_reason_code_and_are_recorded(
    client: httpx.Client, admin: httpx.Client, fields: dict[str, Any], reason: str
) -> None:
    body = checkin(client, **fields)
    assert body["WasSuccessful"] is False
    assert body["Status"] == (404 if reason == "unknown_credential" else 403)
    assert body["ReasonCode"] == reason
    known = body["CoworkerFullName"]
    assert body["Value"] == ({"FullName": known} if known else None)
    assert (known is None) is (reason == "unknown_credential")
    assert body["Message"]
    failed = admin.get("/api/spaces/failedcheckins").json()
    assert failed["TotalItems"] == 1
    record = failed["Records"][0]
    assert record["ReasonCode"] == reason
    assert record["Source"] == 4
    assert record["Description"]
    assert "99999" not in record["Description"]
    assert "wrong" not in record["Description"]


def test_outside_hours_and_the_daily_limit(
    client: httpx.Client, clock: FakeClock, admin: httpx.Client
) -> None:
    clock.advance(days=5)  # Saturday
    assert checkin(client, AccessCardId="5F3C2A19")["ReasonCode"] == "outside_hours"
    clock.advance(days=2, hours=-2)  # Monday 08:00 UTC = 09:00 Paris
    body = checkin(client, AccessCardId="5F3C2A19")
    assert body["Value"] == {
        "SessionExpire": "2026-03-09T12:00:00 UTC",
        "SessionTimeOut": 14400.0,
        "FullName": "Frank Moreau",
    }
    clock.advance(hours=3)
    assert checkin(client, AccessCardId="5F3C2A19", Disconnect=True)["CheckedIn"] is False
    clock.advance(minutes=30)
    again = checkin(client, AccessCardId="5F3C2A19")
    assert again["Value"]["SessionTimeOut"] == 3600.0  # one hour of the four left
    clock.advance(hours=1)
    over = checkin(client, AccessCardId="5F3C2A19")  # the session ran out: auto checked out
    assert over["ReasonCode"] == "plan_limit_reached"
    records = admin.get("/api/spaces/checkins", params={"dir": 1}).json()["Records"]
    assert [r["AutoCheckout"] for r in records] == [False, True]
    assert records[1]["ToTime"] == "2026-03-09T12:30:00Z"


def test_already_in_returns_the_open_session_without_a_second_row(
    client: httpx.Client, clock: FakeClock, admin: httpx.Client
) -> None:
    first = checkin(client, Pin="12345")
    clock.advance(minutes=10)
    second = checkin(client, Pin="12345")
    assert second["Value"]["SessionExpire"] == first["Value"]["SessionExpire"]
    assert second["Value"]["SessionTimeOut"] == first["Value"]["SessionTimeOut"] - 600
    assert admin.get("/api/spaces/checkins").json()["TotalItems"] == 1


def test_toggle_and_disconnect(client: httpx.Client, clock: FakeClock, admin: httpx.Client) -> None:
    assert checkin(client, Pin="12345", Toggle=True)["CheckedIn"] is True
    clock.advance(hours=2)
    out = checkin(client, Pin="12345", Toggle=True)
    assert (out["CheckedIn"], out["WasSuccessful"]) == (False, True)
    assert out["Value"] == {"FullName": "Ada Lovelace"}
    assert checkin(client, Pin="12345")["CheckedIn"] is True
    assert checkin(client, Pin="12345", Disconnect=True)["CheckedIn"] is False
    records = admin.get("/api/spaces/checkins", params={"dir": 1}).json()["Records"]
    assert len(records) == 2
    first = records[0]
    assert (first["FromTime"], first["ToTime"]) == ("2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z")
    assert (first["FromTimeLocal"], first["ToTimeLocal"]) == (
        "2026-03-02T11:00:00",
        "2026-03-02T13:00:00",
    )
    assert first["CoworkerFullName"] == "Ada Lovelace"
    assert first["BusinessName"] == "Demo Space"
    assert first["TariffAtTheTimeOfCheckin"] == "Resident"
    assert first["TeamsAtTheTimeOfCheckin"] == "Demo team"
    assert first["Source"] == 4


def test_a_day_pass_is_consumed_once_a_day(
    client: httpx.Client, clock: FakeClock, server: ServerThread, tmp_path: Path
) -> None:
    def passes_left() -> int:
        with sqlite3.connect(tmp_path / "checkin.db") as db:
            return int(db.execute("SELECT sum(remaining) FROM time_passes").fetchone()[0])

    body = checkin(client, Pin="23456")
    assert body["Value"]["SessionExpire"] == "2026-03-02T23:00:00 UTC"
    assert passes_left() == 4
    checkin(client, Pin="23456", Disconnect=True)
    clock.advance(hours=3)
    checkin(client, Pin="23456")
    assert passes_left() == 4
    clock.advance(days=1)  # yesterday's session expired at midnight; a new day, a new pass
    checkin(client, Pin="23456")
    assert passes_left() == 3


def test_open_listing_closes_expired_sessions(
    client: httpx.Client, clock: FakeClock, admin: httpx.Client
) -> None:
    checkin(client, Pin="12345")
    checkin(client, Token="7E3A91C4D2B85F06")
    assert admin.get("/api/spaces/checkins", params={"Open": "true"}).json()["TotalItems"] == 2
    clock.advance(hours=14)
    assert admin.get("/api/spaces/checkins", params={"Open": "true"}).json()["TotalItems"] == 0
    closed = admin.get("/api/spaces/checkins").json()["Records"]
    assert {r["ToTime"] for r in closed} == {"2026-03-02T23:00:00Z"}
    assert all(r["AutoCheckout"] for r in closed)


def test_secrets_are_stored_only_as_hashes(client: httpx.Client, tmp_path: Path) -> None:
    checkin(client, Pin="12345")
    checkin(client, AccessCardId="04:a1:b2:c3:d4:e5:f6")
    assert checkin(client, AccessCardId="DEADBEEF0123")["ReasonCode"] == "unknown_credential"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("checkin.db*") if p.suffix != ".keys")
    secrets = (b"7E3A91C4D2B85F06", b"demo-ada", b"demo-eve", b"04A1B2C3D4E5F6", b"5F3C2A19")
    for secret in (*secrets, b"DEADBEEF0123", b"BEEF0123"):
        assert secret not in raw
    with sqlite3.connect(tmp_path / "checkin.db") as db:
        pin_keys = [r[0] for r in db.execute("SELECT pin_key FROM members")]
        hashes = [r[0] for r in db.execute("SELECT password_hash FROM members")]
    assert all(len(k) == 64 and "12345" not in k for k in pin_keys)
    assert all(h.startswith("scrypt$") for h in hashes)
    assert (tmp_path / "checkin.db.keys").stat().st_mode & 0o777 == 0o600


def test_no_secret_reaches_the_log(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    checkin(client, Pin="12345")
    checkin(client, Email="ada@example.com", Password="demo-ada")
    checkin(client, Token="7E3A91C4D2B85F06")
    assert caplog.records
    for secret in ("12345", "demo-ada", "7E3A91C4D2B85F06"):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    "fields",
    [
        {"Pincode": "12345"},
        {"pincode": "12345"},
        {"PINCODE": "12345"},
        {"Pin": "12345"},  # what our kiosks sent before
        {"Email": "Ada@Example.com", "Pincode": "12345"},
    ],
)
def test_the_pin_is_pincode_alone_or_with_the_email(
    client: httpx.Client, fields: dict[str, str]
) -> None:
    response = client.post("/api/public/checkin", json=fields)
    assert response.status_code == 200, response.text
    assert response.json()["Value"]["FullName"] == "Ada Lovelace"


def test_a_pincode_with_someone_elses_email_names_nobody(
    client: httpx.Client, admin: httpx.Client
) -> None:
    body = checkin(client, Email="ben@example.com", Pincode="12345")
    assert (body["Status"], body["ReasonCode"], body["Value"]) == (404, "unknown_credential", None)
    record = admin.get("/api/spaces/failedcheckins").json()["Records"][0]
    assert record["Description"] == "PIN is not recognised for ben@example.com"


def test_do_not_check_in_answers_as_a_check_in_would_and_writes_nothing(
    client: httpx.Client, admin: httpx.Client
) -> None:
    asked = checkin(client, Pincode="12345", DoNotCheckIn=True)
    assert (asked["CheckedIn"], asked["Value"]["FullName"]) == (True, "Ada Lovelace")
    assert asked["Value"]["SessionExpire"] == "2026-03-02T23:00:00 UTC"
    refused = checkin(client, Pincode="34567", doNotCheckIn=True)
    assert (refused["Status"], refused["ReasonCode"]) == (403, "no_valid_pass")
    unknown = checkin(client, Pincode="99999", DoNotCheckIn=True)
    assert unknown["Status"] == 404
    assert admin.get("/api/spaces/checkins").json()["TotalItems"] == 0
    assert admin.get("/api/spaces/failedcheckins").json()["TotalItems"] == 0
    checkin(client, Pincode="12345")
    leaving = checkin(client, Pincode="12345", Toggle=True, DoNotCheckIn=True)
    assert leaving["CheckedIn"] is False
    records = admin.get("/api/spaces/checkins").json()["Records"]
    assert [r["ToTime"] for r in records] == [None]  # still in


def test_a_card_number_sent_as_a_json_number_is_its_digits(
    client: httpx.Client, admin: httpx.Client
) -> None:
    body = checkin(client, AccessCardId=5653307)
    assert body["ReasonCode"] == "unknown_credential"  # read, not refused as malformed
    record = admin.get("/api/spaces/failedcheckins").json()["Records"][0]
    assert record["Description"] == "Access card ••••3307 is not recognised"  # masked


def test_a_mac_alone_is_for_presence_devices_and_beside_a_pin_is_accepted(
    client: httpx.Client,
) -> None:
    alone = client.post("/api/public/checkin", json={"Mac": "AA:BB:CC:DD:EE:FF"})
    assert alone.status_code == 400  # a kiosk does not report the network's devices
    beside = checkin(client, Pincode="12345", Mac="AA:BB:CC:DD:EE:FF")
    assert beside["Value"]["FullName"] == "Ada Lovelace"
    out = checkin(client, Pincode="12345", Mac="AA:BB:CC:DD:EE:FF", Disconnect=True)
    assert (out["Status"], out["CheckedIn"]) == (200, False)


def test_card_numbers_match_whatever_their_leading_zeros_and_wiegand_separators(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    enrolment = Enrolment("Wim Gand", "wim@example.com", cards=["0005653307", "161,45763"],
                          tariff="Resident")  # fmt: skip
    enrol(server.server.store, server.server.keys, enrolment, clock())
    for card in ("5653307", "0005653307", "161:45763", "161.45763", "161 45763", "0161:45763"):
        body = checkin(client, AccessCardId=card, DoNotCheckIn=True)
        assert body["CoworkerFullName"] == "Wim Gand", card
