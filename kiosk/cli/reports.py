"""``kiosk checkins`` and ``kiosk failed``: who came and who was refused, over a range of days,
in each location's own time with its zone named; as a table, CSV or JSON.

    kiosk checkins --from 2026-03-01 --to 2026-03-31 --location "Main Street" --format csv
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date

from kiosk.cli.common import Sub, db_option, now
from kiosk.server import reports
from kiosk.server.reports import Days
from kiosk.server.service import AdminError, open_store
from kiosk.server.store import NotFoundError, Store
from kiosk.server.store.models import CheckinRecord, FailedCheckinRecord

FORMATS = ("table", "csv", "json")


def add_commands(sub: Sub) -> None:
    """Register `checkins` and `failed`."""
    checkins = db_option(sub.add_parser("checkins", help="list check-ins, newest first"))
    checkins.add_argument("--open", action="store_true", help="only members still checked in")
    _range_options(checkins)
    checkins.set_defaults(handler=_checkins)
    failed = db_option(sub.add_parser("failed", help="list failed check-ins, newest first"))
    _range_options(failed)
    failed.set_defaults(handler=_failed)


def _range_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="first", type=_day, help="first day, YYYY-MM-DD (local)")
    parser.add_argument("--to", dest="last", type=_day, help="last day, YYYY-MM-DD (local)")
    parser.add_argument("--location", help="a location's id or name (default: all)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument(
        "--limit", type=int, default=50, help="table without --from/--to: the newest N (50)"
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-03-29") from None


def _checkins(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    store.close_expired(now())
    location = _location(store, args.location)
    if _newest_only(args):
        page = store.checkins(size=max(1, args.limit), open_only=args.open, location_id=location)
        found, total = list(reversed(page.records)), page.total
    else:
        found = reports.checkins(store, _days(args), location, args.open)
        total = len(found)
    if args.format != "table":
        return export(reports.checkin_rows(found), reports.CHECKIN_COLUMNS, args.format)
    for c in reversed(found):
        to = reports.local(c.to_time, c.business_timezone) or "in"
        auto = " (auto)" if c.auto_checkout else ""
        print(
            f"{c.id:>5}  {c.coworker_full_name:<24} {c.business_name:<16} "
            f"{reports.local(c.from_time, c.business_timezone)} → {to}{auto}"
            f"  {_how(c)}  [{c.business_timezone}]"
        )
    print(f"{total} check-in(s)" + (" open" if args.open else ""))
    return 0


def _failed(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    location = _location(store, args.location)
    if _newest_only(args):
        page = store.failed_checkins(size=max(1, args.limit), location_id=location)
        found, total = list(reversed(page.records)), page.total
    else:
        found = reports.failed(store, _days(args), location)
        total = len(found)
    if args.format != "table":
        return export(reports.failed_rows(found), reports.FAILED_COLUMNS, args.format)
    for f in reversed(found):
        who = f.coworker_full_name or "(unknown)"
        print(
            f"{f.id:>5}  {reports.local(f.attempt_time, f.business_timezone)}  {who:<24} "
            f"{f.reason:<20} {f.description}  {_how(f)}  [{f.business_timezone}]"
        )
    print(f"{total} failed check-in(s)")
    return 0


def _how(record: CheckinRecord | FailedCheckinRecord) -> str:
    """How it came: ``via door (Street door)``."""
    source = reports.SOURCES.get(record.source, str(record.source))
    return f"via {source}" + (f" ({record.device_name})" if record.device_name else "")


def _days(args: argparse.Namespace) -> Days:
    if args.first and args.last and args.first > args.last:
        raise AdminError(f"--from {args.first} is after --to {args.last}")
    return Days(args.first, args.last)


def _location(store: Store, ident: str | None) -> int | None:
    if ident is None:
        return None
    try:
        return store.location(int(ident) if ident.isdigit() else ident).id
    except NotFoundError as exc:
        raise AdminError(str(exc)) from None


def _newest_only(args: argparse.Namespace) -> bool:
    """A table without a range shows the newest `--limit`; a range or an export shows all."""
    return args.first is None and args.last is None and args.format == "table"


def export(rows: Sequence[dict[str, object]], columns: Sequence[str], fmt: str) -> int:
    """Print `rows` as CSV (with `columns` as its header) or JSON; the command's exit code."""
    text = reports.to_json(rows) if fmt == "json" else reports.to_csv(rows, columns)
    print(text, end="")
    return 0
