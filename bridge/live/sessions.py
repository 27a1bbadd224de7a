"""The open sessions that have someone in them, created on first join.

The store is synchronous (SQLite); its calls run in a worker thread so a join never
stalls the mixer clock on the same loop. Each new ``LiveSession`` gets a fresh media side
from ``media_factory`` and is handed to every ``on_open`` hook (the broadcast of the
signaling layer, the audit log), which register their effect handlers on it.

A restart forgets nothing an operator decided: each live session's state (mutes, hands,
floor, shown site and mode) is kept in the store as it changes (``persist.py``), and a
live session opened again — on start for every open session that was live, or on its
first join — takes that state up before anyone is told anything (every site offline
until it joins again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from bridge.conference import Conference, RosterSite, UnknownSite
from bridge.conference.shown import DEFAULT_HOLD_S
from bridge.conference.snapshot import ConferenceSnapshot, SnapshotError, from_json
from bridge.live.media import MediaSide
from bridge.live.persist import LiveStateKeeper
from bridge.live.session import LiveSession
from bridge.store import NotFound, SessionState, Store

log = logging.getLogger(__name__)

PUSH_BATCH = 10  # halls given a new profile per turn of the event loop
SHUTDOWN = "shutdown"  # who closes the live sessions when the bridge stops


class SessionUnavailable(Exception):
    """The session cannot be joined: ``code`` is ``wrong_session`` (no such session),
    ``session_not_open`` or ``session_closed``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ReportWriter:
    """Halls' answers to their profiles, kept in the store (the console's profiles screen
    shows an offline hall's last one): the latest per hall, written by one task at a time
    from a worker thread, so a hall that answers in a loop costs one write per round."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: dict[int, tuple[int, int, dict[str, Any]]] = {}
        self._task: asyncio.Task[None] | None = None

    def feed(self, session_id: int) -> Callable[[int, int, dict[str, Any]], None]:
        def write(site_id: int, revision: int, report: dict[str, Any]) -> None:
            self._pending[site_id] = (session_id, revision, report)
            if self._task is None or self._task.done():
                self._task = asyncio.get_running_loop().create_task(self._drain())

        return write

    async def _drain(self) -> None:
        while self._pending:
            site_id, (session_id, revision, report) = self._pending.popitem()
            try:
                await asyncio.to_thread(
                    self._store.profiles.save_report, site_id, session_id, revision, report
                )
            except Exception:  # a busy or full disk: the live state still holds it
                log.exception("site %s: profile report not stored", site_id)


class LiveSessions:
    def __init__(
        self,
        store: Store,
        ice_servers: list[dict[str, str]],
        media_factory: Callable[[], MediaSide],
        voice_hold_s: float = DEFAULT_HOLD_S,
    ) -> None:
        self._store = store
        self._ice_servers = ice_servers
        self._media_factory = media_factory
        self._voice_hold_s = voice_hold_s
        self._live: dict[int, LiveSession] = {}
        self._lock = asyncio.Lock()
        self.on_open: list[Callable[[LiveSession], None]] = []
        # Issue 14: told the id of each session closed for good (not a shutdown's).
        self.on_closed: list[Callable[[int], None]] = []
        self.keeper = LiveStateKeeper(store.live_state.save)
        self._reports = ReportWriter(store)
        self._writes: set[asyncio.Task[None]] = set()  # results on their way to the store

    def find(self, session_id: int) -> LiveSession | None:
        return self._live.get(session_id)

    def _results(self, session_id: int) -> Callable[[Mapping[str, Any]], None]:
        """Where a finished connection test goes: the store, in a thread (its history and
        the board read it there). A result the store refuses is logged, never raised."""

        def write(result: Mapping[str, Any]) -> None:
            task = asyncio.get_running_loop().create_task(
                self._record({**result, "session_id": session_id})
            )
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

        return write

    async def _record(self, result: Mapping[str, Any]) -> None:
        try:
            await asyncio.to_thread(self._store.readiness.record, result)
        except Exception:
            log.exception("site %s: connection test result not stored", result.get("site_id"))

    def all(self) -> list[LiveSession]:
        return list(self._live.values())

    async def get(self, session_id: int) -> LiveSession:
        """The live session, or ``SessionUnavailable`` if it is not open."""
        async with self._lock:
            live = self._live.get(session_id)
            if live is not None:
                if live.conference.state == "scheduled":  # its test window: opened since?
                    await self._catch_up(live)
                return live
            try:
                session = await asyncio.to_thread(self._store.sessions.get, session_id)
                sites = await asyncio.to_thread(self._store.sessions.roster_sites, session_id)
            except NotFound:
                raise SessionUnavailable("wrong_session") from None
            if session.state is SessionState.CLOSED:
                raise SessionUnavailable("session_closed")
            if session.state is not SessionState.OPEN and not await self._testing(session_id):
                raise SessionUnavailable("session_not_open")
            conference = Conference(
                session.id,
                session.title,
                session.host_site_id,
                [RosterSite(s.id, s.name, str(s.level)) for s in sites],
                state=str(session.state),
                hold_s=self._voice_hold_s,
            )
            saved = await self._saved_state(session_id)
            if saved is not None:
                conference.restore(saved)
                log.info("session %s: live state restored", session_id)
            live = LiveSession(conference, self._media_factory(), self._ice_servers)
            for hook in self.on_open:
                hook(live)
            live.devices.report_feeds.append(self._reports.feed(session_id))
            live.tests.on_result.append(self._results(session_id))
            await self._load_profiles(live)
            # What it holds now is what the store holds, or a fresh session's defaults.
            self.keeper.watch(live, conference.snapshot())
            self._live[session_id] = live
            return live

    # ---- the roster changed in the store (docs/office.md, "Rosters") ----------------------

    async def roster_added(self, session_id: int, site: RosterSite, by: str) -> bool:
        """A site was put on the session's roster in the store: if the session is live,
        its conference takes it too (everyone is told; the hall may join at once) and its
        profile is resolved. Under the lock that opens live sessions, so one being opened
        now is seen finished: built from the store before the change (it is added) or
        after (it has it). True if a live session took it."""
        async with self._lock:
            live = self._live.get(session_id)
            if live is None or not live.add_to_roster(site, by):
                return False
            await self._load_profiles(live)
            return True

    async def roster_removed(self, session_id: int, site_id: int, by: str) -> bool:
        """A site was taken off the session's roster in the store (its join tokens with
        it): if the session is live, a connected hall is removed (it hears ``removed``) and
        the conference drops it. True if a live session had it."""
        async with self._lock:
            live = self._live.get(session_id)
            if live is None:
                return False
            try:
                await live.remove_from_roster(site_id, by)
            except UnknownSite:  # opened since without it
                return False
            return True

    async def _testing(self, session_id: int) -> bool:
        """Whether a scheduled session is in its test window now: its halls may join to
        test, and the operator rehearse with those there (docs/connection-tests.md)."""
        try:
            window = await asyncio.to_thread(self._store.sessions.test_window, session_id)
        except Exception:
            log.exception("session %s: test window not read", session_id)
            return False
        return window is not None and window.contains(self._store.db.clock())

    async def _catch_up(self, live: LiveSession) -> None:
        """A session live for its test window that has since been opened is open."""
        try:
            session = await asyncio.to_thread(self._store.sessions.get, live.conference.session_id)
        except NotFound:
            return
        if session.state is SessionState.OPEN:
            live.conference.opened()

    async def _load_profiles(self, live: LiveSession) -> None:
        """Resolve every roster hall's effective profile from the store and hand them to
        the live session (which sends the changed ones to their halls)."""
        roster = [site.id for site in live.conference.roster()]
        try:
            found = await asyncio.to_thread(self._store.profiles.profiles_many, roster)
        except Exception:  # a profile the store cannot read must not keep a session shut
            log.exception("session %s: hardware profiles not loaded", live.conference.session_id)
            return
        # A few halls at a time, the loop handed back in between: a push to a hundred halls
        # never holds the mixer's 20 ms clock for long (benchmarks/profile_push.py).
        items = list(found.items())
        for start in range(0, len(items), PUSH_BATCH):
            live.set_profiles(dict(items[start : start + PUSH_BATCH]))
            await asyncio.sleep(0)

    async def profiles_changed(self) -> None:
        """A profile or an assignment changed: re-resolve every live session's halls; those
        whose effective profile changed get it at once (within the round trip of a push)."""
        for live in self.all():
            await self._load_profiles(live)

    async def _profiles_generation(self) -> tuple[Any, ...] | None:
        try:
            return await asyncio.to_thread(self._store.profiles.generation)
        except Exception:  # a busy store: look again next time
            log.exception("reading the profiles' generation failed")
            return None

    async def _saved_state(self, session_id: int) -> ConferenceSnapshot | None:
        stored = await asyncio.to_thread(self._store.live_state.get, session_id)
        if stored is None:
            return None
        try:
            return from_json(stored.snapshot)
        except SnapshotError as exc:  # the session starts afresh rather than not at all
            log.warning("session %s: saved live state ignored: %s", session_id, exc)
            return None

    async def reopen(self) -> list[int]:
        """Open again every open session that has a saved live state (it was live when the
        bridge stopped), so consoles see it as it was before any hall is back."""
        sessions = await asyncio.to_thread(self._store.sessions.list)
        reopened = []
        for session in sessions:
            if session.state is not SessionState.OPEN or session.id in self._live:
                continue
            if await asyncio.to_thread(self._store.live_state.get, session.id) is None:
                continue
            try:
                await self.get(session.id)
            except SessionUnavailable:  # closed meanwhile
                continue
            reopened.append(session.id)
        return reopened

    # -- issue 13 B: a scheduled session opens by itself at its start ---------------------

    async def open_due(
        self, record: Callable[[int, str, dict[str, Any]], None] | None = None
    ) -> list[int]:
        """Open every scheduled session whose start has come (its end not yet passed),
        as ``schedule``; a live one (halls in its test window) is told at once, as are
        live sessions opened in the store by someone else meanwhile. ``record(session_id,
        action, detail)`` audits an opening no live session saw. The sessions opened."""
        from bridge.conference import SessionChanged
        from bridge.store.bookings import due_sessions
        from bridge.use_cases import open_session

        now = self._store.db.clock()
        opened = []
        for session_id in await asyncio.to_thread(due_sessions, self._store.db, now):
            try:
                await asyncio.to_thread(open_session, self._store, session_id)
            except Exception:  # closed meanwhile, or a busy store: next time
                log.exception("session %s: not opened at its start", session_id)
                continue
            opened.append(session_id)
            log.info("session %s: opened at its start", session_id)
            live = self._live.get(session_id)
            if live is not None and live.conference.state == "scheduled":
                live.conference.opened()
                # Its halls and consoles hear it; the audit log takes it from the event.
                live.effects.dispatch(
                    SessionChanged("open", by="schedule", at=now, cause="open_session")
                )
            elif record is not None:
                record(session_id, "open_session", {"starts": "scheduled"})
        for live in self.all():
            if live.conference.state == "scheduled" and live.conference.session_id not in opened:
                await self._catch_up(live)
        return opened

    async def follow_schedule(
        self,
        interval: float = 15.0,
        record: Callable[[int, str, dict[str, Any]], None] | None = None,
    ) -> None:
        """``open_due`` every ``interval`` seconds, for the server's lifetime."""
        while True:
            try:
                await self.open_due(record)
            except Exception:  # a busy store: try again next time
                log.exception("opening the sessions due failed")
            await asyncio.sleep(interval)

    async def close(self, session_id: int, by: str) -> None:
        await self._close_live(session_id, by)
        if by != SHUTDOWN:
            # Issue 14: the session is closed for good (its report's summaries are made).
            for hook in self.on_closed:
                hook(session_id)

    async def _close_live(self, session_id: int, by: str) -> None:
        live = self._live.pop(session_id, None)
        if live is not None:
            self.keeper.forget(session_id)
            await live.close(by)

    async def stopping(self) -> None:
        """The server begins to stop, before it closes the halls' connections: the state
        saved from here on is the one the halls were in (their hands still raised)."""
        await self.keeper.freeze()

    async def close_all(self) -> None:
        """Shut down: what changed is written first; the saved states stay for the next
        start (shutting down is not closing the sessions)."""
        await self.keeper.flush()
        for session_id in list(self._live):
            await self._close_live(session_id, SHUTDOWN)

    async def follow_store(self, interval: float = 2.0) -> None:
        """Close live sessions that were closed in the store by someone else (``bridge
        session close`` from the command line, another process), and push profiles changed
        there (``bridge profile``): their sites hear it within ``interval`` seconds. Runs
        for the server's lifetime; first it opens again the sessions that were live when the
        bridge stopped (``reopen``)."""
        try:
            reopened = await self.reopen()
        except Exception:  # the halls' joins open them anyway
            log.exception("reopening the live sessions failed")
        else:
            if reopened:
                log.info("live sessions taken up again: %s", reopened)
        generation = await self._profiles_generation()
        while True:
            await asyncio.sleep(interval)
            # Profiles changed by another process (``bridge profile``) reach the halls too.
            now = await self._profiles_generation()
            if now is not None and now != generation:
                generation = now
                await self.profiles_changed()
            for session_id in list(self._live):
                try:
                    session = await asyncio.to_thread(self._store.sessions.get, session_id)
                except NotFound:
                    closed = True
                except Exception:  # a busy or unreadable store: try again next time
                    log.exception("checking session %s in the store failed", session_id)
                    continue
                else:
                    closed = session.state is SessionState.CLOSED
                if closed:
                    await self.close(session_id, "system:store")
