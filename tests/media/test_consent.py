"""ICE consent (RFC 7675) on real aioice connections over loopback: answers that take
longer than aioice's 0.5 s keep a connection, silence for the whole window ends it.

The intervals are shortened (a request every 0.2 s, a 1.5 s window instead of 5 s and
30 s) so the rule is shown in seconds; tests/e2e/test_slow_link.py shows the real ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aioice.ice
import pytest

from bridge.media import aiortc_private
from bridge.media.ice import restrict_host_addresses


class DelayedTransport:
    """An asyncio datagram transport whose sends leave ``delay`` s late (None: never)."""

    def __init__(self, inner: Any, delay: float | None) -> None:
        self.inner, self.delay = inner, delay

    def sendto(self, data: bytes, addr: Any = None) -> None:
        if self.delay is not None:
            asyncio.get_running_loop().call_later(self.delay, self._send, data, addr)

    def _send(self, data: bytes, addr: Any) -> None:
        if not self.inner.is_closing():
            self.inner.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@asynccontextmanager
async def connected_pair() -> AsyncIterator[tuple[aioice.ice.Connection, aioice.ice.Connection]]:
    restrict_host_addresses(["127.0.0.1"])
    a = aioice.ice.Connection(ice_controlling=True)
    b = aioice.ice.Connection(ice_controlling=False)
    try:
        await asyncio.gather(a.gather_candidates(), b.gather_candidates())
        for one, other in ((a, b), (b, a)):
            one.remote_username, one.remote_password = other.local_username, other.local_password
            for candidate in other.local_candidates:
                await one.add_remote_candidate(candidate)
            await one.add_remote_candidate(None)
        await asyncio.wait_for(asyncio.gather(a.connect(), b.connect()), 10)
        yield a, b
    finally:
        await a.close()
        await b.close()
        restrict_host_addresses(None)


def answers_from(connection: aioice.ice.Connection, delay: float | None) -> None:
    """Everything ``connection`` sends from now on (its consent answers included) leaves
    ``delay`` s late, or never."""
    for protocol in connection._protocols:
        protocol.transport = DelayedTransport(protocol.transport, delay)


async def closed_within(connection: aioice.ice.Connection, seconds: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if connection._closed:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    return None


@pytest.fixture
def quick_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aiortc_private, "CONSENT_INTERVAL_S", 0.2)
    monkeypatch.setattr(aiortc_private, "CONSENT_TIMEOUT_S", 1.5)
    monkeypatch.setattr(aioice.ice, "CONSENT_INTERVAL", 0.2)  # aioice's own, for contrast
    aiortc_private.tolerate_slow_consent()
    yield
    aiortc_private.restore_consent()


async def test_answers_later_than_half_a_second_keep_the_connection(quick_consent):
    async with connected_pair() as (a, b):
        answers_from(b, delay=0.8)  # every answer 0.8 s late, more than aioice's timeout
        assert await closed_within(a, 4.0) is None  # over twice the 1.5 s window
        transactions = [p.transactions for p in a._protocols]
        assert all(len(t) <= 1.5 / 0.16 + 2 for t in transactions)  # old requests forgotten


async def test_no_answer_for_the_whole_window_ends_the_connection(quick_consent):
    async with connected_pair() as (a, b):
        answers_from(b, delay=None)
        took = await closed_within(a, 4.0)
        assert took is not None and 1.5 <= took <= 1.5 + 0.24 + 0.2, took


async def test_aioice_alone_drops_the_same_slow_link(quick_consent):
    aiortc_private.restore_consent()  # what the bridge did before
    async with connected_pair() as (a, b):
        answers_from(b, delay=0.8)
        assert await closed_within(a, 8.0) is not None
