"""The Debian package for real (``make package-test``): its contents, lintian, installed on this
machine, the kiosk session under cage as the ``kiosk`` user, killed and brought back, upgraded
from a local APT repository while it runs, and purged without a trace.

CI is root and has Debian's tools. systemd is not PID 1 here, so the units are checked with
``systemd-analyze`` and their restart policy is carried out by `Supervisor`, which runs the
unit's own command line as its ``User=`` and restarts it as its ``Restart=`` and
``RestartSec=`` say, with ``NOTIFY_SOCKET`` and ``WATCHDOG_USEC`` as systemd sets them.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from kiosk.ui.theme import PAGE

DEB = Path(os.environ.get("KIOSK_DEB", "dist/kiosk.deb")).resolve()
UNITS = Path("/lib/systemd/system")
PATH = "/usr/local/bin:/usr/bin:/bin"
RUNTIME_BUDGET_MB = 350


def run(*command: str, input: str | None = None, check: bool = True) -> str:
    """A command's standard output; its failure shows what it said."""
    done = subprocess.run(
        command, input=input, capture_output=True, text=True, timeout=600, check=False
    )
    if check:
        assert done.returncode == 0, f"{shlex.join(command)}: {done.stdout}{done.stderr}"
    return done.stdout


def as_kiosk(*command: str, input: str | None = None) -> str:
    """`command` as the package's user, in its home, as kiosk.service runs it."""
    env = ["env", "-i", f"PATH={PATH}", "HOME=/var/lib/kiosk", "LANG=C.UTF-8"]
    return run("runuser", "-u", "kiosk", "--", *env, *command, input=input)


def version_of(deb: Path) -> str:
    return run("dpkg-deb", "--field", str(deb), "Version").strip()


@pytest.fixture(scope="module")
def installed() -> Iterator[list[str]]:
    """The package installed with its dependencies (apt resolves them); what it installed."""
    assert DEB.exists(), f"{DEB}: build it first (make deb)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--allow-downgrades", str(DEB)],
        check=True, env=env, capture_output=True, timeout=600,
    )  # fmt: skip
    yield run("dpkg", "-L", "kiosk").split("\n")
    if run("dpkg-query", "-W", "-f=${Status}", "kiosk", check=False).startswith("install"):
        run("dpkg", "--purge", "kiosk")


def test_the_package_holds_the_kiosk_its_units_and_rules_and_no_build_tools() -> None:
    contents = run("dpkg-deb", "--contents", str(DEB))
    paths = {line.split()[5].removeprefix(".") for line in contents.splitlines()}
    for path in (
        "/usr/bin/kiosk",
        "/opt/kiosk/bin/python3",
        "/lib/systemd/system/kiosk.service",
        "/lib/systemd/system/kiosk-server.service",
        "/lib/systemd/system/kiosk-presence.service",
        "/etc/default/kiosk-presence",
        "/etc/pam.d/kiosk",
        "/etc/modprobe.d/kiosk-nfc.conf",
        "/etc/default/kiosk-server",
        "/usr/share/polkit-1/rules.d/50-kiosk-pcscd.rules",
        "/lib/udev/rules.d/60-kiosk-readers.rules",
        "/usr/share/doc/kiosk/copyright",
        "/usr/share/doc/kiosk/changelog.gz",
    ):
        assert path in paths, path
    assert "/usr/bin/kiosk -> /opt/kiosk/bin/kiosk" in contents
    site = "/opt/kiosk/lib/python3.11/site-packages/"
    assert any(path.startswith(site + "kiosk/") for path in paths)
    for left_out in ("pip/", "setuptools/", "pytest/", "mypy/", "ruff", "hypothesis/"):
        assert not any(path.startswith(site + left_out) for path in paths), left_out
    assert not any("__pycache__" in path for path in paths)
    assert not any("WebEngine" in path or "Qt3D" in path for path in paths)
    fields = run("dpkg-deb", "--field", str(DEB), "Depends")
    for needed in ("pcscd", "cage", "xwayland", "libwayland-cursor0", "libwayland-egl1"):
        assert re.search(rf"\b{needed}\b", fields), needed
    conffiles = run("dpkg-deb", "--info", str(DEB), "conffiles").split()
    assert conffiles == ["/etc/default/kiosk-presence", "/etc/default/kiosk-server",
                         "/etc/modprobe.d/kiosk-nfc.conf", "/etc/pam.d/kiosk"]  # fmt: skip


def test_lintian_finds_no_errors() -> None:
    done = subprocess.run(
        ["lintian", "--fail-on", "error", str(DEB)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\nE: " not in "\n" + done.stdout


def test_installed_it_runs_from_usr_bin_as_root_and_as_its_user(installed: list[str]) -> None:
    version = version_of(DEB)
    assert run("/usr/bin/kiosk", "--version").strip() == f"kiosk {version.split('+')[0]}"
    assert as_kiosk("kiosk", "--version").startswith("kiosk ")
    user = run("getent", "passwd", "kiosk").strip().split(":")
    assert user[5] == "/var/lib/kiosk"
    home = Path("/var/lib/kiosk").stat()
    assert (home.st_uid, home.st_mode & 0o777) == (int(user[2]), 0o700)
    modules = "PySide6.QtMultimedia, PySide6.QtMultimediaWidgets, PySide6.QtSvg, smartcard"
    as_kiosk("/opt/kiosk/bin/python3", "-c", f"import {modules}, zxingcpp, uvicorn")


def test_every_library_in_the_environment_finds_what_it_loads(installed: list[str]) -> None:
    missing = []
    for path in Path("/opt/kiosk").rglob("*.so*"):
        if path.is_file() and not path.is_symlink():
            found = run("ldd", str(path), check=False)
            missing += [
                f"{path}: {line.strip()}" for line in found.splitlines() if "not found" in line
            ]
    assert missing == []


def test_the_runtime_environment_is_lean(installed: list[str]) -> None:
    size = int(run("du", "-sm", "/opt/kiosk").split()[0])
    print(f"/opt/kiosk: {size} MB")
    assert size < RUNTIME_BUDGET_MB


def test_the_units_verify_and_the_server_is_hardened(installed: list[str]) -> None:
    names = ("kiosk.service", "kiosk-server.service", "kiosk-presence.service")
    run("systemd-analyze", "verify", *(str(UNITS / n) for n in names))
    for unit, most in zip(names, (4.5, 2.0, 2.5), strict=True):
        report = run("systemd-analyze", "security", "--offline=true", str(UNITS / unit))
        found = re.search(r"Overall exposure level for \S+: ([\d.]+)", report)
        assert found, report
        print(f"{unit}: exposure {found.group(1)}")
        assert float(found.group(1)) <= most, report


class Supervisor:
    """What systemd does with a ``Type=notify`` unit, for a system where it is not PID 1: runs
    ``ExecStart=`` as ``User=`` (with the environment systemd and logind would give it, and
    headless cage), and starts it again as ``Restart=``/``RestartSec=`` say."""

    def __init__(self, unit: Path, base: Path, extra: dict[str, str]) -> None:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(unit)
        service = parser["Service"]
        self.command = shlex.split(service["ExecStart"])
        self.user = service["User"]
        assert service["WorkingDirectory"] == "~"  # the user's home
        self.restart = service["Restart"]
        self.restart_sec = float(service["RestartSec"])
        self.watchdog_usec = str(int(float(service["WatchdogSec"]) * 1e6))
        self.base, self.extra = base, extra
        self.starts: list[float] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def _supervise(self) -> None:
        while not self._stop.is_set():
            env = {
                "PATH": PATH,
                "HOME": "/var/lib/kiosk",
                "LANG": "C.UTF-8",
                "XDG_RUNTIME_DIR": str(self.base / "run"),  # logind's /run/user/UID
                "NOTIFY_SOCKET": str(self.base / "notify"),
                "WATCHDOG_USEC": self.watchdog_usec,
                **self.extra,
            }
            assignments = [f"{key}={value}" for key, value in env.items()]
            with (self.base / "log" / "stderr").open("ab") as stderr:
                self.proc = subprocess.Popen(
                    ["runuser", "-u", self.user, "--", "env", "-i", *assignments, *self.command],
                    stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
                    cwd="/var/lib/kiosk",
                )  # fmt: skip
            self.starts.append(time.monotonic())
            code = self.proc.wait()
            if self.restart != "always" and not (self.restart == "on-failure" and code):
                return
            self._stop.wait(self.restart_sec)  # the policy's own delay, as systemd waits it

    def stop(self) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._thread.join(timeout=30)


class Session:
    """kiosk.service under `Supervisor`: its notifications, event log and screen."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(base / "notify"))
        (base / "notify").chmod(0o666)  # the kiosk user sends to it, as to systemd's
        self.events = base / "log" / "events.jsonl"
        headless = {"WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman"}
        self.supervisor = Supervisor(
            UNITS / "kiosk.service", base, {**headless, "KIOSK_EVENT_LOG": str(self.events)}
        ).start()

    def next_state(self, within: float = 90) -> str:
        """The next notification that is not a watchdog ping (`within` seconds bound a broken
        kiosk; the notification itself ends the wait)."""
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            self.notify.settimeout(left)
            message = self.notify.recv(256).decode()
            if message != "WATCHDOG=1":
                return message
        raise TimeoutError(f"no notification within {within} s")

    def screenshot(self) -> Image.Image:
        shot = self.base / "log" / "shot.png"
        shot.unlink(missing_ok=True)
        env = [f"XDG_RUNTIME_DIR={self.base / 'run'}", "WAYLAND_DISPLAY=wayland-0"]
        run("runuser", "-u", "kiosk", "--", "env", *env, "grim", str(shot))
        with Image.open(shot) as image:
            return image.convert("RGB")

    def kiosk_pid(self) -> int:
        """The kiosk's own process (cage's child, in the supervised process group)."""
        assert self.supervisor.proc is not None
        group = os.getpgid(self.supervisor.proc.pid)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    line = (entry / "cmdline").read_bytes().split(b"\0")
                    ours = os.getpgid(int(entry.name)) == group
                    if ours and line[1:5] == [b"-P", b"-m", b"kiosk", b"run"]:
                        return int(entry.name)
                except (OSError, IndexError):
                    continue
        raise AssertionError("the kiosk is not running")

    def close(self) -> None:
        self.supervisor.stop()
        self.notify.close()


@pytest.fixture(scope="module")
def session(installed: list[str]) -> Iterator[Session]:
    """A set-up kiosk (a location on its embedded server, a staff PIN) in its session."""
    as_kiosk("kiosk", "locations", "add", "--name", "Main Street", "--timezone", "Europe/Paris")
    as_kiosk("kiosk", "config", "set", "kiosk.location", "1")
    as_kiosk("kiosk", "config", "set-staff-pin", input="975312\n975312\n")
    base = Path(tempfile.mkdtemp(prefix="kiosk-session-", dir="/tmp"))
    base.chmod(0o755)
    for name in ("run", "log"):
        (base / name).mkdir(mode=0o700)
        shutil.chown(base / name, "kiosk", "kiosk")
    running = Session(base)
    yield running
    running.close()
    shutil.rmtree(base, ignore_errors=True)


def test_at_boot_the_session_shows_the_idle_screen_fullscreen(session: Session) -> None:
    assert session.next_state() == "READY=1\nSTATUS=idle screen shown"
    shot = session.screenshot()
    assert shot.size == (1280, 720)  # headless cage's whole output
    page = tuple(int(PAGE[i : i + 2], 16) for i in (1, 3, 5))
    corners = [(0, 0), (1279, 0), (0, 719), (1279, 719)]
    assert [shot.getpixel(corner) for corner in corners] == [page] * 4
    colours = shot.getcolors(1 << 20) or []
    assert len(colours) > 20  # words and buttons, not a blank screen
    stderr = (session.base / "log" / "stderr").read_text()
    assert "could not load the qt platform plugin" not in stderr.lower()
    assert '"event": "ready"' in session.events.read_text()


def test_a_killed_kiosk_is_back_within_seconds(session: Session) -> None:
    pid = session.kiosk_pid()
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    assert session.next_state() == "READY=1\nSTATUS=idle screen shown"
    back = time.monotonic() - killed
    print(f"killed kiosk back on screen after {back:.1f} s")
    assert len(session.supervisor.starts) == 2
    assert session.kiosk_pid() != pid


def test_an_upgrade_from_the_apt_repository_restarts_the_idle_kiosk(
    session: Session, tmp_path: Path
) -> None:
    unpacked = tmp_path / "unpacked"
    run("dpkg-deb", "--raw-extract", str(DEB), str(unpacked))
    version = version_of(DEB) + "+upgrade1"
    control = unpacked / "DEBIAN" / "control"
    control.write_text(re.sub(r"(?m)^Version: .*$", f"Version: {version}", control.read_text()))
    newer = tmp_path / "kiosk-upgrade.deb"
    run("dpkg-deb", "--root-owner-group", "-Zxz", "-z0", "--build", str(unpacked), str(newer))
    repo = tmp_path / "apt"
    run(str(Path(__file__).parents[1] / "apt_repo.sh"), str(repo), str(newer))
    sources = tmp_path / "kiosk.list"
    sources.write_text(f"deb [trusted=yes] file:{repo} ./\n")
    lists = tmp_path / "lists"
    (lists / "partial").mkdir(parents=True)
    apt = ["-o", f"Dir::Etc::SourceList={sources}", "-o", "Dir::Etc::SourceParts=-",
           "-o", f"Dir::State::Lists={lists}"]  # fmt: skip
    pid = session.kiosk_pid()
    run("apt-get", *apt, "update", "-qq")
    run("apt-get", *apt, "install", "-y", "-qq", "kiosk")
    assert run("dpkg-query", "-W", "-f=${Version}", "kiosk") == version
    assert session.next_state() == "RELOADING=1"  # at the next idle moment, by itself
    assert session.next_state() == "READY=1\nSTATUS=idle screen shown"
    assert session.kiosk_pid() == pid  # the same process, on the new code
    assert len(session.supervisor.starts) == 2  # the session did not end


def test_a_portrait_screen_is_turned_by_the_next_session(session: Session) -> None:
    as_kiosk("kiosk", "config", "set", "display.rotation", "90")
    starts = len(session.supervisor.starts)
    os.kill(session.kiosk_pid(), signal.SIGTERM)  # as staff's Exit: the session ends
    assert session.next_state() == "STOPPING=1"
    assert session.next_state() == "READY=1\nSTATUS=idle screen shown"
    assert len(session.supervisor.starts) == starts + 1
    shot = session.screenshot()
    assert shot.size == (720, 1280)  # the output turned a quarter clockwise
    page = tuple(int(PAGE[i : i + 2], 16) for i in (1, 3, 5))
    assert shot.getpixel((0, 0)) == shot.getpixel((719, 1279)) == page


def test_purge_leaves_nothing_behind(installed: list[str], session: Session) -> None:
    session.close()
    files = [path for path in installed if path and not Path(path).is_dir()]
    assert "/usr/bin/kiosk" in files
    run("dpkg", "--purge", "kiosk")
    assert [path for path in files if os.path.lexists(path)] == []
    for path in ("/opt/kiosk", "/var/lib/kiosk", "/etc/pam.d/kiosk", "/etc/default/kiosk-server"):
        assert not os.path.lexists(path), path
    assert run("getent", "passwd", "kiosk", check=False) == ""
    assert run("getent", "group", "kiosk", check=False) == ""
