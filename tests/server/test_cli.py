"""The ``kiosk`` command: admin commands in process, ``serve`` and ``demo`` as real processes."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.cli.main import build_parser, main
from kiosk.server.service import open_store
from kiosk.settings.vault import Secret, open_vault
from tests.helpers.xvfb import wait_event


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`kiosk ARGV`; a `members add` gets its --pin and --password on standard input, as an
    operator types or pipes them (never on the command line)."""
    args, typed = list(argv), []
    if args[:2] == ["members", "add"]:
        for option in ("--pin", "--password"):
            if option in args:
                at = args.index(option) + 1
                typed.append(args[at])
                args[at] = "-"
    stdin = sys.stdin
    sys.stdin = io.StringIO("".join(f"{line}\n" for line in typed))
    try:
        code = main(args)
    finally:
        sys.stdin = stdin
    out, err = capsys.readouterr()
    return code, out, err


def add_member(
    capsys: pytest.CaptureFixture[str], db: str, name: str, email: str, *more: str
) -> tuple[int, str, str]:
    return run(capsys, "members", "add", "--db", db, "--name", name, "--email", email, *more)


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "cli.db")
    assert (
        run(
            capsys, "locations", "add", "--db", path, "--name", "Main", "--timezone", "Europe/Paris"
        )[0]
        == 0
    )
    assert run(capsys, "plans", "add", "--db", path, "--name", "Resident")[0] == 0
    return path


def test_a_pin_or_password_on_the_command_line_is_refused_unless_insecure(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["members", "add", "--db", db, "--name", "Ada", "--email", "ada@example.com"]
    assert main([*argv, "--pin", "12345"]) == 1
    assert "seen in `ps` and shell history" in capsys.readouterr().err
    assert main([*argv, "--password", "Hunter2-pass"]) == 1
    assert main([*argv, "--pin", "12345", "--insecure-args"]) == 0
    assert "12345" not in capsys.readouterr().out


def test_enrol_list_and_remove(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = add_member(
        capsys,
        db,
        "Ada Lovelace",
        "ada@example.com",
        "--pin",
        "12345",
        "--card",
        "04:a1:b2",
        "--token",
        "tok-123456",
        "--passes",
        "3",
        "--tariff",
        "Resident",
    )
    assert code == 0
    assert "Enrolled Ada Lovelace" in out
    assert "12345" not in out
    code, out, _ = run(capsys, "members", "list", "--db", db)
    assert code == 0
    assert re.search(r"Ada Lovelace\s+ada@example.com\s+Resident\s+yes\s+3\s+••••A1B2", out)
    assert "12345" not in out
    assert "tok-123456" not in out
    assert (
        run(
            capsys,
            "passes",
            "grant",
            "--db",
            db,
            "--email",
            "ada@example.com",
            "--count",
            "2",
            "--valid-days",
            "30",
        )[0]
        == 0
    )
    assert " 5  ••••A1B2" in run(capsys, "members", "list", "--db", db)[1]
    code, out, _ = run(capsys, "members", "remove", "--db", db, "--email", "ada@example.com")
    assert (code, out.strip()) == (0, "Removed Ada Lovelace <ada@example.com>")
    assert "Ada" not in run(capsys, "members", "list", "--db", db)[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--email", "ada@example.com"], "already enrolled"),
        (["--email", "b@example.com", "--pin", "12345"], "PIN is already enrolled"),
        (["--email", "b@example.com", "--card", "04A1B2"], "card ••••A1B2 is already enrolled"),
        (["--email", "b@example.com", "--token", "tok-123456"], "token is already enrolled"),
        (["--email", "b@example.com", "--pin", "12"], "--pin must be 4 to 8 digits"),
        (["--email", "b@example.com", "--card", "xyz!"], "--card"),
        (["--email", "b@example.com", "--tariff", "Gold"], "no plan 'Gold'"),
        (["--email", "not-an-email"], "not an email address"),
        (["--email", "b@example.com", "--passes", "-1"], "--passes"),
    ],
)
def test_enrolment_errors(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert (
        add_member(
            capsys,
            db,
            "Ada",
            "ada@example.com",
            "--pin",
            "12345",
            "--card",
            "04A1B2",
            "--token",
            "tok-123456",
        )[0]
        == 0
    )
    code, out, err = run(capsys, "members", "add", "--db", db, "--name", "Bob", *argv)
    assert code == 1
    assert message in err
    assert err.startswith("kiosk: error: ")
    assert "Traceback" not in err + out
    assert "Bob" not in run(capsys, "members", "list", "--db", db)[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["members", "remove", "--email", "nobody@example.com"], "no member"),
        (["passes", "grant", "--email", "nobody@example.com", "--count", "1"], "no member"),
        (["passes", "grant", "--email", "x@example.com", "--count", "0"], "--count"),
        (["locations", "add", "--name", "X", "--timezone", "Mars/Olympus"], "IANA"),
        (["locations", "add", "--name", "main"], "already exists"),
        (["plans", "add", "--name", "P", "--opens", "18:00", "--closes", "08:00"], "after"),
        (["plans", "add", "--name", "P", "--opens", "25:99"], "not a time"),
        (["plans", "add", "--name", "P", "--days", "89"], "--days"),
        (["plans", "add", "--name", "P", "--location", "Elsewhere"], "no location"),
        (["plans", "add", "--name", "P", "--daily-limit", "0"], "--daily-limit"),
        (["plans", "add", "--name", "resident"], "already exists"),
    ],
)
def test_admin_errors(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv, "--db", db)
    assert code == 1
    assert message in err


def test_plans_and_locations_are_listed(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            capsys,
            "plans",
            "add",
            "--db",
            db,
            "--name",
            "Part-time",
            "--days",
            "12345",
            "--opens",
            "09:00",
            "--closes",
            "17:00",
            "--daily-limit",
            "240",
        )[0]
        == 0
    )
    out = run(capsys, "plans", "list", "--db", db)[1]
    assert "Resident         days 1234567 00:00-24:00  at Main" in out
    assert "Part-time        days 12345 09:00-17:00, 240 min/day  at Main" in out
    assert "Main" in run(capsys, "locations", "list", "--db", db)[1]


def test_a_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, this is not SQLite\n" * 100)
    code, _, err = run(capsys, "members", "list", "--db", str(bad))
    assert code == 1
    assert "cannot open database" in err


def _subcommand_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _subcommand_paths(sub, (*prefix, name))


def test_help_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    paths = list(_subcommand_paths(build_parser()))
    assert ("members", "add") in paths
    assert ("demo",) in paths
    for path in paths:
        with pytest.raises(SystemExit) as exited:
            main([*path, "--help"])
        assert exited.value.code == 0
        assert "usage: kiosk" in capsys.readouterr().out


def _start(*argv: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if "token in" in line:
            break
    match = re.search(r"http://[\d.]+:\d+", "".join(lines))
    assert match, "".join(lines) + (proc.stderr.read() if proc.stderr else "")
    return proc, match.group(0), lines


def _stop(proc: subprocess.Popen[str], keep_stderr: bool = False) -> None:
    proc.terminate()
    assert proc.wait(timeout=15) == 0
    if proc.stdout:
        proc.stdout.close()
    if proc.stderr and not keep_stderr:
        proc.stderr.close()


def paired(capsys: pytest.CaptureFixture[str], db: str, url: str, config: Path) -> httpx.Client:
    """A kiosk paired as staff would: `kiosk devices add` on the server, `kiosk config pair`
    on the kiosk; a client with the token the kiosk's vault now holds."""
    code, out, _ = run(capsys, "devices", "add", "--db", db, "--name", "Front desk")
    assert code == 0, out
    found = re.search(r"Pairing code: (\S+)", out)
    assert found is not None, out
    code, out, err = run(capsys, "config", "pair", url, found.group(1), "--config", str(config))
    assert code == 0, err
    assert "as device 1 (Front desk)" in out
    token = open_vault(config).get(Secret.DEVICE_TOKEN)
    assert token
    assert token not in out + err
    return httpx.Client(headers={"Authorization": f"Bearer {token}"})


def test_serve_runs_the_server_that_the_admin_commands_share(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_member(
        capsys, db, "Ada Lovelace", "a@example.com", "--pin", "12345", "--tariff", "Resident"
    )
    proc, url, _ = _start("serve", "--port", "0", "--db", db)
    try:
        assert httpx.get(url + "/health").json()["status"] == "ok"
        refused = httpx.post(url + "/api/public/checkin", data={"Pin": "12345"})
        assert refused.status_code == 401  # not a paired device
        with paired(capsys, db, url, tmp_path / "kiosk.toml") as kiosk:
            ok = kiosk.post(url + "/api/public/checkin", data={"Pin": "12345"}).json()
            assert ok["CoworkerFullName"] == "Ada Lovelace"
            kiosk.post(url + "/api/public/checkin", data={"Pin": "55555"})
            # enrolment while the server runs is seen by the next request
            add_member(capsys, db, "Ben", "b@example.com", "--pin", "23456", "--tariff", "Resident")
            answer = kiosk.post(url + "/api/public/checkin", data={"Pin": "23456"}).json()
            assert answer["WasSuccessful"]
    finally:
        _stop(proc)
    code, out, _ = run(capsys, "checkins", "--db", db, "--open")
    assert code == 0
    assert "Ada Lovelace" in out
    assert "via kiosk (" in out  # how each came, and through which device
    assert "2 check-in(s) open" in out
    code, out, _ = run(capsys, "failed", "--db", db)
    assert "unknown_credential" in out
    assert "via kiosk (" in out
    assert "55555" not in out
    assert "1 failed check-in(s)" in out


def test_serve_reports_a_busy_port(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    proc, url, _ = _start("serve", "--port", "0", "--db", db)
    try:
        port = url.rsplit(":", 1)[1]
        code, _, err = run(capsys, "serve", "--port", port, "--db", db)
        assert code == 1
        assert f"cannot listen on 127.0.0.1:{port}" in err
    finally:
        _stop(proc)


def test_demo_opens_the_kiosk_on_its_own_server(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    proc, url, lines = _start("demo", "--event-log", str(log))
    try:
        assert "Ada Lovelace" in "".join(lines)
        wait_event(log, "ready")
        assert httpx.post(url + "/api/public/checkin", json={"Pin": "12345"}).json()[
            "WasSuccessful"
        ]
    finally:
        _stop(proc)


def test_demo_prints_members_and_serves_them() -> None:
    proc, url, lines = _start("demo", "--no-window", "--port", "0")
    try:
        text = "".join(lines)
        for expected in (
            "Ada Lovelace",
            "12345",
            "04A1B2C3D4E5F6",
            "7E3A91C4D2B85F06",
            "disabled account",
        ):
            assert expected in text
        by_pin = httpx.post(url + "/api/public/checkin", json={"Pin": "12345"}).json()
        assert by_pin["WasSuccessful"]
        refused = httpx.post(url + "/api/public/checkin", json={"Pin": "34567"}).json()
        assert refused["ReasonCode"] == "no_valid_pass"
        folder = re.search(r"QR passes \(.*\): (\S+)/<first name>\.png", text)
        assert folder is not None, text
        import zxingcpp
        from PIL import Image

        assert (
            f"Web admin: {url}/admin  sign in as admin@demo.example / demo admin password" in text
        )
        with httpx.Client(base_url=url) as browser:
            form = browser.get("/admin/signin").text
            token = re.search(r'name="csrf" value="([^"]+)"', form)
            assert token is not None
            signed = browser.post("/admin/signin", data={
                "csrf": token.group(1), "email": "admin@demo.example",
                "password": "demo admin password"})  # fmt: skip
            assert signed.status_code == 303
        eve = zxingcpp.read_barcodes(Image.open(Path(folder.group(1)) / "eve.png"))[0].text
        by_pass = httpx.post(url + "/api/public/checkin", json={"Token": eve}).json()
        assert by_pass["CoworkerFullName"] == "Eve Tanaka"
    finally:
        _stop(proc)


def test_pass_qr_writes_a_png_of_a_signed_pass(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import zxingcpp
    from PIL import Image

    from kiosk import passes
    from kiosk.server.keys import InstallKeys, keys_path_for

    add_member(capsys, db, "Ada Lovelace", "ada@example.com")
    out_file = tmp_path / "ada.png"
    argv = ["pass", "qr", "--db", db, "--email", "ADA@example.com", "--out", str(out_file)]
    code, out, _ = run(capsys, *argv, "--valid-for", "2w", "--single-use")
    assert code == 0
    assert re.fullmatch(
        r"Wrote .*ada\.png: QR pass for Ada Lovelace <ada@example\.com>, "
        r"valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC, single use\n",
        out,
    )
    text = zxingcpp.read_barcodes(Image.open(out_file))[0].text
    assert text not in out
    issuer = InstallKeys.load_or_create(keys_path_for(Path(db))).issuer
    got = passes.parse(text).pass_
    assert got.single_use
    assert got.expires_at - got.issued_at == passes.parse_duration("2w")
    assert passes.Verifier([issuer.public_key]).verify(text, got.issued_at)


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (["--email", "nobody@example.com"], "no member with email nobody@example.com"),
        (["--email", "ada@example.com", "--valid-for", "1y"], "--valid-for '1y' is not a"),
        (["--email", "ada@example.com", "--valid-for", "400d"], "at most 366 days"),
    ],
)
def test_pass_qr_errors(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], more: list[str], message: str
) -> None:
    add_member(capsys, db, "Ada Lovelace", "ada@example.com")
    code, _, err = run(capsys, "pass", "qr", "--db", db, "--out", str(tmp_path / "x.png"), *more)
    assert code == 1
    assert message in err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["members", "list"],
        ["members", "remove", "--email", "a@example.com"],
        ["locations", "list"],
        ["plans", "list"],
        ["plans", "add", "--name", "Resident"],
        ["checkins"],
        ["failed"],
        ["devices", "list"],
        ["devices", "add", "--name", "Front desk"],
        ["keys", "export", "keys.json"],
    ],
)
def test_a_mistyped_db_is_refused_and_nothing_is_made(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    typo = tmp_path / "chekin.db"
    code, out, err = run(capsys, *argv, "--db", str(typo))
    assert (code, out) == (1, "")
    assert err.startswith(f"kiosk: error: there is no database at {typo} (a mistyped --db?)")
    assert list(tmp_path.iterdir()) == []


def test_enrolling_makes_the_database_and_serve_says_when_it_starts_a_new_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    made = tmp_path / "new.db"
    code, _, _ = run(capsys, "locations", "add", "--db", str(made), "--name", "Main",
                     "--timezone", "UTC")  # fmt: skip
    assert code == 0
    assert made.exists()
    proc, url, _ = _start("serve", "--port", "0", "--db", str(tmp_path / "fresh.db"))
    assert proc.stderr is not None
    try:
        assert httpx.get(url + "/health").json()["status"] == "ok"  # serving: SIGTERM is ours
        _stop(proc, keep_stderr=True)
        err = proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert f"kiosk: no database at {tmp_path / 'fresh.db'}: starting a new, empty one" in err


def test_serve_prints_a_one_time_link_for_the_first_admin_until_there_is_one(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "fresh.db")
    proc, url, _ = _start("serve", "--port", "0", "--db", db)
    assert proc.stderr is not None
    try:
        line = next(line for line in proc.stderr if "/admin/welcome?code=" in line)
        link = re.search(r"(http://\S+/admin/welcome\?code=\S+)", line)
        assert link is not None
        assert link.group(1).startswith(url)
        with httpx.Client() as browser:
            page = browser.get(link.group(1))
            assert page.status_code == 200
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token is not None
            code = link.group(1).rsplit("=", 1)[1]
            made = browser.post(url + "/admin/welcome", data={
                "csrf": token.group(1), "code": code, "email": "ops@example.com",
                "password": "a long ops password", "again": "a long ops password"})  # fmt: skip
            assert made.status_code == 303
    finally:
        _stop(proc)
    again, url, _ = _start("serve", "--port", "0", "--db", db)
    assert again.stderr is not None
    assert httpx.get(url + "/health").status_code == 200  # serving: its link was said before
    _stop(again, keep_stderr=True)
    said = again.stderr.read()
    again.stderr.close()
    assert "/admin/welcome" not in said


def test_members_add_takes_devices_by_mac_kept_only_as_keyed_hashes(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = add_member(capsys, db, "Ada", "ada@example.com", "--mac", "DA:A1:19:00:00:01")
    assert code == 1
    assert "private (randomised) address" in err
    code, _, err = add_member(capsys, db, "Ada", "ada@example.com", "--mac", "a4-5e-60-c1-02-9f",
                                "--mac", "A4:5E:60:C1:03:00")  # fmt: skip
    assert code == 0, err
    store = open_store(Path(db))
    try:
        member = store.find_member(email="ada@example.com")
        assert member is not None
        assert [tail for _, tail in store.macs_of(member.id)] == [
            "••:••:••:••:02:9F", "••:••:••:••:03:00",
        ]  # fmt: skip
    finally:
        store.close()
    stored = Path(db).read_bytes() + Path(db + "-wal").read_bytes()
    assert b"A4:5E:60:C1" not in stored


def test_members_edit_enrols_and_removes_devices(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_member(capsys, db, "Ada", "ada@example.com", "--mac", "a4:5e:60:c1:02:9f")[0] == 0
    edit = ("members", "edit", "--db", db, "--email", "ada@example.com")
    code, out, err = run(capsys, *edit, "--mac", "00-1B-63-84-45-E6",
                         "--remove-mac", "A45E.60C1.029F")  # fmt: skip
    assert code == 0, err
    assert "devices ••:••:••:••:45:E6" in out
    code, _, err = run(capsys, "members", "edit", "--db", db, "--email", "ada@example.com",
                       "--remove-mac", "a4:5e:60:c1:02:9f")  # fmt: skip
    assert code == 1
    assert "has no device ••:••:••:••:02:9F" in err
    code, _, err = run(capsys, "members", "edit", "--db", db, "--email", "ada@example.com",
                       "--mac", "3e:00:00:00:00:01")  # fmt: skip
    assert (code, "private (randomised) address" in err) == (1, True)
    code, _, err = run(capsys, "members", "edit", "--db", db, "--email", "nobody@example.com",
                       "--mac", "00:1b:63:84:45:e7")  # fmt: skip
    assert (code, "no member with email" in err) == (1, True)


@pytest.mark.parametrize("minutes", ["1", "1441", "ten", "-5", "7.5"])
def test_presence_idle_minutes_are_whole_minutes_from_2_to_1440(
    capsys: pytest.CaptureFixture[str], minutes: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--presence-idle-minutes", minutes])
    assert exited.value.code == 2
    assert "give whole minutes from 2 to 1440" in capsys.readouterr().err
