"""A headless operator: the control half of the protocol, for tests and scripted briefings.

    async with OperatorClient("http://127.0.0.1:8000", session_id=1, token=login_token) as op:
        await op.connect()                               # the "ready" message
        await op.mute(site_id)
        await op.expect_site(site_id, lambda s: s["muted"])

The token is an operator login token from ``POST /api/login`` (not a site's join token).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TextIO

from endpoints.link import ws_url_from
from endpoints.signaling import AgentError, Message, SignalingChannel


class OperatorClient:
    """An operator connection to one session; ``url`` is the bridge's base URL, a join link
    of the session, or the ``ws(s)://…/ws`` URL itself."""

    def __init__(
        self,
        url: str,
        *,
        session_id: int,
        token: str,
        lang: str = "vi",
        events: Path | None = None,
    ) -> None:
        self.url = ws_url_from(url)
        self.session_id = session_id
        self.token = token
        self.lang = lang
        self.operator: Message | None = None
        self.session: Message | None = None
        # Opened here, not in connect(): the channel writes to it from its first message.
        self._events: TextIO | None = events.open("w", encoding="utf-8") if events else None
        self.channel = SignalingChannel(self.url, events=self._events)
        self._opened = False

    async def connect(self, timeout: float = 10.0) -> Message:
        """Open the socket, send ``operator``, return ``ready`` (or raise the server's error)."""
        if not self._opened:
            await self.channel.open(timeout)
            self._opened = True
        mark = self.channel.seq
        await self.send(
            {
                "type": "operator",
                "session_id": self.session_id,
                "token": self.token,
                "lang": self.lang,
            }
        )
        reply = await self.expect({"ready", "error"}, timeout=timeout, after=mark)
        if reply["type"] == "error":
            raise AgentError(str(reply.get("code", "error")), str(reply.get("message", "")))
        self.operator = reply.get("operator")
        self.session = reply.get("session")
        return reply

    async def mute(self, site_id: int) -> None:
        await self.send({"type": "mute", "site_id": site_id})

    async def unmute(self, site_id: int) -> None:
        await self.send({"type": "unmute", "site_id": site_id})

    async def send(self, message: Message) -> None:
        await self.channel.send(message)

    async def expect(
        self,
        types: str | Collection[str],
        *,
        timeout: float = 5.0,
        where: Callable[[Message], bool] | None = None,
        after: int = 0,
    ) -> Message:
        """Await a message of ``types``; see ``SignalingChannel.expect``."""
        return await self.channel.expect(types, timeout=timeout, where=where, after=after)

    async def expect_site(
        self,
        site_id: int,
        where: Callable[[dict[str, Any]], bool] = lambda site: True,
        *,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Await a ``site`` event about ``site_id`` whose entry satisfies ``where``."""
        message = await self.expect(
            "site",
            timeout=timeout,
            where=lambda m: m.get("site", {}).get("id") == site_id and where(m["site"]),
        )
        site: dict[str, Any] = message["site"]
        return site

    async def close(self) -> None:
        await self.channel.close()
        if self._events is not None:
            self._events.close()
            self._events = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
