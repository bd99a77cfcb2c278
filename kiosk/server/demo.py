"""Demo members that between them show every outcome; used by `kiosk demo` and the tests."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from kiosk.server.keys import InstallKeys
from kiosk.server.service import Enrolment, enrol
from kiosk.server.store import Store


@dataclasses.dataclass(frozen=True)
class DemoMember:
    """A demo member, their credentials in clear, and what checking them in shows."""

    name: str
    email: str
    password: str
    pin: str
    shows: str
    card: str | None = None
    token: str | None = None


DEMO_ADMIN = ("admin@demo.example", "demo admin password")  # the web admin's, at /admin
DEMO_MEMBERS = (
    DemoMember(
        "Ada Lovelace",
        "ada@example.com",
        "demo-ada",
        "12345",
        "plan holder: welcome until closing time",
        card="04A1B2C3D4E5F6",
    ),
    DemoMember(
        "Ben Okafor",
        "ben@example.com",
        "demo-ben",
        "23456",
        "pass holder: uses one of 5 day passes",
    ),
    DemoMember(
        "Chloé Martin",
        "chloe@example.com",
        "demo-chloe",
        "34567",
        "no plan, no pass: refused, no valid pass",
    ),
    DemoMember(
        "Dev Patel",
        "dev@example.com",
        "demo-dev",
        "45678",
        "inactive plan: refused, plan not active",
    ),
    DemoMember(
        "Eve Tanaka",
        "eve@example.com",
        "demo-eve",
        "56789",
        "phone: checks in by NFC token",
        token="7E3A91C4D2B85F06",  # noqa: S106
    ),
    DemoMember(
        "Frank Moreau",
        "frank@example.com",
        "demo-frank",
        "67890",
        "part-time plan: weekdays 09–17, 4 h a day, first location only",
        card="5F3C2A19",
    ),
    DemoMember(
        "Grace Hopper", "grace@example.com", "demo-grace", "78901", "disabled account: refused"
    ),
)


def local_timezone() -> str:
    """This machine's IANA time zone name, or UTC when it cannot be told."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    link = Path("/etc/localtime")
    if link.is_symlink():
        candidates.append(str(link.resolve()).partition("zoneinfo/")[2])
    zones = available_timezones()
    return next((c for c in candidates if c in zones), "UTC")


def seed_demo(store: Store, keys: InstallKeys, now: datetime, timezone: str | None = None) -> None:
    """Fill an empty store with two locations, two plans and `DEMO_MEMBERS`."""
    tz = timezone or local_timezone()
    ZoneInfo(tz)
    main = store.add_location("Demo Space", tz, now)
    annex = store.add_location("Demo Annex", tz, now)
    store.add_plan("Resident", [main.id, annex.id])
    store.add_plan(
        "Part-time",
        [main.id],
        days=range(1, 6),
        opens=time(9),
        closes=time(17),
        daily_limit_minutes=240,
    )
    plans = {"Ada": "Resident", "Dev": "Resident", "Eve": "Resident", "Frank": "Part-time"}
    today = now.date()
    for m in DEMO_MEMBERS:
        first = m.name.split()[0]
        enrol(
            store,
            keys,
            Enrolment(
                name=m.name,
                email=m.email,
                password=m.password,
                pin=m.pin,
                cards=(m.card,) if m.card else (),
                tokens=(m.token,) if m.token else (),
                tariff=plans.get(first),
                plan_active=first != "Dev",
                active=first != "Grace",
                teams=("Demo team",) if first in ("Ada", "Eve") else (),
                passes=5 if first == "Ben" else 0,
                passes_from=today,
                passes_until=today + timedelta(days=90),
            ),
            now,
        )


def add_demo_admin(store: Store, now: datetime) -> None:
    """The demo's web admin account (`DEMO_ADMIN`)."""
    from kiosk.server.admins import Passwords, add_admin

    add_admin(store, Passwords(), *DEMO_ADMIN, now)


def write_demo_passes(store: Store, keys: InstallKeys, folder: Path, now: datetime) -> Path:
    """A week's QR pass for every demo member, as ``<folder>/<first name>.png``; the folder."""
    from kiosk.server.qrpass import issue_for

    folder.mkdir(parents=True, exist_ok=True)
    for m in DEMO_MEMBERS:
        issued = issue_for(store, keys, m.email, timedelta(days=7), now)
        (folder / f"{m.name.split()[0].lower()}.png").write_bytes(issued.png())
    return folder


def demo_text(url: str | None = None, passes: Path | None = None) -> str:
    """The demo members and their credentials, as printed by `kiosk demo`."""
    lines = [f"Check-in server: {url}"] if url else []
    if url:
        lines.append(f"Web admin: {url}/admin  sign in as {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
    if passes is not None:
        lines.append(f"QR passes (scan from the screen or print): {passes}/<first name>.png")
    lines.append(f"{'member':<14} {'PIN':<6} {'card':<15} {'phone token':<17} {'email / password'}")
    for m in DEMO_MEMBERS:
        lines.append(
            f"{m.name:<14} {m.pin:<6} {m.card or '-':<15} {m.token or '-':<17} "
            f"{m.email} / {m.password}"
        )
        lines.append(f"{'':<14} ↳ {m.shows}")
    return "\n".join(lines)
