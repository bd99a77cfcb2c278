"""The one 401 policy: a refused token is dropped and the request sent once more, never twice."""

from __future__ import annotations

import asyncio

import httpx

from kiosk.backends.tokens import BearerAuth, StaticToken


def test_bearer_auth_signs_again_once_after_a_401_and_no_more() -> None:
    class Counting(StaticToken):
        def __init__(self) -> None:
            super().__init__("t0")
            self.forgotten = 0

        def forget(self) -> None:
            self.forgotten += 1
            self._token = f"t{self.forgotten}"

    seen: list[str] = []

    def always_401(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(401)

    async def go() -> int:
        async with httpx.AsyncClient(transport=httpx.MockTransport(always_401)) as http:
            response = await http.get("https://api.example/x", auth=BearerAuth(source))
            return response.status_code

    source = Counting()
    assert asyncio.run(go()) == 401
    assert seen == ["Bearer t0", "Bearer t1"]  # one new token, one more try
    assert source.forgotten == 1
