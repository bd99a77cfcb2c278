"""QR passes on the real server: issue as PNG, check in with the text, refuse what is not good."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from kiosk import passes
from kiosk.passes import Issuer, Subject
from kiosk.server.keys import InstallKeys
from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import checkin


def pass_for(server: ServerThread, clock: FakeClock, subject: Subject, **kw: Any) -> str:
    valid_for = kw.pop("valid_for", timedelta(days=1))
    return server.server.keys.issuer.issue(subject, clock(), valid_for, **kw)


def ada(server: ServerThread, clock: FakeClock, **kw: Any) -> str:
    member = server.server.store.find_member(email="ada@example.com")
    assert member is not None
    return pass_for(server, clock, Subject.member(member.id), **kw)


def tampered(text: str) -> str:
    """`text` with one character of its signature changed."""
    at = len(text) - 20
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


def failed(admin: httpx.Client) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = admin.get("/api/spaces/failedcheckins").json()["Records"]
    return records


def test_a_pass_checks_the_member_in_and_out(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = ada(server, clock)
    body = checkin(client, Token=text, Toggle=True)
    assert (body["WasSuccessful"], body["CheckedIn"], body["CoworkerFullName"]) == (
        True,
        True,
        "Ada Lovelace",
    )
    assert checkin(client, Token=text.lower(), Toggle=True)["CheckedIn"] is False


def test_a_pass_by_email_checks_in(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = pass_for(server, clock, Subject.email("EVE@example.com"))
    assert checkin(client, Token=text)["CoworkerFullName"] == "Eve Tanaka"


@pytest.mark.parametrize(
    ("make", "why"),
    [
        pytest.param(lambda s, c: tampered(ada(s, c)), "bad signature", id="tampered"),
        pytest.param(
            lambda s, c: Issuer.generate().issue(Subject.member(1), c(), timedelta(days=1)),
            "unknown key",
            id="another-server",
        ),
        pytest.param(lambda s, c: "CKP1" + "2" * 40, "not a readable QR pass", id="garbled"),
    ],
)
def test_forged_and_garbled_passes_are_invalid_and_recorded(
    client: httpx.Client,
    admin: httpx.Client,
    server: ServerThread,
    clock: FakeClock,
    make: Any,
    why: str,
) -> None:
    text = make(server, clock)
    body = checkin(client, Token=text)
    assert body["WasSuccessful"] is False
    assert body["ReasonCode"] == "invalid_pass"
    assert body["CoworkerFullName"] is None  # an unverified pass names nobody
    record = failed(admin)[0]
    assert why in record["Description"]
    assert record["CoworkerId"] is None
    assert text not in json.dumps(failed(admin))


def test_an_expired_pass_is_invalid_and_recorded_against_the_member(
    client: httpx.Client, admin: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = ada(server, clock, valid_for=timedelta(hours=1))
    clock.advance(hours=1, minutes=3)  # past the expiry and the 2 minutes of skew allowed
    body = checkin(client, Token=text)
    assert (body["ReasonCode"], body["CoworkerFullName"]) == ("invalid_pass", "Ada Lovelace")
    assert body["Message"] == "This pass is not valid. It may have expired or been used."
    record = failed(admin)[0]
    assert record["CoworkerFullName"] == "Ada Lovelace"
    assert "QR pass expired" in record["Description"]


def test_a_pass_from_the_future_is_refused(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = ada(server, clock)
    clock.advance(minutes=-10)
    assert checkin(client, Token=text)["ReasonCode"] == "invalid_pass"


def test_a_single_use_pass_lets_in_once_and_may_close_its_session(
    client: httpx.Client, admin: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = ada(server, clock, single_use=True)
    assert checkin(client, Token=text, DoNotCheckIn=True)["CheckedIn"] is True  # not used up
    assert checkin(client, Token=text, Toggle=True)["CheckedIn"] is True
    clock.advance(hours=1)
    assert checkin(client, Token=text, Toggle=True)["CheckedIn"] is False  # closes the session
    clock.advance(minutes=5)
    assert checkin(client, Token=text, DoNotCheckIn=True)["ReasonCode"] == "invalid_pass"
    again = checkin(client, Token=text, Toggle=True)
    assert (again["WasSuccessful"], again["ReasonCode"]) == (False, "invalid_pass")
    assert "already been used" in failed(admin)[0]["Description"]
    # a fresh single-use pass for the same member works: the nonce, not the member, is used up
    assert checkin(client, Token=ada(server, clock, single_use=True))["CheckedIn"] is True


def test_a_reusable_pass_may_be_used_again(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = ada(server, clock)
    for expected in (True, False, True):
        assert checkin(client, Token=text, Toggle=True)["CheckedIn"] is expected


def test_a_pass_for_a_removed_member_is_unknown(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = pass_for(server, clock, Subject.member(999))
    assert checkin(client, Token=text)["ReasonCode"] == "unknown_credential"


def test_the_plan_rules_still_apply_to_a_pass(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    text = pass_for(server, clock, Subject.email("chloe@example.com"))
    assert checkin(client, Token=text)["ReasonCode"] == "no_valid_pass"


def test_the_admin_gets_a_png_that_checks_in(
    client: httpx.Client, admin: httpx.Client, server: ServerThread
) -> None:
    response = admin.get(
        "/api/spaces/passes/qr",
        params={"Email": "ben@example.com", "ValidFor": "12h", "SingleUse": "true"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-pass-expires"] == "2026-03-02T22:00:00 UTC"
    image = Image.open(io.BytesIO(response.content))
    text = zxingcpp.read_barcodes(image)[0].text
    got = passes.parse(text).pass_
    assert got.single_use is True
    assert checkin(client, Token=text)["CoworkerFullName"] == "Ben Okafor"


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"Email": "nobody@example.com"}, 404, "no member"),
        ({"Email": "ben@example.com", "ValidFor": "forever"}, 400, "should match pattern"),
        ({"Email": "ben@example.com", "ValidFor": "500d"}, 400, "366 days"),
        ({}, 400, "invalid"),
    ],
)
def test_bad_pass_requests(
    admin: httpx.Client, params: dict[str, str], status: int, message: str
) -> None:
    response = admin.get("/api/spaces/passes/qr", params=params)
    assert response.status_code == status
    assert message in response.text.lower() or message in response.json()["Message"].lower()


def test_passes_need_the_admin_token(client: httpx.Client) -> None:
    response = client.get("/api/spaces/passes/qr", params={"Email": "ada@example.com"})
    assert response.status_code == 401


def test_the_public_key_verifies_the_servers_passes(
    client: httpx.Client, server: ServerThread, clock: FakeClock
) -> None:
    body = client.get("/api/public/passkey").json()
    assert body["Algorithm"] == "Ed25519"
    key = passes.public_key_from_bytes(bytes.fromhex(body["PublicKey"]))
    assert passes.key_id(key).hex() == body["KeyId"]
    verifier = passes.Verifier([key])
    assert verifier.verify(ada(server, clock), clock()).subject.kind is passes.SubjectKind.MEMBER


def test_an_old_key_file_gets_a_pass_key_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "checkin.db.keys"
    path.write_text(json.dumps({"pepper": "ab" * 32, "admin_token": "tok"}))
    path.chmod(0o600)
    first = InstallKeys.load_or_create(path)
    again = InstallKeys.load_or_create(path)
    assert (again.pepper, again.admin_token) == (bytes.fromhex("ab" * 32), "tok")
    assert again.pass_seed == first.pass_seed
    assert again.issuer.key_id == first.issuer.key_id
    assert path.stat().st_mode & 0o777 == 0o600
    assert not path.with_name(path.name + ".new").exists()


def test_a_bad_pass_key_in_the_key_file_is_a_clear_error(tmp_path: Path) -> None:
    from kiosk.server.keys import KeyFileError

    path = tmp_path / "checkin.db.keys"
    path.write_text(json.dumps({"pepper": "ab" * 32, "admin_token": "t", "pass_seed": "00"}))
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match="not a valid key file"):
        InstallKeys.load_or_create(path)
