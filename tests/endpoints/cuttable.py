"""A TCP link the test can cut silently, for the endpoint's keepalive and reconnects."""

from __future__ import annotations

import asyncio


class CuttableLink:
    """A TCP relay in front of the bridge that the test can cut: while cut nothing crosses
    either way and nothing is closed (bytes wait, as TCP retransmits over a pulled cable),
    so only a keepalive can tell; then the cable is back and what waited goes through."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.up = asyncio.Event()
        self.up.set()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def drop(self) -> None:
        """Tear every relayed connection down at once, both ends closed (a router that lost
        its state, a cable swapped): new ones wait while the link is cut."""
        for task in list(self._tasks):
            task.cancel()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self.up.wait()
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
            self._tasks.discard(pump)
        for w in (writer, up_writer):
            w.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            await self.up.wait()
            sink.write(data)
            await sink.drain()
