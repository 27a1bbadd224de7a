"""The signaling WebSocket as a client sees it: JSON out, every frame in, awaitable replies.

Shared by the site and operator clients. The bridge disconnects a client whose outgoing
queue fills (docs/protocol.md, "Limits"), so every frame is read from the moment the socket
opens, by a background task, whether or not anyone is waiting for it yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TextIO

import websockets
from websockets.asyncio.client import ClientConnection

log = logging.getLogger(__name__)

Message = dict[str, Any]
# Messages nobody has asked for yet are kept for ``expect``; a test that never reads them
# must not grow memory without bound, so the oldest are dropped past this many.
INBOX_LIMIT = 1024
HISTORY_LIMIT = 10_000
# The protocol's frame limit is 64 KiB; the WebSocket layer closes past 1 MiB. Accept as much
# as the server may send (a long roster), no more.
MAX_FRAME_BYTES = 2**20
# Keepalive, as the bridge's own (bridge/server.py): a ping every 5 s, and a connection that
# has not answered one in 10 s is closed (1011). The closing handshake is then given 2 s,
# not websockets' 10: over a dead link no answer comes. So a silent network cut is noticed
# within 10-17 s and a reconnecting endpoint starts over instead of waiting on a dead socket.
PING_INTERVAL_S = 5.0
PING_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 2.0


class AgentError(Exception):
    """A failure with a stable machine ``code`` and a one-line human ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ReceivedMessage:
    """A message from the bridge, numbered in arrival order, stamped with time.monotonic()."""

    seq: int
    t: float
    message: Message


class SignalingChannel:
    """One WebSocket to the bridge: JSON out, every frame in read by a background task.

    ``events`` (a text file) receives each message as a JSON line ``{"t": monotonic,
    "message": {...}}`` as it arrives, so a run that fails still leaves its evidence.
    """

    def __init__(self, url: str, *, events: TextIO | None = None) -> None:
        self.url = url
        self.history: deque[ReceivedMessage] = deque(maxlen=HISTORY_LIMIT)
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason: str = ""
        self._events = events
        self._inbox: deque[ReceivedMessage] = deque(maxlen=INBOX_LIMIT)
        self._arrived = asyncio.Condition()
        self._seq = 0
        self._last: ReceivedMessage | None = None
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[Message], None]] = []

    @property
    def seq(self) -> int:
        """The number of the latest message received; pass it as ``after`` to ``expect``."""
        return self._seq

    def add_listener(self, listener: Callable[[Message], None]) -> None:
        """Call ``listener(message)`` for every message, in the reader, before waiters wake."""
        self._listeners.append(listener)

    async def open(self, timeout: float = 10.0) -> None:
        try:
            self._ws = await websockets.connect(
                self.url,
                open_timeout=timeout,
                max_size=MAX_FRAME_BYTES,
                ping_interval=PING_INTERVAL_S,
                ping_timeout=PING_TIMEOUT_S,
                close_timeout=CLOSE_TIMEOUT_S,
                # Never route signaling through a proxy picked up from the environment:
                # the bridge is usually on the same LAN or machine.
                proxy=None,
            )
        except TimeoutError:
            raise AgentError(
                "connection_failed", f"no answer from {self.url} within {timeout:g} s"
            ) from None
        except websockets.InvalidStatus as exc:
            status = exc.response.status_code
            raise AgentError(
                "connection_failed", f"{self.url} refused the WebSocket (HTTP {status})"
            ) from None
        except ConnectionRefusedError:
            raise AgentError(
                "connection_failed", f"cannot connect to {self.url}: connection refused"
            ) from None
        except (OSError, websockets.InvalidHandshake, websockets.InvalidURI) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise AgentError(
                "connection_failed", f"cannot connect to {self.url}: {reason}"
            ) from None
        self._reader = asyncio.create_task(self._read(self._ws), name=f"signaling {self.url}")

    async def send(self, message: Message) -> None:
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str) -> None:
        """Send one raw text frame (tests of the server's validation send broken ones)."""
        if self._ws is None:
            raise AgentError("not_connected", "the signaling connection is not open")
        try:
            await self._ws.send(text)
        except websockets.ConnectionClosed:
            raise self.closed_error() from None

    async def expect(
        self,
        types: str | Collection[str],
        *,
        timeout: float = 5.0,
        where: Callable[[Message], bool] | None = None,
        after: int = 0,
    ) -> Message:
        """Wait for (and consume) the oldest unconsumed message of ``types``.

        ``where`` narrows the match; ``after`` ignores messages numbered ``<= after`` (take
        ``seq`` before sending a request to match only what came back after it). Messages
        of other types stay queued for later calls. Raises ``AgentError``: ``timeout``, or
        the server's error code / ``disconnected`` if the socket closes first.
        """
        wanted = {types} if isinstance(types, str) else set(types)
        try:
            async with asyncio.timeout(timeout), self._arrived:
                while True:
                    for index, received in enumerate(self._inbox):
                        message = received.message
                        if (
                            received.seq > after
                            and message.get("type") in wanted
                            and (where is None or where(message))
                        ):
                            del self._inbox[index]
                            return message
                    if self.closed.is_set():
                        raise self.closed_error()
                    await self._arrived.wait()
        except TimeoutError:
            names = " or ".join(sorted(wanted))
            raise AgentError(
                "timeout", f"no {names} message from the bridge within {timeout:g} s"
            ) from None

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for frame in ws:
                if isinstance(frame, bytes):
                    continue  # the protocol is text-only; nothing to learn from bytes
                try:
                    message = json.loads(frame)
                except ValueError:
                    message = {"type": "_unparsable", "text": frame[:200]}
                if not isinstance(message, dict):
                    message = {"type": "_unparsable", "text": frame[:200]}
                await self._deliver(message)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = ws.close_code
            self.close_reason = ws.close_reason or ""
            self.closed.set()
            async with self._arrived:
                self._arrived.notify_all()

    async def _deliver(self, message: Message) -> None:
        self._seq += 1
        received = ReceivedMessage(self._seq, time.monotonic(), message)
        self._last = received
        self.history.append(received)
        if self._events is not None:
            self._events.write(
                json.dumps({"t": received.t, "message": message}, ensure_ascii=False) + "\n"
            )
            self._events.flush()
        for listener in self._listeners:
            try:
                listener(message)
            except Exception:  # a malformed message must not stop the reader
                log.exception("listener failed on %s", message.get("type"))
        async with self._arrived:
            self._inbox.append(received)
            self._arrived.notify_all()

    def closed_error(self) -> AgentError:
        """Why the socket closed: the bridge's error if it sent one just before, else the code."""
        # The bridge sends an error frame, then closes (docs/protocol.md, "Errors"): that
        # error, not the bare close code, is what the user needs to read.
        last = self._last.message if self._last is not None else None
        if last is not None and last.get("type") == "error" and self.close_code != 1000:
            return AgentError(str(last.get("code", "error")), str(last.get("message", "")))
        detail = f"code {self.close_code}" if self.close_code is not None else "no close frame"
        if self.close_reason:
            detail += f", {self.close_reason}"
        return AgentError("disconnected", f"the bridge closed the connection ({detail})")
