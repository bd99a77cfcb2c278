"""A TCP proxy that puts a far backend's distance between the kiosk and a server: every chunk
of bytes is held `delay` seconds in each direction (a 100 ms round trip at 0.05), in order.
It counts the connections it was asked for, so a test can tell a warm connection from a new one.
TLS passes through it untouched (it never reads the bytes).

    with DelayProxy(server_url, delay=0.05) as proxy:    # its own thread and asyncio loop
        client = LocalClient(http, proxy.url, embedded=False)
        proxy.connections                                  # opened so far
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

import httpx


class DelayProxy:
    """Listens on a loopback port and passes each connection on to `upstream`, late."""

    def __init__(self, upstream: str, delay: float = 0.05) -> None:
        url = httpx.URL(upstream)
        self._upstream = (url.host, url.port or (443 if url.scheme == "https" else 80))
        self._scheme = url.scheme
        self.delay = delay
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="delay proxy")
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        self.connections = 0

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> DelayProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        await asyncio.sleep(self.delay)  # the client's SYN on its way
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            writer.close()
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)
        await asyncio.sleep(self.delay)  # the SYN-ACK on its way back
        try:
            await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                w.close()
                self._writers.discard(w)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Bytes from `reader` to `writer`, each chunk `delay` late, in order."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def deliver() -> None:
            while True:
                due, chunk = await queue.get()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if not chunk:
                    with contextlib.suppress(OSError):
                        writer.write_eof()
                    return
                writer.write(chunk)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while True:
                try:
                    chunk = await reader.read(65536)
                except ConnectionError:
                    chunk = b""
                queue.put_nowait((loop.time() + self.delay, chunk))
                if not chunk:
                    break
            await sender
        finally:
            sender.cancel()
