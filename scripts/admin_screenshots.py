"""Every web admin page in a real browser, at a desktop's and a phone's size, to PNG:
``make screenshots`` (with the kiosk's screens).

    python scripts/admin_screenshots.py [OUT_DIR]      (default docs/screenshots)

The server is the demo's, with a month of check-ins made through its API by a paired kiosk
(the clock stepped day by day), two members in now and a few refusals; Chromium (headless,
Debian's, through Selenium) signs in and visits each page: ``admin-<page>-<desktop|phone>.png``.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from kiosk.server.admins import Cost, Passwords, add_admin
from kiosk.server.demo import seed_demo
from kiosk.server.devices import DeviceService
from kiosk.server.runner import ServerThread, open_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import browser  # noqa: E402 - the tests' browser, after the path is set

EMAIL, PASSWORD = "desk@space.example", "a long desk password"
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)  # a Monday, 11:30 in Paris
PAGES = (
    ("signin", "/admin/signin"),
    ("whosin", "/admin/whosin"),
    ("members", "/admin/members"),
    ("member", "/admin/members/1"),
    ("member-new", "/admin/members/new"),
    ("pass", "/admin/members/1/pass"),
    ("plans", "/admin/plans"),
    ("locations", "/admin/locations"),
    ("reports", "/admin/reports"),
    ("failed", "/admin/failed"),
    ("kiosks", "/admin/kiosks"),
)
SIZES = {"desktop": browser.DESKTOP, "phone": browser.PHONE}
HEARTBEAT = {"Version": "0.1.0", "Reader": "ready (ACS ACR122U PICC Interface 00 00)",
             "Backend": "online", "Outbox": 0, "LastCheckin": "2026-03-02T10:27:00Z",
             "Uptime": 4 * 3600 + 720, "SettingsVersion": 1}  # fmt: skip
REGULARS = {"12345": (8, 9), "56789": (9, 7), "67890": (13, 4), "23456": (10, 5)}  # PIN: in, hours


class SteppedClock:
    """The server's clock, set by the script."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextlib.contextmanager
def demo_admin_server(folder: Path) -> Iterator[ServerThread]:
    """The demo server with an admin account and a month of history, running."""
    clock = SteppedClock(NOW - timedelta(days=28))
    server = open_server(folder / "checkin.db", clock=clock, passwords=Passwords(Cost(1, 8)))
    seed_demo(server.store, server.keys, clock(), timezone="Europe/Paris")
    add_admin(server.store, Passwords(Cost(1, 8)), EMAIL, PASSWORD, clock())
    devices = DeviceService(server.store, server.keys, clock)
    _, token = devices.pair(devices.add("Front desk").code)
    with ServerThread(server) as running:
        with httpx.Client(base_url=running.url, headers={"Authorization": f"Bearer {token}"}) as c:
            _history(c, clock)
            c.post("/api/public/heartbeat", json=HEARTBEAT)
        devices.pair(devices.add("Back door", "door").code)
        server.store.set_device_settings(1, {"kiosk.language": "fr"})
        yield running
    server.store.close()


def _history(kiosk: httpx.Client, clock: SteppedClock) -> None:
    """Four weeks of weekdays through the check-in API, then this morning."""
    start = NOW.replace(hour=0, minute=0) - timedelta(days=28)
    for day in range(29):
        midnight = start + timedelta(days=day)
        if midnight.weekday() >= 5:
            continue
        moments = []
        for n, (pin, (hour, hours)) in enumerate(REGULARS.items()):
            arrive = midnight + timedelta(hours=hour - 1, minutes=(day * 7 + n * 13) % 50)
            moments += [(arrive, pin), (arrive + timedelta(hours=hours - day % 3), pin)]
        for moment, pin in sorted(moments):
            if moment >= NOW:
                continue
            clock.now = moment
            kiosk.post("/api/public/checkin", json={"Pincode": pin, "Toggle": True})
    clock.now = NOW - timedelta(minutes=3)
    for refused in ({"Pincode": "78901"}, {"AccessCardId": "DEADBEEF77"}, {"Pincode": "45678"}):
        kiosk.post("/api/public/checkin", json=refused)
    clock.now = NOW


def shoot(out: Path) -> list[Path]:
    """Every page at every size into `out`; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as folder, demo_admin_server(Path(folder)) as server:
        for size_name, size in SIZES.items():
            with browser.chromium(size) as driver:
                driver.get(server.url + "/admin/signin")
                _save(driver, out / f"admin-signin-{size_name}.png", written)
                browser.sign_in(driver, server.url, EMAIL, PASSWORD)
                for name, path in PAGES[1:]:
                    driver.get(server.url + path)
                    _save(driver, out / f"admin-{name}-{size_name}.png", written)
    return written


def _save(driver: browser.WebDriver, path: Path, written: list[Path]) -> None:
    browser.screenshot(driver).save(path)
    written.append(path)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for made in shoot(target):
        print(made)
