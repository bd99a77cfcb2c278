"""`kiosk run --backend-url` in its own process, on a real X display, against the real server.

A person's keystrokes come from xdotool; what happened is read from the event log and the
server's own records.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageGrab

from kiosk.server.devices import DeviceService
from kiosk.server.runner import ServerThread
from kiosk.server.store import Store
from kiosk.server.store.models import Location
from tests.helpers.clock import FakeClock
from tests.helpers.server import admin_client, demo_db, demo_server
from tests.helpers.xvfb import read_events, wait_event, wait_for, xdotool, xvfb


@pytest.fixture
def display() -> Iterator[str]:
    with xvfb() as name:
        yield name


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    with demo_server(tmp_path / "server" / "checkin.db", FakeClock()) as running:
        yield running


STAFF_PIN = "975312"


def start_kiosk(
    tmp_path: Path,
    display: str,
    *args: str,
    staff_pin: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """`kiosk run ARGS` (with `env` added to the environment); first, as a provisioning script
    would, the staff PIN is set with `kiosk config set-staff-pin` (in the config file given,
    else the default one)."""
    env = kiosk_env(tmp_path, display, env)
    if staff_pin:
        config = [args[args.index("--config") + 1]] if "--config" in args else []
        configure(env, ["set-staff-pin", *(["--config", *config] if config else [])],
                  f"{STAFF_PIN}\n{STAFF_PIN}\n")  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kiosk_env(tmp_path: Path, display: str, extra: dict[str, str] | None) -> dict[str, str]:
    """The kiosk's environment: its own home under `tmp_path`, the X display, and `extra`."""
    home = tmp_path / "home"
    return {
        **os.environ,
        **(extra or {}),
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
    }


def configure(env: dict[str, str], args: list[str], typed: str) -> None:
    """`kiosk config ARGS` with `typed` on its standard input, as a provisioning script would."""
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "config", *args],
        input=typed,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert typed.split("\n")[0] not in done.stdout + done.stderr or not typed.strip()


def pair(tmp_path: Path, display: str, server: ServerThread, config: Path | None = None) -> None:
    """Pair the kiosk with `server` as staff would: a code from `kiosk devices add` (made here
    on the server's store), given to `kiosk config pair` on its standard input."""
    code = DeviceService(server.server.store, server.server.keys).add("Front desk").code
    at = ["--config", str(config)] if config else []
    configure(kiosk_env(tmp_path, display, None), ["pair", server.url, *at], f"{code}\n")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err


def focus_kiosk(display: str) -> None:
    """Give the kiosk's window the keyboard, as a person's first touch would."""
    window = xdotool(display, "search", "--sync", "--name", "Check-in kiosk").split()[0]
    xdotool(display, "windowfocus", "--sync", window)


def type_pin(display: str, log: Path, pin: str, enter: str) -> dict[str, Any]:
    """Wait for the idle screen, type `pin` and `enter` as a person would; the outcome event."""
    wait_event(log, "ready")
    focus_kiosk(display)
    before = len(read_events(log))
    xdotool(display, "type", "--delay", "120", pin)  # a quick person: 8 keys a second
    xdotool(display, "key", enter)
    return wait_event(log, "outcome", after=before)


def test_a_pin_typed_on_the_keyboard_checks_in_through_the_real_server(
    tmp_path: Path, display: str, server: ServerThread
) -> None:
    log = tmp_path / "events.jsonl"
    pair(tmp_path, display, server)
    proc = start_kiosk(tmp_path, display, "--backend-url", server.url, "--event-log", str(log))
    try:
        outcome = type_pin(display, log, "12345", "Return")
    finally:
        code, err = stop(proc)
    assert outcome["status"] == "checked_in", outcome
    assert outcome["member"] == "Ada Lovelace"
    assert outcome["session_expire"]
    assert outcome["latency_ms"] > 0
    credential = wait_event(log, "credential")
    assert (credential["kind"], credential["value"]) == ("pin", "•••••")
    assert "12345" not in log.read_text() + err
    assert code == 0, err
    with admin_client(server) as admin:
        records = admin.get("/api/spaces/checkins", params={"Open": "true"}).json()["Records"]
    assert [r["CoworkerFullName"] for r in records] == ["Ada Lovelace"]


def test_without_a_backend_url_the_embedded_server_runs_in_the_kiosk(
    tmp_path: Path, display: str
) -> None:
    db = demo_db(tmp_path / "embedded" / "checkin.db")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backend]\ndb = "{db}"\n[kiosk]\nlocation = 2\n')
    log = tmp_path / "events.jsonl"
    proc = start_kiosk(tmp_path, display, "--config", str(config), "--event-log", str(log))
    try:
        wait_event(log, "backend")  # the embedded server is up and answered
        outcome = type_pin(display, log, "67890", "KP_Enter")
    finally:
        code, err = stop(proc)
    assert code == 0, err
    # Frank's part-time plan covers only the first location: this kiosk is at the annex
    assert (outcome["status"], outcome["reason"]) == ("rejected", "access_restricted"), outcome
    assert outcome["member"] == "Frank Moreau"


def test_a_broken_config_still_boots_on_the_last_good_settings(
    tmp_path: Path, display: str
) -> None:
    """A file broken after it was saved: the kiosk boots to its idle screen on the settings
    last saved, says why in the log (and to staff), and exits cleanly."""
    config = tmp_path / "kiosk.toml"
    log = tmp_path / "events.jsonl"
    env = kiosk_env(tmp_path, display, None)
    configure(env, ["set-staff-pin", "--config", str(config)], f"{STAFF_PIN}\n{STAFF_PIN}\n")
    config.write_text('[kiosk]\nmode = "sideways"\n')
    proc = start_kiosk(
        tmp_path, display, "--config", str(config), "--event-log", str(log), staff_pin=False
    )
    try:
        wait_event(log, "ready")
        problem = wait_event(log, "config")["problem"]
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "kiosk.mode = 'sideways' is not allowed" in problem
    assert problem.endswith("running on the last good settings")
    assert "Traceback" not in err


# xdotool types a scan 2 ms a key, but on a loaded machine it can be descheduled for longer
# than the default 30 ms gap, splitting the burst; the widest gap keeps a burst whole here
# (telling bursts from typing by their timing is unit-tested, tests/unit/inputs/test_wedge.py).
SCANNER = "[wedge]\ngap_ms = 200\n"


def scan(display: str, log: Path, text: str) -> int:
    """Type `text` and Enter as a keyboard-wedge scanner would: 2 ms a key. The event count
    before."""
    wait_event(log, "ready")
    wait_event(log, "reader")  # started: the reader reports once the kiosk runs
    focus_kiosk(display)
    before = len(read_events(log))
    xdotool(display, "type", "--delay", "2", text + "\n")
    return before


def test_a_pass_scanned_into_the_running_kiosk_checks_in_and_a_tampered_one_is_refused(
    tmp_path: Path, display: str, server: ServerThread
) -> None:
    from datetime import timedelta

    from kiosk.passes import Subject

    ada = server.server.store.find_member(email="ada@example.com")
    assert ada is not None
    text = server.server.keys.issuer.issue(Subject.member(ada.id), FakeClock()(), timedelta(1))
    at = len(text) - 20
    tampered = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]
    log = tmp_path / "events.jsonl"
    config = tmp_path / "kiosk.toml"
    config.write_text(f"[timeouts]\nresult = 1\n{SCANNER}")
    args = ["--config", str(config), "--backend-url", server.url, "--event-log", str(log)]
    pair(tmp_path, display, server, config)
    proc = start_kiosk(tmp_path, display, *args)

    def back_to_idle() -> None:
        after = len(read_events(log))
        wait_for(
            lambda: any(e.get("name") == "idle" for e in read_events(log)[after:]),
            10,
            "the result screen did not go back to idle",
        )

    try:
        good = wait_event(log, "outcome", after=scan(display, log, text))
        back_to_idle()
        bad = wait_event(log, "outcome", after=scan(display, log, tampered))
        back_to_idle()
        url = wait_event(log, "read_failed", after=scan(display, log, "https://example.com/x"))
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert (good["status"], good["member"]) == ("checked_in", "Ada Lovelace"), good
    assert (bad["status"], bad["reason"]) == ("rejected", "invalid_pass"), bad
    assert (url["reader"], url["reason"]) == ("wedge", "not_a_pass")
    assert text not in log.read_text() + err
    with admin_client(server) as admin:
        failed = admin.get("/api/spaces/failedcheckins").json()["Records"]
    assert "bad signature" in failed[0]["Description"]


def test_staff_mode_opens_with_a_corner_hold_and_the_staff_pin(
    tmp_path: Path, display: str, server: ServerThread
) -> None:
    log = tmp_path / "events.jsonl"
    proc = start_kiosk(tmp_path, display, "--backend-url", server.url, "--event-log", str(log))
    try:
        wait_event(log, "ready")  # provisioned: straight to the idle screen, no setup
        focus_kiosk(display)
        xdotool(display, "mousemove", "--sync", "5", "5", "mousedown", "1")
        auth = wait_event(log, "staff")
        xdotool(display, "mouseup", "1")
        xdotool(display, "type", "--delay", "120", STAFF_PIN)
        xdotool(display, "key", "Return")
        states = wait_for(
            lambda: [e["state"] for e in read_events(log) if e["event"] == "staff"][1:] or None,
            20,
            "staff mode did not open",
        )
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert (auth["state"], states) == ("auth", ["open"])
    assert STAFF_PIN not in log.read_text() + err


def click_at(display: str, x: int, y: int) -> None:
    """A tap at (x, y) on the 1280×800 screen."""
    xdotool(display, "mousemove", "--sync", str(x), str(y), "click", "1")


def wizard_at(log: Path, step: str, after: int = 0) -> dict[str, Any]:
    """The wizard's event once `step` shows with its locations loaded."""

    def find() -> dict[str, Any] | None:
        found = [
            e
            for e in read_events(log)[after:]
            if e["event"] == "wizard" and e["step"] == step and not e["loading"]
        ]
        return found[-1] if found else None

    reached: dict[str, Any] = wait_for(find, 20, f"the wizard did not reach {step}")
    return reached


def test_a_first_start_is_set_up_on_the_touchscreen(tmp_path: Path, display: str) -> None:
    config = tmp_path / "config" / "kiosk.toml"  # no file: a first start
    log = tmp_path / "events.jsonl"
    proc = start_kiosk(
        tmp_path, display, "--config", str(config), "--event-log", str(log), staff_pin=False
    )
    next_button, zone, add_location = (950, 735), (640, 228), (640, 302)  # as on
    # docs/screenshots/staff-wizard-location-empty-1280x800.png
    try:
        wait_for(
            lambda: [e for e in read_events(log) if e.get("state") == "setup"] or None,
            20,
            "no staff PIN was asked for",
        )
        focus_kiosk(display)
        for _ in range(2):
            xdotool(display, "type", "--delay", "60", "258036")
            xdotool(display, "key", "Return")
        wizard_at(log, "backend")
        click_at(display, *next_button)  # the kiosk's own server, preselected
        empty = wizard_at(log, "location")
        assert empty["places"] == 0
        click_at(display, *zone)  # the list of zones: a few letters of the city find it
        xdotool(display, "type", "--delay", "30", "tokyo")
        xdotool(display, "key", "Return")
        click_at(display, *add_location)
        xdotool(display, "type", "--delay", "30", "Main Street")
        xdotool(display, "key", "Return")
        wait_for(
            lambda: 'location = "1"' in (config.read_text() if config.exists() else "") or None,
            20,
            "the new location was not chosen",
        )
        click_at(display, *next_button)
        wizard_at(log, "ready")
        click_at(display, *next_button)  # Start the kiosk
        wait_for(
            lambda: [e for e in read_events(log) if e.get("state") == "closed"] or None,
            20,
            "the wizard did not end at the idle screen",
        )
    finally:
        code, err = stop(proc)
    assert code == 0, err
    states = [e["state"] for e in read_events(log) if e["event"] == "staff"]
    assert states == ["setup", "wizard", "closed"]
    db = tmp_path / "home" / ".local/share" / "kiosk" / "checkin.db"
    store = Store(db)
    try:
        assert store.locations() == [Location(1, "Main Street", "Asia/Tokyo")]
    finally:
        store.close()
    assert "2580" not in log.read_text() + err + config.read_text()


def offline() -> dict[str, str]:
    """An environment where every HTTPS request goes to a proxy that is not there: the
    building's network is down (and nothing here reaches the real services anyway)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = f"http://127.0.0.1:{port}"
    return {"HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}


CLOUDS = {
    "nexudus": 'kind = "nexudus"\nsubdomain = "harbour"\nusername = "admin@harbour.example"',
    "kadence": 'kind = "kadence"\nclient_id = "kiosk-reception"',
}


@pytest.mark.parametrize("cloud", list(CLOUDS))
def test_a_cloud_backend_out_of_reach_is_said_plainly_and_the_kiosk_keeps_going(
    tmp_path: Path, display: str, cloud: str
) -> None:
    config = tmp_path / "kiosk.toml"
    scanner = SCANNER if cloud == "kadence" else ""  # Nexudus members type, Kadence's scan
    config.write_text(f'[backend]\n{CLOUDS[cloud]}\n[kiosk]\nlocation = "1204"\n{scanner}')
    secret = "backend.password" if cloud == "nexudus" else "backend.client_secret"
    env = offline()
    configure(kiosk_env(tmp_path, display, env), ["set-secret", secret, "--config", str(config)],
              "S3cret-not-logged\n")  # fmt: skip
    log = tmp_path / "events.jsonl"
    proc = start_kiosk(tmp_path, display, "--config", str(config), "--event-log", str(log), env=env)
    outcomes = []
    try:
        for member in ("ada", "ben"):
            if cloud == "nexudus":
                outcomes.append(type_pin(display, log, "12345", "Return"))  # typed: meant twice
            else:  # a QR code carrying the member's email, from a keyboard-wedge scanner
                before = scan(display, log, f"mailto:{member}@example.com")
                outcomes.append(wait_event(log, "outcome", after=before))
            assert proc.poll() is None, "the kiosk stopped"
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "Traceback" not in err
    for outcome in outcomes:  # kept, to be sent once the backend is back
        assert (outcome["status"], outcome["reason"]) == ("queued", None), outcome
    states = [e["online"] for e in read_events(log) if e["event"] == "backend"]
    assert states, "the backend's state was never shown"
    assert not any(states), states  # never shown online
    outbox = tmp_path / "kiosk.outbox.db"
    assert kept_in(outbox) == 2
    assert outbox.stat().st_mode & 0o777 == 0o600
    text = log.read_text() + err + outbox.read_bytes().decode("latin-1")
    for secret_text in ("12345", "ada@example.com", "S3cret-not-logged"):
        assert secret_text not in text


def test_sigterm_with_a_check_in_pending_exits_cleanly(tmp_path: Path, display: str) -> None:
    """A backend that takes the request and never answers; SIGTERM while the member waits."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)  # connections are taken; nothing is ever answered
        url = f"http://127.0.0.1:{hole.getsockname()[1]}"
        log = tmp_path / "events.jsonl"
        config = tmp_path / "kiosk.toml"
        config.write_text("[backend]\ntimeout = 30\n")
        proc = start_kiosk(
            tmp_path, display, "--config", str(config), "--backend-url", url,
            "--event-log", str(log),
        )  # fmt: skip
        try:
            wait_event(log, "ready")
            focus_kiosk(display)
            xdotool(display, "type", "--delay", "120", "12345")
            xdotool(display, "key", "KP_Enter")
            wait_event(log, "credential")
        finally:
            code, err = stop(proc)
    assert code == 0, err
    assert "Traceback" not in err, err
    assert " ERROR " not in err, err
    assert kept_in(tmp_path / "kiosk.outbox.db") == 1  # it may have arrived: kept to settle


def kept_in(outbox: Path) -> int:
    """How many attempts the kiosk's outbox file keeps (WAL included)."""
    with contextlib.closing(sqlite3.connect(outbox)) as db:
        return int(db.execute("SELECT count(*) FROM entries").fetchone()[0])


def test_on_a_bare_x_server_the_window_takes_the_whole_small_screen(tmp_path: Path) -> None:
    """No window manager (the Raspberry Pi's 7" screen run from xinit, 800×480): the window
    is sized to the screen, not left at its own 1280×800 and cut off."""
    db = demo_db(tmp_path / "embedded" / "checkin.db")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backend]\ndb = "{db}"\n[kiosk]\nlocation = 1\n')
    log = tmp_path / "events.jsonl"
    with xvfb(800, 480) as small:
        proc = start_kiosk(tmp_path, small, "--config", str(config), "--event-log", str(log))
        try:
            wait_event(log, "ready")
            window = xdotool(small, "search", "--sync", "--name", "Check-in kiosk").split()[0]
            shape = xdotool(small, "getwindowgeometry", "--shell", window)
            shot = ImageGrab.grab(xdisplay=small)  # the whole X screen, as a person sees it
        finally:
            code, err = stop(proc)
    assert code == 0, err
    geometry = dict(line.split("=") for line in shape.split())
    assert (geometry["X"], geometry["Y"]) == ("0", "0")
    assert (geometry["WIDTH"], geometry["HEIGHT"]) == ("800", "480")
    assert shot.size == (800, 480)
    background = shot.getpixel((400, 470))  # the idle screen's, not the bare root's black
    assert background != (0, 0, 0)
    corners = [(0, 0), (799, 0), (0, 479), (799, 479)]
    assert all(shot.getpixel(corner) == background for corner in corners)


def test_under_systemd_the_kiosk_says_ready_and_pings_the_watchdog(
    tmp_path: Path, display: str
) -> None:
    """kiosk.service (Type=notify, WatchdogSec): READY once the idle screen shows, pings from
    Qt's loop while it runs, STOPPING on SIGTERM."""
    db = demo_db(tmp_path / "embedded" / "checkin.db")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[backend]\ndb = "{db}"\n[kiosk]\nlocation = 1\n')
    log = tmp_path / "events.jsonl"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
        manager.bind(str(tmp_path / "notify"))
        manager.settimeout(60)  # the events decide; this only bounds a broken kiosk
        env = {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "500000"}
        proc = start_kiosk(
            tmp_path, display, "--config", str(config), "--event-log", str(log), env=env
        )
        try:
            while (message := manager.recv(64)) == b"WATCHDOG=1":
                pass  # pings may start while it starts up
            assert message == b"READY=1\nSTATUS=idle screen shown"
            assert "ready" in [event["event"] for event in read_events(log)]
            assert [manager.recv(64) for _ in range(2)] == [b"WATCHDOG=1"] * 2
        finally:
            code, err = stop(proc)
        while (message := manager.recv(64)) == b"WATCHDOG=1":
            pass
    assert code == 0, err
    assert message == b"STOPPING=1"
