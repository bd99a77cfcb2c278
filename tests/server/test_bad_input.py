"""Malformed requests get a 4xx in Nexudus's validation shape, never a 500 or a traceback."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiosk.server.runner import ServerThread
from tests.helpers.clock import FakeClock
from tests.helpers.server import demo_server, device_client, device_token

JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module: bad requests change nothing, which the tests check."""
    with demo_server(tmp_path_factory.mktemp("bad") / "checkin.db", FakeClock()) as running:
        yield running


def chunks(total: int) -> Iterator[bytes]:
    """A streamed body with no Content-Length."""
    yield b'{"Pin": "12345", "Mac": "'
    for _ in range(total // 1024):
        yield b"a" * 1024
    yield b'"}'


BAD = [
    pytest.param(b"{not json", JSON, 400, None, id="malformed-json"),
    pytest.param(b"", JSON, 400, None, id="empty-body"),
    pytest.param(b'["Pin", "12345"]', JSON, 400, None, id="json-array"),
    pytest.param(b'"12345"', JSON, 400, None, id="json-string"),
    pytest.param(b'{"Pin": 12345}', JSON, 400, "Pincode", id="pin-as-number"),
    pytest.param(b'{"Pin": "12a45"}', JSON, 400, "Pincode", id="pin-with-letters"),
    pytest.param(b'{"Pin": "123"}', JSON, 400, "Pincode", id="pin-too-short"),
    pytest.param(b'{"AccessCardId": ["04A1"]}', JSON, 400, "AccessCardId", id="card-as-list"),
    pytest.param(b'{"Pin": "12345", "Toggle": "maybe"}', JSON, 400, "Toggle", id="toggle-text"),
    pytest.param(b'{"Pin": "12345", "BusinessId": "x"}', JSON, 400, "BusinessId", id="bad-id"),
    pytest.param(b'{"Pin": "12345", "BusinessId": 99}', JSON, 400, "BusinessId", id="no-such-id"),
    pytest.param(b'{"Pin": "12345", "Source": 9}', JSON, 400, "Source", id="bad-source"),
    pytest.param(b'{"Mac": "aa"}', JSON, 400, None, id="no-credential"),
    pytest.param(b'{"Pin": "", "AccessCardId": ""}', JSON, 400, None, id="blank-credentials"),
    pytest.param(b'{"Pin": "12345", "AccessCardId": "04A1"}', JSON, 400, None, id="two-creds"),
    pytest.param(b'{"Email": "ada@example.com"}', JSON, 400, None, id="email-no-password"),
    pytest.param(
        b'{"Pin": "12345", "Toggle": true, "Disconnect": true}', JSON, 400, None, id="both-flags"
    ),
    pytest.param(b'{"Pin": "12345", "pin": "23456"}', JSON, 400, "Pincode", id="duplicate-key"),
    pytest.param(b'{"Pin": "1\xff345"}', JSON, 400, None, id="json-not-utf8"),
    pytest.param(b"Pin=1%FF345", FORM, 400, None, id="form-not-utf8"),
    pytest.param(b"Pin=12345&Pin=23456", FORM, 400, "Pincode", id="form-duplicate"),
    pytest.param(b"Pin=12345&Toggle=perhaps", FORM, 400, "Toggle", id="form-bad-bool"),
    pytest.param(b"Pin=12345", {"content-type": "text/plain"}, 415, None, id="text-plain"),
    pytest.param(
        b"--x\r\n", {"content-type": "multipart/form-data; boundary=x"}, 415, None, id="multipart"
    ),
    pytest.param(
        b'{"Pin": "12345", "Mac": "' + b"a" * 17000 + b'"}', JSON, 413, None, id="too-large"
    ),
    pytest.param(b"[" * 100000, JSON, 413, None, id="deep-nesting-too-large"),
    pytest.param(b"[" * 5000 + b"]" * 5000, JSON, 400, None, id="deep-nesting"),
]


def assert_validation_shape(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["Status"] == status
    assert body["WasSuccessful"] is False
    assert body["Value"] is None
    assert isinstance(body["Message"], str)
    assert body["Message"]
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(("body", "headers", "status", "prop"), BAD)
def test_bad_bodies(
    client: httpx.Client, body: bytes, headers: dict[str, str], status: int, prop: str | None
) -> None:
    response = client.post("/api/public/checkin", content=body, headers=headers)
    answer = assert_validation_shape(response, status)
    if prop is not None:
        errors = answer["Errors"]
        assert [e["PropertyName"] for e in errors] == [prop]
        assert set(errors[0]) == {"AttemptedValue", "Message", "PropertyName"}


def test_streamed_body_over_the_limit_is_refused(client: httpx.Client) -> None:
    response = client.post("/api/public/checkin", content=chunks(20000), headers=JSON)
    assert_validation_shape(response, 413)


def test_secrets_are_not_echoed_back(client: httpx.Client) -> None:
    response = client.post("/api/public/checkin", json={"Pin": "98a76"})
    error = assert_validation_shape(response, 400)["Errors"][0]
    assert error["AttemptedValue"] is None
    assert "98a76" not in response.text


def test_bad_input_leaves_no_record(client: httpx.Client, admin: httpx.Client) -> None:
    before = [
        admin.get(p).json()["TotalItems"]
        for p in ("/api/spaces/checkins", "/api/spaces/failedcheckins")
    ]
    for body in (b"{oops", b'{"Pin": "99999", "AccessCardId": "01"}', b'{"Pin": "9"}'):
        client.post("/api/public/checkin", content=body, headers=JSON)
    after = [
        admin.get(p).json()["TotalItems"]
        for p in ("/api/spaces/checkins", "/api/spaces/failedcheckins")
    ]
    assert after == before


def test_a_good_request_still_works_after_bad_ones(client: httpx.Client) -> None:
    for param in BAD:
        body, headers = param.values[0], param.values[1]
        client.post("/api/public/checkin", content=body, headers=headers)  # type: ignore[arg-type]
    assert client.post("/api/public/checkin", json={"Pin": "12345"}).json()["WasSuccessful"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/spaces/checkins?page=0", 400),
        ("/api/spaces/checkins?size=10001", 400),
        ("/api/spaces/checkins?orderBy=Name", 400),
        ("/api/spaces/checkins?from_Checkin_FromTime=yesterday", 400),
        ("/api/spaces/checkins?Checkin_Business=99999999999999999999", 400),
        ("/api/spaces/checkins?Checkin_Coworker=0", 400),
        ("/api/spaces/failedcheckins?FailedCheckin_Business=0", 400),
        ("/api/spaces/failedcheckins?FailedCheckin_Coworker=99999999999999999999", 400),
        ("/api/spaces/checkins/99999999999999999999", 400),
        ("/api/spaces/coworkers/99", 404),
        ("/api/sys/businesses/99", 404),
        ("/api/spaces/checkins?page=abc", 400),
        ("/api/spaces/checkins?dir=7", 400),
        ("/api/spaces/checkins/0", 400),
        ("/api/spaces/checkins/12345", 404),
        ("/api/spaces/failedcheckins/77", 404),
        ("/api/spaces/failedcheckins/x", 400),
        ("/api/no/such/thing", 404),
    ],
)
def test_bad_queries(admin: httpx.Client, path: str, status: int) -> None:
    assert_validation_shape(admin.get(path), status)


def test_wrong_method(client: httpx.Client) -> None:
    assert_validation_shape(client.get("/api/public/checkin"), 405)


def test_an_unexpected_error_is_one_short_line_and_a_request_id(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("kiosk.server.checkin.CheckinService.attempt_time", broken)
    with device_client(server) as client, caplog.at_level(logging.INFO):
        answer = client.post("/api/public/checkin", json={"Pincode": "12345"})
    assert answer.status_code == 500
    ident = answer.json()["RequestId"]
    (line,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert ident in line.getMessage()
    assert "RuntimeError: a bug" in line.getMessage()
    assert line.exc_info is None  # no traceback at error level: nobody can fill the log


def test_a_client_that_goes_away_mid_body_is_not_an_error(
    server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    head = (
        "POST /api/public/checkin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {device_token(server)}\r\nContent-Length: 100\r\n\r\n"
    )
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            with socket.create_connection((host, int(port))) as sock:
                sock.sendall(head.encode() + b'{"Pin')
        with device_client(server) as client:  # the server still answers
            assert client.get("/health").status_code == 200
        deadline = time.monotonic() + 10  # the server's thread logs the five as they end
        while time.monotonic() < deadline and len(gone(caplog)) < 5:
            time.sleep(0.01)
    assert len(gone(caplog)) == 5
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def gone(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "went away" in r.getMessage()]
