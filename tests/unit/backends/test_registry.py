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
from kiosk.domain import Action, CheckinRequest, Credential, CredentialKind, Outcome, Status
from kiosk.settings.file import with_value
from kiosk.settings.model import BackendKind, Config, ConfigError
from kiosk.settings.vault import Secret
from tests.helpers import kadence_cloud


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
    assert keys_for(BackendKind.KADENCE) == {
        "backend.region",
        "backend.client_id",
        Secret.CLIENT_SECRET.value,
    }
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


@pytest.mark.parametrize(
    ("config", "login", "api"),
    [
        ({}, kadence_cloud.LOGIN, kadence_cloud.API),
        ({"backend.region": "us"}, kadence_cloud.US_LOGIN, kadence_cloud.US_API),
        (
            {
                "backend.url": "http://proxy.test:8080",
                "backend.token_url": "http://proxy.test:8080/t",
            },
            "http://proxy.test:8080/t",
            "http://proxy.test:8080",
        ),
    ],
)
def test_kadence_is_reached_at_its_regions_hosts_or_at_the_given_urls(
    config: dict[str, str], login: str, api: str
) -> None:
    settings = with_value(Config(), "backend.kind", "kadence")
    settings = with_value(settings, "backend.client_id", kadence_cloud.CLIENT_ID)
    for key, value in config.items():
        settings = with_value(settings, key, value)
    cloud = kadence_cloud.FakeKadence(login=login, api=api)

    async def go() -> Outcome:
        async with httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler)) as http:
            backend = make_backend(
                settings, http, settings.backend.base_url, lambda s: kadence_cloud.CLIENT_SECRET
            )
            email = Credential(CredentialKind.EMAIL, "ada@example.com")
            return await backend.check(CheckinRequest(email, Action.IN, kadence_cloud.BUILDING))

    assert asyncio.run(go()).status is Status.CHECKED_IN
