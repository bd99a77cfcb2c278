"""The server's admin commands: `kiosk serve`, `members`, `locations`, `plans`, `passes`,
`pass qr`, `checkins` and `failed`.

They parse arguments and print; validating and storing is `kiosk.server.service`'s. Every failure
is an `AdminError` with a message for the terminal, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import ssl
import sys
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import reports as report_commands
from kiosk.cli.common import Sub, db_option, group, install_keys, now
from kiosk.files import write_atomically
from kiosk.server import reports
from kiosk.server.keys import InstallKeys, KeyFileError, keys_path_for
from kiosk.server.service import (
    AdminError,
    Enrolment,
    check_timezone,
    edit_macs,
    enrol,
    open_store,
)
from kiosk.server.store import NotFoundError, StoreError

if TYPE_CHECKING:
    from kiosk.server.runner import Server, Tls
    from kiosk.server.web.mail import Mailer


def add_commands(sub: Sub) -> None:
    """Register `serve` and the database commands on the top-level parser."""
    serve = sub.add_parser("serve", help="run the standalone check-in server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8750, help="port to listen on")
    serve.add_argument(
        "--init", action="store_true", help="start afresh on an empty (0-byte) database file"
    )
    serve.add_argument(
        "--open-checkin",
        action="store_true",
        help="let anyone who reaches the port check members in, as Nexudus's open endpoint"
        " does (default: only paired devices, see `kiosk devices`)",
    )
    serve.add_argument("--certfile", type=Path, help="serve HTTPS: the certificate chain (PEM)")
    serve.add_argument("--keyfile", type=Path, help="serve HTTPS: its private key (PEM)")
    serve.add_argument(
        "--retain-failed",
        type=int,
        default=90,
        metavar="DAYS",
        help="keep failed check-ins this many days (default: %(default)s)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web page origin (https://host) allowed to call the check-in endpoint",
    )
    serve.add_argument(
        "--presence-idle-minutes", type=_idle_minutes, default=15, metavar="MINUTES",
        help="presence.idle_minutes: a member whose devices were not seen on the network this"
        " long has left (default: %(default)s)",
    )  # fmt: skip
    mail = serve.add_argument_group(
        "email from the web admin (QR passes, PINs); the password from $KIOSK_SMTP_PASSWORD"
    )
    mail.add_argument("--smtp-host", help="the mail server (default: no email)")
    mail.add_argument("--smtp-port", type=int, help="its port (default: 587, or 465 with tls)")
    mail.add_argument("--smtp-user", help="the user name to sign in with, if any")
    mail.add_argument("--smtp-from", help="the sender address, e.g. desk@space.example")
    mail.add_argument(
        "--smtp-tls", choices=("starttls", "tls", "none"), default="starttls",
        help="STARTTLS (default), TLS from the start, or none (a relay on this machine)",
    )  # fmt: skip
    db_option(serve)
    serve.set_defaults(handler=_serve)

    keys = group(sub, "keys", "back up and restore the install's keys (PINs, tokens, passes)")
    export = db_option(keys.add_parser("export", help="copy the key file to FILE (mode 0600)"))
    export.add_argument("file", type=Path)
    export.set_defaults(handler=_keys_export)
    restore = db_option(keys.add_parser("import", help="restore the key file from FILE"))
    restore.add_argument("file", type=Path)
    restore.add_argument("--force", action="store_true", help="replace an existing key file")
    restore.set_defaults(handler=_keys_import)

    members = group(sub, "members", "enrol, list and remove members")
    add = members.add_parser("add", help="enrol a member")
    db_option(add)
    add.add_argument("--name", required=True, help="full name")
    add.add_argument("--email", required=True)
    add.add_argument("--pin", help="4 to 8 digits; - reads it from standard input (or asks)")
    add.add_argument("--card", action="append", default=[], help="access card id (repeatable)")
    add.add_argument("--token", action="append", default=[], help="access token (repeatable)")
    add.add_argument(
        "--mac", action="append", default=[],
        help="a laptop's or phone's MAC address, for check-in by Wi-Fi presence (repeatable)",
    )  # fmt: skip
    add.add_argument(
        "--password", help="for email check-in; - reads it from standard input (or asks)"
    )
    add.add_argument(
        "--insecure-args",
        action="store_true",
        help="take --pin and --password on the command line (seen in `ps` and shell history)",
    )
    add.add_argument("--passes", type=int, default=0, help="day passes to grant")
    add.add_argument("--tariff", help="plan name")
    add.add_argument("--team", action="append", default=[], help="team name (repeatable)")
    add.add_argument("--inactive", action="store_true", help="enrol with the account disabled")
    add.set_defaults(handler=_members_add)
    edit = db_option(members.add_parser("edit", help="change a member's devices"))
    edit.add_argument("--email", required=True, help="the member's email")
    edit.add_argument(
        "--mac", action="append", default=[], help="enrol a laptop or phone (repeatable)"
    )
    edit.add_argument(
        "--remove-mac", action="append", default=[], metavar="MAC",
        help="remove an enrolled device (repeatable)",
    )  # fmt: skip
    edit.set_defaults(handler=_members_edit)
    members_list = db_option(members.add_parser("list", help="list members"))
    members_list.add_argument("--format", choices=report_commands.FORMATS, default="table")
    members_list.set_defaults(handler=_members_list)
    remove = db_option(members.add_parser("remove", help="remove a member"))
    remove.add_argument("--email", required=True)
    remove.set_defaults(handler=_members_remove)

    locations = group(sub, "locations", "add and list locations")
    loc_add = db_option(locations.add_parser("add", help="add a location"))
    loc_add.add_argument("--name", required=True)
    loc_add.add_argument("--timezone", default="UTC", help="IANA name, e.g. Europe/Paris")
    loc_add.set_defaults(handler=_locations_add)
    loc_list = db_option(locations.add_parser("list", help="list locations"))
    loc_list.set_defaults(handler=_locations_list)

    plans = group(sub, "plans", "add and list plans (tariffs)")
    plan_add = db_option(plans.add_parser("add", help="add a plan"))
    plan_add.add_argument("--name", required=True)
    plan_add.add_argument(
        "--location", action="append", default=[], help="location name (repeatable; default: all)"
    )
    plan_add.add_argument("--days", default="1234567", help="ISO weekdays, 1 = Monday")
    plan_add.add_argument("--opens", default="00:00", help="HH:MM")
    plan_add.add_argument("--closes", default="24:00", help="HH:MM, or 24:00")
    plan_add.add_argument("--daily-limit", type=int, help="minutes a day")
    plan_add.set_defaults(handler=_plans_add)
    db_option(plans.add_parser("list", help="list plans")).set_defaults(handler=_plans_list)

    passes = group(sub, "passes", "grant day passes")
    grant = db_option(passes.add_parser("grant", help="grant day passes to a member"))
    grant.add_argument("--email", required=True)
    grant.add_argument("--count", type=int, required=True)
    grant.add_argument("--valid-days", type=int, help="valid for this many days from today")
    grant.set_defaults(handler=_passes_grant)

    qr_pass = group(sub, "pass", "signed QR passes")
    qr = db_option(qr_pass.add_parser("qr", help="write a member's signed QR pass as a PNG"))
    qr.add_argument("--email", required=True, help="the member's email")
    qr.add_argument("--out", type=Path, required=True, help="the PNG file to write")
    qr.add_argument("--valid-for", default="1d", help="e.g. 12h, 1d, 2w (default: %(default)s)")
    qr.add_argument("--single-use", action="store_true", help="lets the member in only once")
    qr.set_defaults(handler=_pass_qr)

    report_commands.add_commands(sub)


Handler = Callable[[argparse.Namespace], int]


def _keys_export(args: argparse.Namespace) -> int:
    open_store(args.db).close()  # there, and a database
    source = keys_path_for(args.db)
    try:
        InstallKeys.read(source)  # there, and a key file
        write_atomically(args.file, source.read_text(encoding="utf-8"), private=True)
    except (KeyFileError, OSError) as exc:
        raise AdminError(f"cannot export the keys: {exc}") from None
    print(f"Keys of {args.db} written to {args.file} (keep it as safe as the database)")
    return 0


def _keys_import(args: argparse.Namespace) -> int:
    open_store(args.db).close()  # the database the keys are for, restored first
    target = keys_path_for(args.db)
    if target.exists() and not args.force:
        raise AdminError(f"{target} exists; --force replaces it (its members' PINs stop working)")
    try:
        InstallKeys.read(args.file)  # a key file, or refused
        write_atomically(target, args.file.read_text(encoding="utf-8"), private=True)
    except (KeyFileError, OSError) as exc:
        raise AdminError(f"cannot import the keys: {exc}") from None
    print(f"Keys restored to {target}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from kiosk.server.runner import bind, open_server, serve_forever

    tls = _tls(args)
    if not args.db.exists():  # said, so that a mistyped --db is seen at once
        print(f"kiosk: no database at {args.db}: starting a new, empty one", file=sys.stderr)
    try:
        server = open_server(
            args.db,
            init=args.init,
            open_checkin=args.open_checkin,
            allow_origins=frozenset(args.allow_origin),
            retain_failed=timedelta(days=max(1, args.retain_failed)),
            mailer=_mailer(args),
            presence_quiet=timedelta(minutes=args.presence_idle_minutes),
        )
    except (StoreError, KeyFileError, OSError) as exc:
        raise AdminError(f"cannot serve {args.db}: {exc}") from None
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise AdminError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    scheme = "https" if tls else "http"
    print(f"Check-in server on {scheme}://{args.host}:{sock.getsockname()[1]}  database {args.db}")
    print(f"Admin API token in {server.keys_path}", flush=True)
    _first_admin_link(server, f"{scheme}://{_shown_host(args.host)}:{sock.getsockname()[1]}")
    if args.open_checkin:
        print(
            "kiosk: warning: --open-checkin: anyone who can reach this port can check members"
            " in or out; pair kiosks with `kiosk devices add` instead",
            file=sys.stderr,
            flush=True,
        )
    serve_forever(server, sock, tls=tls)
    return 0


def _idle_minutes(text: str) -> int:
    """`--presence-idle-minutes`: whole minutes, 2 to 1440."""
    if not text.strip().isdigit() or not 2 <= int(text) <= 1440:
        raise argparse.ArgumentTypeError("give whole minutes from 2 to 1440")
    return int(text)


def _mailer(args: argparse.Namespace) -> Mailer | None:
    """SMTP for the web admin, when a mail server is given (with a sender)."""
    from kiosk.server.web.mail import SmtpMailer, SmtpSettings

    if args.smtp_host is None:
        return None
    if not args.smtp_from:
        raise AdminError("--smtp-host needs --smtp-from, the address mail comes from")
    port = args.smtp_port or (465 if args.smtp_tls == "tls" else 587)
    password = os.environ.get("KIOSK_SMTP_PASSWORD") or None
    if args.smtp_user and password is None:
        raise AdminError("--smtp-user needs its password in $KIOSK_SMTP_PASSWORD")
    settings = SmtpSettings(
        args.smtp_host, args.smtp_from, port, args.smtp_user, password, args.smtp_tls
    )
    return SmtpMailer(settings)


def _first_admin_link(server: Server, url: str) -> None:
    """With no admin account yet, a one-time link that makes the first, said once."""
    from kiosk.server.web.sessions import LINK_LIFE, Sessions

    code = Sessions(server.store, server.keys).first_admin_link(now())
    if code is not None:
        print(
            f"kiosk: no web admin account yet: make the first at {url}/admin/welcome?code={code}"
            f" (one use, valid {LINK_LIFE.days} days; a restart makes a new link)",
            file=sys.stderr,
            flush=True,
        )


def _shown_host(host: str) -> str:
    """The host to put in a link: a wildcard address is no place to go."""
    return {"0.0.0.0": socket.gethostname(), "::": socket.gethostname()}.get(host, host)  # noqa: S104


def _tls(args: argparse.Namespace) -> Tls | None:
    """HTTPS, when a certificate and its key are given (both, readable, and a pair)."""
    from kiosk.server.runner import Tls

    if (args.certfile is None) != (args.keyfile is None):
        raise AdminError("give --certfile and --keyfile together")
    if args.certfile is None:
        return None
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            args.certfile, args.keyfile
        )
    except (OSError, ssl.SSLError) as exc:
        raise AdminError(f"cannot use {args.certfile} and {args.keyfile}: {exc}") from None
    return Tls(args.certfile, args.keyfile)


def _members_add(args: argparse.Namespace) -> int:
    args.pin, args.password = _secrets(args)
    store = open_store(args.db, create=True)
    member = enrol(
        store,
        install_keys(args.db, store),
        Enrolment(
            name=args.name,
            email=args.email,
            password=args.password,
            pin=args.pin,
            cards=args.card,
            tokens=args.token,
            macs=args.mac,
            tariff=args.tariff,
            teams=args.team,
            active=not args.inactive,
            passes=args.passes,
        ),
        now(),
    )
    print(f"Enrolled {member.full_name} <{member.email}> as member {member.id}")
    return 0


def _members_edit(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    member = store.find_member(email=args.email)
    if member is None:
        raise AdminError(f"no member with email {args.email}")
    if not args.mac and not args.remove_mac:
        raise AdminError("say what to change: --mac MAC or --remove-mac MAC")
    devices = edit_macs(store, install_keys(args.db, store), member, args.mac, args.remove_mac)
    shown = ", ".join(tail for _, tail in devices) or "none"
    print(f"{member.full_name} <{member.email}>: devices {shown}")
    return 0


def _secrets(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The PIN and password: `-` reads each from standard input (the PIN's line first) or, on
    a terminal, asks without echo; a value on the command line only with `--insecure-args`."""
    given = {"--pin": args.pin, "--password": args.password}
    for option, value in given.items():
        if value not in (None, "-") and not args.insecure_args:
            raise AdminError(
                f"{option} on the command line is seen in `ps` and shell history: give "
                f"{option} - and type it (or pipe it in), or add --insecure-args"
            )
    if "-" not in given.values():
        return args.pin, args.password
    lines = iter(sys.stdin.read().splitlines()) if not sys.stdin.isatty() else None
    read: list[str | None] = []
    for option, value in given.items():
        if value != "-":
            read.append(value)
        elif lines is None:
            read.append(getpass.getpass(f"{option.removeprefix('--').upper()}: "))
        else:
            line = next(lines, "").strip()
            if not line:
                raise AdminError(f"{option} -: standard input had no line for it")
            read.append(line)
    return read[0], read[1]


def _members_list(args: argparse.Namespace) -> int:
    members = open_store(args.db).members()
    if args.format != "table":
        return report_commands.export(
            reports.member_rows(members), reports.MEMBER_COLUMNS, args.format
        )
    print(f"{'id':>4}  {'name':<24} {'email':<28} {'plan':<12} {'PIN':<4} {'passes':>6}  cards")
    for m in members:
        plan = (m.plan_name or "-") + ("" if m.plan_active or not m.plan_name else " (off)")
        name = m.full_name + ("" if m.active else " (disabled)")
        print(
            f"{m.id:>4}  {name:<24} {m.email:<28} {plan:<12} {'yes' if m.has_pin else 'no':<4} "
            f"{m.passes_left:>6}  {' '.join(m.cards) or '-'}"
        )
    return 0


def _members_remove(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    member = store.find_member(email=args.email)
    if member is None:
        raise AdminError(f"no member with email {args.email}")
    store.remove_member(member.id)
    print(f"Removed {member.full_name} <{member.email}>")
    return 0


def _locations_add(args: argparse.Namespace) -> int:
    try:
        check_timezone(args.timezone)
    except AdminError as exc:
        raise AdminError(f"--timezone {exc}") from None
    try:
        loc = open_store(args.db, create=True).add_location(args.name, args.timezone, now())
    except StoreError as exc:
        raise AdminError(str(exc)) from None
    print(f"Added location {loc.id}: {loc.name} ({loc.timezone})")
    return 0


def _locations_list(args: argparse.Namespace) -> int:
    for loc in open_store(args.db).locations():
        print(f"{loc.id:>4}  {loc.name:<30} {loc.timezone}")
    return 0


def _hhmm(text: str, flag: str) -> time:
    if text == "24:00":
        return time(0, 0)
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise AdminError(f"{flag} {text!r} is not a time like 09:30") from None


def _plans_add(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    opens, closes = _hhmm(args.opens, "--opens"), _hhmm(args.closes, "--closes")
    if closes != time(0, 0) and closes <= opens:
        raise AdminError("--closes must be after --opens")
    if not args.days or any(d not in "1234567" for d in args.days):
        raise AdminError("--days must be digits 1 to 7, e.g. 12345 for weekdays")
    if args.daily_limit is not None and args.daily_limit <= 0:
        raise AdminError("--daily-limit must be a positive number of minutes")
    try:
        locs = [store.location(n).id for n in args.location] or [
            loc.id for loc in store.locations()
        ]
        plan = store.add_plan(
            args.name, locs, [int(d) for d in args.days], opens, closes, args.daily_limit
        )
    except StoreError as exc:
        raise AdminError(str(exc)) from None
    print(f"Added plan {plan.id}: {plan.name}")
    return 0


def _plans_list(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    names = {loc.id: loc.name for loc in store.locations()}
    for p in store.plans():
        where = ", ".join(sorted(names[i] for i in p.location_ids)) or "nowhere"
        limit = f", {p.daily_limit_minutes} min/day" if p.daily_limit_minutes else ""
        days = "".join(map(str, sorted(p.days)))
        closes = "24:00" if p.closes == time(0, 0) else p.closes.strftime("%H:%M")
        own = "".join(
            f", day {d} {o:%H:%M}-{'24:00' if c == time(0, 0) else c.strftime('%H:%M')}"
            for d, o, c in p.hours
        )  # weekdays with hours of their own (set in the web admin)
        print(f"{p.id:>4}  {p.name:<16} days {days} {p.opens:%H:%M}-{closes}{own}{limit}"
              f"  at {where}")  # fmt: skip
    return 0


def _passes_grant(args: argparse.Namespace) -> int:
    if args.count <= 0:
        raise AdminError("--count must be positive")
    store = open_store(args.db)
    member = store.find_member(email=args.email)
    if member is None:
        raise AdminError(f"no member with email {args.email}")
    today = now().date()
    until = today + timedelta(days=args.valid_days) if args.valid_days else None
    store.grant_passes(member.id, args.count, today, until, now())
    print(f"Granted {args.count} day passes to {member.full_name}")
    return 0


def _pass_qr(args: argparse.Namespace) -> int:
    from kiosk.passes import parse_duration
    from kiosk.server.qrpass import issue_for

    try:
        valid_for = parse_duration(args.valid_for)
    except ValueError as exc:
        raise AdminError(f"--valid-for {exc}") from None
    store = open_store(args.db)
    try:
        keys = install_keys(args.db, store)
        issued = issue_for(store, keys, args.email, valid_for, now(), args.single_use)
    except NotFoundError as exc:
        raise AdminError(str(exc)) from None
    try:
        args.out.write_bytes(issued.png())
    except OSError as exc:
        raise AdminError(f"cannot write {args.out}: {exc.strerror}") from None
    once = ", single use" if issued.single_use else ""
    print(
        f"Wrote {args.out}: QR pass for {issued.member.full_name} <{issued.member.email}>, "
        f"valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC{once}"
    )
    return 0
