"""Reports over local days (kiosk.server.reports) and `kiosk checkins`/`kiosk failed` with
--from/--to/--location/--format: times in each location's zone, exports equal to the database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.server import reports
from kiosk.server.reports import Days
from kiosk.server.store import Store
from kiosk.server.store.models import Order, Origin

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Paris and Tokyo, three members, check-ins around Paris's spring-forward night."""
    path = tmp_path / "reports.db"
    store = Store(path)
    paris = store.add_location("Main Street", "Europe/Paris", T0)
    tokyo = store.add_location("Shibuya", "Asia/Tokyo", T0)
    ada = store.add_member(full_name="Ada Lovelace", email="ada@example.com", now=T0)
    ben = store.add_member(full_name="=HYPERLINK(1)", email="ben@example.com", now=T0)
    kim = store.add_member(full_name="Kim Sato", email="kim@example.com", now=T0)
    # 28 March 23:30 UTC is 00:30 on the 29th in Paris (CET); 29 March 21:59 UTC is 23:59 CEST
    store.record_checkin(ada, paris, at("2026-03-28T23:30"), at("2026-03-29T08:00"))
    store.record_checkin(ben, paris, at("2026-03-29T21:59"), at("2026-03-29T23:00"))
    store.record_checkin(ada, paris, at("2026-03-29T22:00"), at("2026-03-29T23:30"))  # the 30th
    store.record_checkin(kim, tokyo, at("2026-03-28T15:30"), None)  # 00:30 on the 29th in Tokyo
    store.record_checkin(ada, paris, at("2026-03-02T13:12"), at("2026-03-02T15:00"))
    store.record_failed(None, paris, "unknown_credential", "PIN not known", at("2026-03-29T06:00"),
                        Origin(4))  # fmt: skip
    store.record_failed(kim, tokyo, "no_valid_pass", "no plan", at("2026-03-29T16:00"), Origin(4))
    store.close()
    return path


def test_a_local_day_across_the_spring_forward_is_23_hours() -> None:
    zone = reports.zone_of("Europe/Paris")
    start, end = reports.local_bounds(zone, date(2026, 3, 29), date(2026, 3, 29))
    assert end - start == timedelta(hours=23)
    start, end = reports.local_bounds(zone, date(2026, 10, 25), date(2026, 10, 25))
    assert end - start == timedelta(hours=25)


def test_check_ins_of_a_day_are_the_locations_own_day(db: Path) -> None:
    store = Store(db)
    try:
        day = Days(date(2026, 3, 29), date(2026, 3, 29))
        found = reports.checkins(store, day)
        assert [(c.coworker_full_name, c.business_name) for c in found] == [
            ("Kim Sato", "Shibuya"),
            ("Ada Lovelace", "Main Street"),
            ("=HYPERLINK(1)", "Main Street"),
        ]
        paris = store.location("Main Street").id
        assert len(reports.checkins(store, day, paris)) == 2
        assert len(reports.checkins(store, Days(date(2026, 3, 30), None))) == 1
        assert len(reports.checkins(store, Days())) == 5
        failed = reports.failed(store, Days(date(2026, 3, 29), date(2026, 3, 29)))
        assert [f.reason for f in failed] == ["unknown_credential"]  # Tokyo's was on the 30th
    finally:
        store.close()


def test_the_table_shows_local_times_with_the_zone(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["checkins", "--db", str(db), "--from", "2026-03-02", "--to", "2026-03-02"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-02 14:12 CET → 2026-03-02 16:00 CET" in out  # 13:12 UTC in Paris
    assert "[Europe/Paris]" in out
    assert out.endswith("1 check-in(s)\n")
    assert main(["failed", "--db", str(db), "--location", "Shibuya"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-30 01:00 JST  Kim Sato" in out
    assert "[Asia/Tokyo]" in out


def test_csv_and_json_exports_hold_what_the_database_holds(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["checkins", "--db", str(db), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert main(["checkins", "--db", str(db), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    store = Store(db)
    try:
        stored = store.checkins(size=100, order=Order.FROM_TIME, ascending=True).records
    finally:
        store.close()
    assert [int(row["id"]) for row in rows] == [c.id for c in stored]
    assert [r["id"] for r in records] == [c.id for c in stored]
    for row, record, c in zip(rows, records, stored, strict=True):
        assert datetime.fromisoformat(row["from"]) == c.from_time
        assert record["from"] == row["from"]
        assert record["time_zone"] == row["time_zone"] == c.business_timezone
        assert (row["to"] == "") is (c.to_time is None)
    assert rows[0]["from"] == "2026-03-02T14:12:00+01:00"
    assert "'=HYPERLINK(1)" in [row["member"] for row in rows]  # not run as a formula
    assert "=HYPERLINK(1)" in [r["member"] for r in records]  # JSON keeps the name as it is


def test_an_empty_export_is_a_header_or_an_empty_list(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["failed", "--db", str(db), "--from", "2027-01-01"]
    assert main([*argv, "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("id,member_id,member,location_id,")
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_wrong_ranges_and_locations_are_said_plainly(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["checkins", "--db", str(db), "--from", "2026-03-30", "--to", "2026-03-29"]) == 1
    assert "--from 2026-03-30 is after --to 2026-03-29" in capsys.readouterr().err
    assert main(["checkins", "--db", str(db), "--location", "Nowhere"]) == 1
    assert "no location 'Nowhere'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["failed", "--db", str(db), "--from", "29/03/2026"])
    assert "is not a day like 2026-03-29" in capsys.readouterr().err


def test_members_export_names_cards_by_their_last_four_and_holds_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "members.db"
    argv = ["members", "add", "--db", str(db), "--name", "Ada Lovelace",
            "--email", "ada@example.com", "--card", "04A1B2C3", "--pin", "-"]  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO("48213\n"))
        assert main(argv) == 0
    capsys.readouterr()
    assert main(["members", "list", "--db", str(db), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["name"], r["email"], r["pin"], r["cards"]) for r in rows] == [
        ("Ada Lovelace", "ada@example.com", "True", "••••B2C3")
    ]
    assert "48213" not in out
    assert "04A1" not in out
    assert main(["members", "list", "--db", str(db), "--format", "json"]) == 0
    (member,) = json.loads(capsys.readouterr().out)
    assert (member["pin"], member["cards"], member["active"]) == (True, "••••B2C3", True)


def test_the_newest_few_are_shown_with_how_many_there_are_in_all(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["checkins", "--db", str(db), "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[-1] == "5 check-in(s)"
    assert main(["failed", "--db", str(db), "--limit", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 failed check-in(s)"
