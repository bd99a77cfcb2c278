"""`kiosk presence`: the Wi-Fi presence agent (`kiosk.agent`), run on the space's router or
any Linux box on its network.

    kiosk devices add --db DB --name "Router" --kind presence      # on the server: a code
    kiosk presence --server http://checkin.lan:8750 --pair         # asks for the code once
    kiosk presence --server http://checkin.lan:8750 --leases /var/lib/misc/dnsmasq.leases
    kiosk presence --server … --neigh                              # the kernel's neighbours
    kiosk presence --server … --hostapd /run/hostapd/wlan0         # an access point's stations

The device token is kept in `--token-file` (0600), or given in $KIOSK_DEVICE_TOKEN; never on
the command line.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import ssl
import sys
import threading
from pathlib import Path
from types import FrameType

from kiosk.agent.hostapd import Hostapd
from kiosk.agent.leases import LeasesFile
from kiosk.agent.neighbours import COMMAND, Neighbours
from kiosk.agent.report import Reporter, SightingsClient
from kiosk.agent.run import EVERY, Agent
from kiosk.agent.seen import Source
from kiosk.backends.base import BackendError
from kiosk.backends.local.pairing import pair
from kiosk.cli.common import Sub
from kiosk.files import write_atomically
from kiosk.server.service import AdminError
from kiosk.settings.model import default_config_path

log = logging.getLogger(__name__)


def default_token_path() -> Path:
    """Beside the kiosk's own configuration: ``presence.token``."""
    return default_config_path().parent / "presence.token"


def add_commands(sub: Sub) -> None:
    """Register `kiosk presence`."""
    agent = sub.add_parser(
        "presence", help="report members' devices seen on the network to the check-in server"
    )
    agent.add_argument("--server", required=True, help="the server, e.g. http://checkin.lan:8750")
    agent.add_argument(
        "--pair", action="store_true",
        help="pair with the server (code from `kiosk devices add --kind presence`) and exit",
    )  # fmt: skip
    agent.add_argument(
        "--token-file", type=Path, default=default_token_path(),
        help="where the device token is kept (default: %(default)s)",
    )  # fmt: skip
    agent.add_argument("--business-id", type=int, help="the location (default: the first)")
    agent.add_argument(
        "--leases", type=Path, action="append", default=[],
        help="a dnsmasq or ISC dhcpd leases file (repeatable)",
    )  # fmt: skip
    agent.add_argument(
        "--neigh", action="store_true", help="the kernel's neighbour table (ip neigh)"
    )
    agent.add_argument("--netns", help="with --neigh: the network namespace to look in")
    agent.add_argument(
        "--hostapd", type=Path, action="append", default=[],
        help="a hostapd control socket, e.g. /run/hostapd/wlan0 (repeatable)",
    )  # fmt: skip
    agent.add_argument("--every", type=float, default=EVERY, help="seconds between reports")
    agent.add_argument("--once", action="store_true", help="report once and exit")
    agent.add_argument("--ca-file", type=Path, help="trust this CA for an HTTPS server")
    agent.set_defaults(handler=_presence)


def _presence(args: argparse.Namespace) -> int:
    verify = _verify(args.ca_file)
    if args.pair:
        return _pair(args, verify)
    sources = _sources(args)
    token = os.environ.get("KIOSK_DEVICE_TOKEN") or _token(args.token_file)
    client = SightingsClient(args.server, token, args.business_id, verify)
    agent = Agent(sources, Reporter(client))
    try:
        if args.once:
            flushed = agent.round()
            print(f"reported {flushed.sent} devices, {flushed.unknown} unknown", flush=True)
            if flushed.problem:
                raise AdminError(f"the server did not take them: {flushed.problem}")
            return 0
        if not 5 <= args.every <= 3600:
            raise AdminError("--every is 5 to 3600 seconds")
        stop = threading.Event()

        def stopping(_signal: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, stopping)
        signal.signal(signal.SIGINT, stopping)
        names = ", ".join(s.name for s in sources)
        print(f"Reporting devices seen ({names}) to {args.server}", flush=True)
        agent.run(stop, args.every)
    finally:
        client.close()
        for source in sources:
            source.close()
    return 0


def _sources(args: argparse.Namespace) -> list[Source]:
    sources: list[Source] = [LeasesFile(p) for p in args.leases]
    if args.neigh:
        netns = ("-n", args.netns) if args.netns else ()
        sources.append(Neighbours((COMMAND[0], *netns, *COMMAND[1:])))
    elif args.netns:
        raise AdminError("--netns goes with --neigh")
    sources += [Hostapd(p) for p in args.hostapd]
    if not sources:
        raise AdminError("say where devices are seen: --leases FILE, --neigh or --hostapd SOCKET")
    return sources


def _pair(args: argparse.Namespace, verify: ssl.SSLContext | bool) -> int:
    code = sys.stdin.readline().strip() if not sys.stdin.isatty() else input("Pairing code: ")
    try:
        paired = pair(args.server, code, verify=verify)
    except BackendError as exc:
        raise AdminError(f"not paired: {exc}") from None
    try:
        write_atomically(args.token_file, paired.token + "\n", private=True)
    except OSError as exc:
        raise AdminError(f"paired, but the token cannot be kept: {exc}") from None
    print(f"Paired with {args.server} as device {paired.device_id} ({paired.name}); token in"
          f" {args.token_file}")  # fmt: skip
    return 0


def _token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise AdminError(f"no device token in {path} ({why}): pair first with --pair") from None
    if not token:
        raise AdminError(f"{path} is empty: pair again with --pair")
    return token


def _verify(ca_file: Path | None) -> ssl.SSLContext | bool:
    if ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise AdminError(f"--ca-file {ca_file} cannot be used: {exc}") from None
