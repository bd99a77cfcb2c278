"""A TCP proxy between the kiosk and a server that fails on demand, for tests.

    with FaultProxy(server.url) as proxy:        # its own thread and asyncio loop
        client = LocalClient(http, proxy.url, embedded=False)
        proxy.set(Fault.DOWN)                     # connection refused: nothing leaves the kiosk
        proxy.set(Fault.LOST)                     # passed on, the answer swallowed (black hole)
        proxy.set(Fault.RESET)                    # the request read, the connection reset
        proxy.set(Fault.BAD_GATEWAY)              # 502 without passing anything on
        proxy.set(Fault.SLOW, delay=2.0)          # the answer held back this long
        proxy.set(Fault.NONE)

Every change of fault closes the connections open so far, so a kept-alive connection cannot
carry a request past it. `proxy.passed` counts the requests passed on to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import threading
from types import TracebackType

import httpx


class Fault(enum.Enum):
    NONE = "none"
    DOWN = "down"
    LOST = "lost"
    RESET = "reset"
    BAD_GATEWAY = "bad_gateway"
    UNAVAILABLE = "unavailable"
    SLOW = "slow"


class FaultProxy:
    """Listens on a loopback port and passes connections to `upstream` (``http://host:port``)."""

    def __init__(self, upstream: str) -> None:
        url = httpx.URL(upstream)
        self._upstream = (url.host, url.port or 80)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault proxy")
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.fault = Fault.NONE
        self.delay = 0.0
        self.port = 0
        self.passed = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._call(self._close(listening=True))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def set(self, fault: Fault, delay: float = 0.0) -> None:
        """Fail this way from now on (open connections are closed); `delay` for `SLOW`."""
        self.delay = delay
        self._call(self._set(fault))

    def _call(self, coro: object) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)  # type: ignore[arg-type]

    async def _set(self, fault: Fault) -> None:
        self.fault = fault
        await self._close(listening=fault is Fault.DOWN)
        if fault is not Fault.DOWN and self._server is None:
            await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port or 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self, listening: bool) -> None:
        if listening and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        fault = self.fault
        try:
            if fault in (Fault.RESET, Fault.BAD_GATEWAY, Fault.UNAVAILABLE):
                await _read_request(reader)
                if fault is not Fault.RESET:
                    status = "502 Bad Gateway" if fault is Fault.BAD_GATEWAY else "503 Unavailable"
                    writer.write(
                        f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .encode()
                    )  # fmt: skip
                    await writer.drain()
                return
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
            self._writers.add(up_writer)
            await asyncio.gather(
                self._pump(reader, up_writer, count=True),
                self._pump(
                    up_reader,
                    writer,
                    swallow=fault is Fault.LOST,
                    delay=self.delay if fault is Fault.SLOW else 0.0,
                ),
            )
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        swallow: bool = False,
        count: bool = False,
        delay: float = 0.0,
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                if delay:
                    await asyncio.sleep(delay)  # the network's, not a test's wait
                if count:
                    self.passed += data.count(b"HTTP/1.1\r\n")
                if not swallow:
                    sink.write(data)
                    await sink.drain()
        if not swallow:
            with contextlib.suppress(OSError, RuntimeError):
                sink.close()


async def _read_request(reader: asyncio.StreamReader) -> None:
    """One request's head and body (by its Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
