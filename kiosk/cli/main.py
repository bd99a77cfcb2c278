"""The ``kiosk`` command.

    kiosk demo                 the kiosk against an embedded server with demo members
    kiosk run                  the production kiosk
    kiosk session              the kiosk fullscreen under cage, as kiosk.service starts it
    kiosk serve                the standalone check-in server
    kiosk readers              card reader diagnostics: readers, and each tap's UID
    kiosk config               show or change the configuration, set the staff PIN
    kiosk members|locations|plans|passes …, kiosk checkins, kiosk failed
    kiosk admins               the web admin's accounts
    kiosk presence             the Wi-Fi presence agent: devices seen, to the server

Errors print one line to stderr and exit 1; usage errors exit 2 (argparse).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from kiosk import __version__
from kiosk.cli import admins as admin_commands
from kiosk.cli import config as config_commands
from kiosk.cli import devices as device_commands
from kiosk.cli import presence as presence_commands
from kiosk.cli import server as server_commands
from kiosk.cli import session as session_commands
from kiosk.cli.logs import setup_logging
from kiosk.server.service import AdminError
from kiosk.settings import staffpin
from kiosk.settings.file import boot_config, save_config, with_value
from kiosk.settings.model import Config, ConfigError, default_config_path, load_config

DEMO_STAFF_PIN = "246813"


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="kiosk", description="A check-in kiosk for coworking spaces, and its server."
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="the kiosk against a server with demo members")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, help="default: a free port (8750 with --no-window)")
    demo.add_argument("--db", type=Path, help="database file (default: a fresh temporary one)")
    demo.add_argument("--no-window", action="store_true", help="only the server, in the foreground")
    _kiosk_options(demo, config=False)
    demo.set_defaults(handler=_demo)
    run = sub.add_parser("run", help="the production kiosk")
    run.add_argument("--backend-url", help="a check-in server (default: config, else embedded)")
    _kiosk_options(run, config=True)
    run.set_defaults(handler=_run)
    readers = sub.add_parser(
        "readers", help="list card readers, then print each tap's UID in every format"
    )
    readers.add_argument("--config", type=Path, help=f"default: {default_config_path()}")
    readers.add_argument("--name-filter", help="only readers whose name contains this")
    readers.add_argument("--count", type=int, help="stop after this many taps")
    readers.set_defaults(handler=_readers)
    config_commands.add_commands(sub)
    server_commands.add_commands(sub)
    device_commands.add_commands(sub)
    presence_commands.add_commands(sub)
    admin_commands.add_commands(sub)
    session_commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in `argv`; returns the exit code."""
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose, sys.stderr, os.environ)
    try:
        code: int = args.handler(args)
        sys.stdout.flush()  # a reader gone (`| head`) is found here, not at exit
    except (AdminError, ConfigError) as exc:
        print(f"kiosk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader of our output stopped reading: stop quietly, as other commands do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return code


def _kiosk_options(parser: argparse.ArgumentParser, config: bool) -> None:
    if config:
        parser.add_argument("--config", type=Path, help=f"default: {default_config_path()}")
    parser.add_argument(
        "--event-log", type=Path, help="JSON lines of what happens (default: $KIOSK_EVENT_LOG)"
    )
    parser.add_argument("--windowed", action="store_true", help="a normal window, not fullscreen")


def _event_log(args: argparse.Namespace) -> Path | None:
    path: Path | None = args.event_log
    if path is None and os.environ.get("KIOSK_EVENT_LOG"):
        path = Path(os.environ["KIOSK_EVENT_LOG"])
    return path


def _config(args: argparse.Namespace) -> Config:
    path = args.config or default_config_path()
    return load_config(path) if path.exists() else Config()


def _run(args: argparse.Namespace) -> int:
    from kiosk.app.run import run

    path = args.config or default_config_path()
    booted = boot_config(path)  # a broken file still boots: on the last good settings
    return run(
        booted.config,
        args.windowed,
        _event_log(args),
        args.backend_url,
        config_path=path,
        config_problem=booted.problem,
        session=os.environ.get("KIOSK_SESSION") == session_commands.SESSION,
    )


def _readers(args: argparse.Namespace) -> int:
    from kiosk.cli.readers import watch_readers
    from kiosk.inputs.pcsc.scard import ScardPcsc

    settings = _config(args).reader
    if args.name_filter is not None:
        settings = dataclasses.replace(settings, name_filter=args.name_filter)
    # Ctrl-C and SIGTERM stop the watch, even when started with SIGINT ignored (a job started
    # in the background of a script is): Python keeps an ignored SIGINT ignored otherwise
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    write = functools.partial(print, flush=True)
    try:
        return watch_readers(ScardPcsc(), settings, write, args.count)
    except KeyboardInterrupt:
        return 0


def _demo(args: argparse.Namespace) -> int:
    from kiosk.server.demo import add_demo_admin, demo_text, seed_demo, write_demo_passes
    from kiosk.server.runner import ServerThread, bind, open_server, serve_forever

    db = args.db or Path(tempfile.mkdtemp(prefix="kiosk-demo-")) / "demo.db"
    if db.exists():
        raise AdminError(f"{db} exists; the demo needs a fresh database")
    server = open_server(db, open_checkin=True)  # a demo: try it with curl, no pairing
    seed_demo(server.store, server.keys, datetime.now(UTC))
    add_demo_admin(server.store, datetime.now(UTC))
    passes = write_demo_passes(server.store, server.keys, db.parent / "passes", datetime.now(UTC))
    port = args.port if args.port is not None else 8750 if args.no_window else 0
    if not args.no_window:
        from kiosk.app.run import run

        try:
            thread = ServerThread(server, args.host, port).start()
        except OSError as exc:
            raise AdminError(f"cannot listen on {args.host}:{port}: {exc.strerror}") from None
        config_path = db.parent / "kiosk.toml"
        config = with_value(Config(), "staff.pin_hash", staffpin.hash_pin(DEMO_STAFF_PIN))
        save_config(config, config_path)
        print(demo_text(thread.url, passes))
        print(
            f"Staff mode: hold the top-left corner for 3 s; staff PIN {DEMO_STAFF_PIN}.",
            flush=True,
        )
        print(f"Database {db}; admin API token in {server.keys_path}.", flush=True)
        print(f"Kiosk configuration {config_path}. Ctrl-C stops the kiosk.", flush=True)
        return run(config, args.windowed, _event_log(args), server=thread, config_path=config_path)
    try:
        sock = bind(args.host, port)
    except OSError as exc:
        raise AdminError(
            f"cannot listen on {args.host}:{port}: {exc.strerror} (try --port 0)"
        ) from None
    url = f"http://{args.host}:{sock.getsockname()[1]}"
    print(demo_text(url, passes))
    print(f"Database {db}; admin API token in {server.keys_path}. Ctrl-C stops.", flush=True)
    print(
        "A demo: anyone who reaches this port may check the demo members in, without pairing"
        " (`kiosk serve` takes paired devices only).",
        flush=True,
    )
    serve_forever(server, sock)
    return 0
