"""The backend registry: each choice's spec, its checks, and the backend it builds."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kiosk.backends.kadence.client import KadenceClient
from kiosk.backends.local.client import LocalClient
from kiosk.backends.nexudus.client import NexudusClient
from kiosk.backends.registry import (
    SPECS,
    Choice,
    backend_keys,
    check_backend,
    choice_of,
    keys_for,
    make_backend,
)
from kiosk.settings.file import with_value
from kiosk.settings.model import BackendKind, Config, ConfigError
from kiosk.settings.vault import Secret


def test_nexudus_needs_its_subdomain_and_kadence_its_client_id() -> None:
    with pytest.raises(ConfigError, match=r"nexudus' needs backend\.subdomain or backend\.url"):
        check_backend(with_value(Config(), "backend.kind", "nexudus"), None)
    with pytest.raises(ConfigError, match=r"kadence' needs backend\.client_id"):
        check_backend(with_value(Config(), "backend.kind", "kadence"), None)
    check_backend(with_value(Config(), "backend.kind", "kadence"), "http://k")  # an address wins
    nexudus = with_value(Config(), "backend.subdomain", "myspace")  # still kind = local
    assert SPECS[Choice.NEXUDUS].missing(nexudus) == ""  # as if Nexudus were chosen
    assert SPECS[Choice.KADENCE].missing(nexudus) == "the Kadence client id"
    assert SPECS[Choice.EMBEDDED].missing(Config()) == ""


@pytest.mark.parametrize(
    ("kind", "url", "choice"),
    [
        ("local", "", Choice.EMBEDDED),
        ("local", "http://checkin.lan:8750", Choice.SERVER),
        ("nexudus", "", Choice.NEXUDUS),
        ("kadence", "", Choice.KADENCE),
    ],
)
def test_the_backend_in_use_is_the_choice_shown(kind: str, url: str, choice: Choice) -> None:
    config = with_value(with_value(Config(), "backend.url", url), "backend.kind", kind)
    assert choice_of(config) is choice


@pytest.mark.parametrize(
    ("config", "choice", "built", "embedded"),
    [
        ({}, None, LocalClient, True),
        ({"backend.url": "http://checkin.lan:8750"}, None, LocalClient, False),
        ({}, Choice.SERVER, LocalClient, False),  # an address from the command line
        ({"backend.kind": "nexudus", "backend.subdomain": "harbour"}, None, NexudusClient, None),
        ({"backend.kind": "kadence", "backend.client_id": "k"}, None, KadenceClient, None),
    ],
)
def test_each_choice_builds_its_own_client(
    config: dict[str, str], choice: Choice | None, built: type, embedded: bool | None
) -> None:
    settings = Config()
    for key, value in config.items():
        settings = with_value(settings, key, value)

    async def build() -> object:
        async with httpx.AsyncClient() as http:
            return make_backend(settings, http, settings.backend.base_url, lambda s: "", choice)

    backend = asyncio.run(build())
    assert type(backend) is built
    if embedded is not None:
        assert isinstance(backend, LocalClient)
        assert backend.embedded is embedded


def test_each_backends_keys_show_only_with_it() -> None:
    assert keys_for(BackendKind.LOCAL) == {"backend.url", "backend.db", Secret.ADMIN_TOKEN.value}
    assert keys_for(BackendKind.NEXUDUS) == {
        "backend.subdomain",
        "backend.username",
        Secret.PASSWORD.value,
    }
    assert keys_for(BackendKind.KADENCE) == {"backend.client_id", Secret.CLIENT_SECRET.value}
    assert backend_keys() == keys_for(BackendKind.LOCAL) | keys_for(BackendKind.NEXUDUS) | (
        keys_for(BackendKind.KADENCE)
    )
    assert [spec.signs_in for spec in SPECS.values()] == [False, True, True, True]


def test_every_backend_signs_in_through_one_protocol_and_only_nexudus_takes_a_code() -> None:
    from kiosk.backends.base import BackendError, SignsIn

    async def build(config: Config) -> object:
        async with httpx.AsyncClient() as http:
            return make_backend(config, http, config.backend.base_url, lambda s: "")

    local = asyncio.run(build(Config()))
    kadence = asyncio.run(build(with_value(with_value(Config(), "backend.kind", "kadence"),
                                           "backend.client_id", "k")))  # fmt: skip
    nexudus = asyncio.run(build(with_value(with_value(Config(), "backend.kind", "nexudus"),
                                           "backend.subdomain", "harbour")))  # fmt: skip
    for backend in (local, kadence, nexudus):
        assert isinstance(backend, SignsIn)
        backend.forget_sign_in()  # never raises
    for backend in (local, kadence):
        assert isinstance(backend, SignsIn)
        with pytest.raises(BackendError, match="Only a Nexudus admin sign-in takes a two-factor"):
            backend.use_code("123456")
    assert isinstance(nexudus, SignsIn)
    with pytest.raises(BackendError, match="the 6 digits the authenticator app shows"):
        nexudus.use_code("12")  # the shape is checked before anything is sent
    nexudus.use_code("123456")  # kept for the next sign-in
