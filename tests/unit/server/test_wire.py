"""Parsing check-in bodies: any bytes give a command or `BadRequestError`, nothing else."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain import Action
from kiosk.server.checkin import Field
from kiosk.server.http.wire import BadRequestError, parse_checkin

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
NAMES = st.sampled_from(
    [
        "Pin",
        "pin",
        "AccessCardId",
        "Token",
        "Email",
        "Password",
        "Toggle",
        "Disconnect",
        "BusinessId",
        "Source",
        "Mac",
        "Other",
    ]
)


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    st.binary(max_size=300),
    st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""]),
)
def test_any_bytes(body: bytes, content_type: str) -> None:
    status = 200
    try:
        parse_checkin(body, content_type)
    except BadRequestError as exc:
        status = exc.status
    assert status == 200 or 400 <= status < 500


@FUZZ
@given(st.dictionaries(NAMES, JSONISH, max_size=5))
def test_any_json_object(fields: dict[str, object]) -> None:
    errors: list[tuple[str, str, object]] = []
    try:
        command = parse_checkin(json.dumps(fields).encode(), "application/json")
    except BadRequestError as exc:
        errors = exc.errors
    else:
        assert command.presented.value
    assert all(isinstance(prop, str) and message for prop, message, _ in errors)


def test_fields_become_a_command() -> None:
    command = parse_checkin(
        b"Pin=01234&Toggle=1&BusinessId=2", "application/x-www-form-urlencoded; charset=utf-8"
    )
    assert (command.presented.field, command.presented.value) == (Field.PIN, "01234")
    assert (command.action, command.location_id, command.source) == (Action.TOGGLE, 2, 4)
    out = parse_checkin(b'{"email": " ada@x.org ", "PASSWORD": "pw", "Disconnect": true}', "")
    assert (out.presented.field, out.presented.value, out.presented.secret) == (
        Field.EMAIL,
        "ada@x.org",
        "pw",
    )
    assert out.action is Action.OUT
