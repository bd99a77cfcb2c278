"""The ``kiosk`` command.

    kiosk demo                 the embedded server with demo members
    kiosk serve                the standalone check-in server
    kiosk members|locations|plans|passes …, kiosk checkins, kiosk failed

Errors print one line to stderr and exit 1; usage errors exit 2 (argparse).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from kiosk import __version__
from kiosk.server import admin


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="kiosk", description="A check-in kiosk for coworking spaces, and its server."
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="run the embedded server with demo members")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8750, help="0 picks a free port")
    demo.add_argument("--db", type=Path, help="database file (default: a fresh temporary one)")
    demo.set_defaults(handler=_demo)
    admin.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in `argv`; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code: int = args.handler(args)
    except admin.AdminError as exc:
        print(f"kiosk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


def _demo(args: argparse.Namespace) -> int:
    from kiosk.server.demo import demo_text, seed_demo
    from kiosk.server.runner import bind, open_server, serve_forever

    db = args.db or Path(tempfile.mkdtemp(prefix="kiosk-demo-")) / "demo.db"
    if db.exists():
        raise admin.AdminError(f"{db} exists; the demo needs a fresh database")
    server = open_server(db)
    seed_demo(server.store, server.keys, datetime.now(UTC))
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise admin.AdminError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror} (try --port 0)"
        ) from None
    url = f"http://{args.host}:{sock.getsockname()[1]}"
    print(demo_text(url))
    print(f"Database {db}; admin API token in {server.keys_path}. Ctrl-C stops.", flush=True)
    serve_forever(server, sock)
    return 0
