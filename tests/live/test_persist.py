"""A live session's state kept in a real SQLite store, and taken up by a restarted bridge
(a second ``LiveSessions`` on the same file), with the fake media of tests/live/fakes.py."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import pytest

from bridge.conference import ConnectionState, GiveFloor, Mute, RaiseHand, ShowSite, Unmute
from bridge.conference.shown import ShownMode
from bridge.live import LiveSessions
from bridge.store import SessionState, Store
from tests.live.fakes import FakeMedia, FakeParticipant


def open_session(store: Store) -> tuple[int, list[int]]:
    host = store.sites.create("Trung ương", "central")
    others = [store.sites.create(f"Tỉnh {n}", "province", host.id) for n in range(3)]
    roster = [host.id, *(s.id for s in others)]
    session = store.sessions.create("Giao ban", host.id, roster, SessionState.OPEN)
    return session.id, roster


def bridge_on(store: Store) -> tuple[LiveSessions, list[FakeMedia]]:
    medias: list[FakeMedia] = []

    def media() -> FakeMedia:
        medias.append(FakeMedia())
        return medias[-1]

    return LiveSessions(store, [], media), medias  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "bridge.sqlite3")
    yield opened
    opened.close()


async def test_a_restarted_bridge_takes_up_mutes_hands_floor_and_shown_site(store: Store) -> None:
    session_id, (host, a, b, c) = open_session(store)
    first, _ = bridge_on(store)
    live = await first.get(session_id)
    for site in (host, a, b, c):
        live.attach_site(site, FakeParticipant(f"site {site}"))
    live.command(Mute(b, "account:op"))
    live.command(RaiseHand(c))
    live.command(GiveFloor(a, "account:op"))
    live.command(ShowSite(c, "account:op"))
    await first.keeper.flush()
    # The process dies here: nothing is closed, nobody leaves.

    second, medias = bridge_on(store)
    assert await second.reopen() == [session_id]  # before any hall is back
    back = second.find(session_id)
    assert back is not None
    conf = back.conference
    assert {s.id: s.muted for s in conf.roster()} == {host: False, a: False, b: True, c: False}
    assert all(s.state is ConnectionState.OFFLINE for s in conf.roster())
    assert conf.floor == a
    assert conf.shown.site_id == c and conf.shown.mode is ShownMode.MANUAL
    assert conf.hands() == []  # held back while offline ...
    back.attach_site(c, FakeParticipant("site c"))
    assert [s.id for s in conf.hands()] == [c]  # ... and up again once it is back
    # The muted hall's media starts muted in the mix: nobody hears it before the news.
    participant = FakeParticipant("site b")
    back.attach_site(b, participant)
    await back.offer(b, participant, "offer")
    assert medias[0].muted[b] is True


async def test_joins_leaves_and_media_states_write_nothing(store: Store) -> None:
    session_id, roster = open_session(store)
    bridge, _ = bridge_on(store)
    live = await bridge.get(session_id)
    participants = [FakeParticipant(str(s)) for s in roster]
    for site, participant in zip(roster, participants, strict=True):
        live.attach_site(site, participant)
    for site, participant in zip(roster, participants, strict=True):
        await live.detach_site(site, participant)
    await bridge.keeper.flush()
    assert bridge.keeper.writes == 0 and store.live_state.get(session_id) is None


async def test_a_burst_is_coalesced_one_write_at_a_time_and_the_latest_state_wins(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "bridge.sqlite3")
    session_id, (_, a, *_) = open_session(store)
    in_flight, most, lock = 0, 0, threading.Lock()
    save = store.live_state.save

    def slow_save(sid: int, snapshot: dict) -> None:  # a slow disk: 20 ms a write
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.02)
        save(sid, snapshot)
        with lock:
            in_flight -= 1

    store.live_state.save = slow_save  # type: ignore[method-assign]
    bridge, _ = bridge_on(store)
    live = await bridge.get(session_id)
    live.attach_site(a, FakeParticipant("a"))
    started = time.monotonic()
    for _ in range(100):
        live.command(Mute(a, "account:op"))
        live.command(Unmute(a, "account:op"))
        await asyncio.sleep(0)
    live.command(Mute(a, "account:op"))
    handled = time.monotonic() - started
    await bridge.keeper.flush()
    # The commands never waited for the disk: waiting would take 201 x 20 ms = 4 s (the bound
    # leaves room for a loaded machine).
    assert handled < 1.0
    assert most == 1
    assert 1 <= bridge.keeper.writes <= 5
    saved = store.live_state.get(session_id)
    assert saved is not None
    assert next(s for s in saved.snapshot["sites"] if s["id"] == a)["muted"] is True
    store.close()


async def test_closing_is_not_saved_and_a_closed_session_is_not_reopened(store: Store) -> None:
    session_id, (_, a, *_) = open_session(store)
    bridge, _ = bridge_on(store)
    live = await bridge.get(session_id)
    live.command(Mute(a, "account:op"))
    await bridge.keeper.flush()
    await bridge.close_all()  # a shutdown: the conference closes, its saved state stays
    saved = store.live_state.get(session_id)
    assert saved is not None
    assert [s["muted"] for s in saved.snapshot["sites"]] == [False, True, False, False]
    store.sessions.set_state(session_id, SessionState.CLOSED)
    again, _ = bridge_on(store)
    assert await again.reopen() == []


async def test_a_damaged_saved_state_is_ignored_and_the_session_starts_afresh(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    session_id, _ = open_session(store)
    store.live_state.save(session_id, {"version": 99})
    bridge, _ = bridge_on(store)
    with caplog.at_level(logging.WARNING):
        live = await bridge.get(session_id)
    assert "saved live state ignored" in caplog.text
    assert not any(s.muted for s in live.conference.roster())
