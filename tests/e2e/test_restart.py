"""A bridge killed mid-session (``kill -9``) and started again on the same port and database:
every hall comes back by itself within 10 s, hearing the others, and the session is as the
operator left it — the same hall muted, the same floor, the same shown site and mode. The
same after a clean stop (Ctrl-C, as ``systemctl restart`` does with SIGTERM): the halls
are told the bridge is going away (1012), not that the session ended, so they come back.

Real parts throughout: ``bridge serve`` subprocesses, four headless endpoints
(``python -m endpoints.agent``, reconnecting by default) sending distinct tones and
recording what they hear (FFT of their WAVs), an operator console's WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from endpoints.audio import ToneTrack
from endpoints.operator import OperatorClient, entries_of
from tests.audio_analysis import tone_level_db
from tests.conftest import ROOT, RunningBridge, free_port, start_bridge
from tests.endpoints.cuttable import CuttableLink

AMPLITUDE = 0.1
SENT_DB = tone_level_db(ToneTrack(440, AMPLITUDE, paced=False).next_samples(48_000), 440)
HOST = "Hội trường Trung ương"
FLOOR = "Điểm cầu tỉnh Lào Cai"  # given the floor
MUTED = "Điểm cầu tỉnh Quảng Trị"  # muted by the operator
SHOWN = "Điểm cầu tỉnh Cà Mau"  # shown, then voice-activated switching turned on
TONES = {HOST: 440.0, FLOOR: 620.0, MUTED: 810.0, SHOWN: 1030.0}
HOLD_S = 30.0  # voice mode's hold: long enough that nothing switches during the test
WINDOW_S = 32  # each agent's stay, counted from its first connection
BACK_WITHIN_S = 10.0


class Board:
    """The console's view of the session, kept from what the bridge tells the operator."""

    def __init__(self, operator: OperatorClient) -> None:
        self.sites: dict[int, dict[str, Any]] = {}
        self.floor: int | None = None
        self.shown: dict[str, Any] = {}
        operator.channel.add_listener(self._update)

    def _update(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "roster":
            self.sites = {s["id"]: s for s in message["sites"]}
        elif kind in ("site", "sites"):
            for entry in entries_of(message):
                self.sites[entry["id"]] = entry
        elif kind == "floor":
            self.floor = message["site_id"]
        elif kind == "shown":
            self.shown = message

    def ids(self) -> dict[str, int]:
        return {s["name"]: s["id"] for s in self.sites.values()}

    def all_connected(self) -> bool:
        return len(self.sites) == 4 and all(s["state"] == "connected" for s in self.sites.values())

    def muted(self) -> set[str]:
        return {s["name"] for s in self.sites.values() if s["muted"]}


async def until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.05)


def saved_state(database: Path) -> dict[str, Any] | None:
    with sqlite3.connect(database) as raw:
        row = raw.execute("SELECT snapshot FROM live_state WHERE session_id = 1").fetchone()
    return json.loads(row[0]) if row else None


def start_hall(
    link: str, hz: float, out: Path, seconds: float = WINDOW_S
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "endpoints.agent",
            link,
            "--tone",
            str(hz),
            "--amplitude",
            str(AMPLITUDE),
            "--seconds",
            str(seconds),
            "--timeout",
            "10",
            "--record",
            str(out / "heard.wav"),
            "--stats",
            str(out / "stats.json"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=(out / "stdout.txt").open("wb"),
        stderr=(out / "stderr.txt").open("wb"),
    )


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as source:
        return np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")


def median_level(samples: np.ndarray, hz: float) -> float:
    """The tone's level in each second, the median of them: a second spoilt by a glitch of
    the loaded test machine does not decide, and one FFT over many seconds would smear a
    tone across bins at every gap in the recording."""
    seconds = [samples[i : i + 48_000] for i in range(0, len(samples) - 47_999, 48_000)]
    return float(np.median([tone_level_db(s, hz) for s in seconds]))


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
async def test_a_restarted_bridge_brings_every_hall_back_as_the_operator_left_it(
    tmp_path: Path, stop: signal.Signals
) -> None:
    database, port = tmp_path / "bridge.sqlite3", free_port()
    first: RunningBridge | None = start_bridge(database, port)
    second: RunningBridge | None = None
    assert first is not None
    links, token = first.links, first.login()
    halls: dict[str, subprocess.Popen[bytes]] = {}
    outs = {name: tmp_path / f"hall-{n}" for n, name in enumerate(TONES)}
    operator = OperatorClient(first.url, session_id=1, token=token)
    try:
        for name, hz in TONES.items():
            outs[name].mkdir()
            halls[name] = start_hall(links[name], hz, outs[name])
        board = Board(operator)
        await operator.connect()
        await until(board.all_connected, 30, "the four halls connected before the kill")
        ids = board.ids()

        # The operator runs the briefing: the floor, the shown site, a mute, voice mode.
        await operator.give_floor(ids[FLOOR])
        await operator.show(ids[SHOWN])
        await operator.mute(ids[MUTED])
        await operator.voice_activated(True, HOLD_S)
        await until(
            lambda: (
                board.muted() == {MUTED}
                and board.floor == ids[FLOOR]
                and board.shown.get("site_id") == ids[SHOWN]
                and board.shown.get("mode") == "voice"
            ),
            10,
            "the operator's decisions announced",
        )
        before = dict(board.shown)
        # Written to the store within moments (one small row; the test only waits for it).
        await until(
            lambda: (
                (saved := saved_state(database)) is not None and saved["shown"]["mode"] == "voice"
            ),
            5,
            "the live state saved",
        )
        await operator.close()

        # kill -9 closes nothing, tells nobody, flushes nothing; Ctrl-C closes every
        # connection with 1012 (going away, come back) before the process ends.
        killed = time.monotonic()
        first.process.send_signal(stop)
        first.process.wait(20)
        first = None
        restarting = time.monotonic()
        second = start_bridge(database, port)
        started = time.monotonic()

        operator = OperatorClient(second.url, session_id=1, token=token)
        board = Board(operator)
        await operator.connect()
        await until(
            board.all_connected,
            BACK_WITHIN_S - (time.monotonic() - restarting),
            f"every hall back within {BACK_WITHIN_S} s of the restart",
        )
        back = time.monotonic()
        print(
            f"\nbridge up {started - restarting:.1f} s after the restart began; every hall "
            f"back {back - restarting:.1f} s after it ({back - killed:.1f} s after the {stop.name})"
        )
        # As the operator left it: nobody had to mute, give the floor or show again.
        assert board.muted() == {MUTED}
        assert board.floor == ids[FLOOR]
        assert board.shown == before
        assert before["mode"] == "voice" and before["hold_s"] == HOLD_S

        # Every hall stays to the end of its window and hears the others (not the muted
        # one, never itself) after the restart.
        for name, hall in halls.items():
            await until(lambda h=hall: h.poll() is not None, WINDOW_S + 30, f"{name} done")
        for name, hall in halls.items():
            err = (outs[name] / "stderr.txt").read_text(encoding="utf-8")
            assert hall.returncode == 0, f"{name} exited {hall.returncode}: {err}"
            assert "agent: reconnecting in" in err
            stats = json.loads((outs[name] / "stats.json").read_text(encoding="utf-8"))
            last = stats["connections"][-1]
            assert len(stats["connections"]) >= 2 and last["ended_by"] == "time", stats
            heard = read_wav(outs[name] / "heard.wav")
            after = heard[int((last["audio_s"] + 1.0) * 48_000) :]  # a second to settle
            assert len(after) >= 2 * 48_000, f"{name}: only {len(after) / 48_000:.1f} s after"
            levels = {other: median_level(after, hz) for other, hz in TONES.items()}
            for other, level in levels.items():
                if other in (name, MUTED):
                    assert level < SENT_DB - 20, f"{name} hears {other} after: {levels}"
                else:
                    assert level > SENT_DB - 6, f"{name} does not hear {other}: {levels}"
    finally:
        await operator.close()
        for hall in halls.values():
            if hall.poll() is None:
                hall.kill()
                hall.wait(10)
        for running in (first, second):
            if running is not None:
                running.stop()


async def test_a_hall_cut_off_notices_by_its_keepalive_and_comes_back_when_the_cable_is(
    tmp_path: Path,
) -> None:
    """Only the hall's signaling is cut, silently: it gives the silent socket up within
    17 s (its keepalive, or the bridge's own keepalive dropping it, which closes its media),
    keeps trying, and is back and hearing as soon as the link is."""
    database = tmp_path / "bridge.sqlite3"
    bridge = start_bridge(database)
    link = CuttableLink(bridge.port)
    await link.start()
    cut_hall, other = FLOOR, HOST
    halls: dict[str, subprocess.Popen[bytes]] = {}
    outs = {name: tmp_path / f"hall-{n}" for n, name in enumerate((cut_hall, other))}
    operator = OperatorClient(bridge.url, session_id=1, token=bridge.login())
    try:
        for name, out in outs.items():
            out.mkdir()
            url = bridge.links[name]
            if name == cut_hall:
                url = url.replace(f":{bridge.port}/", f":{link.port}/")
            halls[name] = start_hall(url, TONES[name], out, seconds=34)
        board = Board(operator)
        await operator.connect()

        def both_connected() -> bool:
            states = {s["name"]: s["state"] for s in board.sites.values()}
            return all(states.get(name) == "connected" for name in halls)

        await until(both_connected, 30, "both halls connected")
        ids = board.ids()
        link.up.clear()
        cut = time.monotonic()
        # The bridge's own keepalive drops the silent hall (offline on the console) ...
        await until(lambda: board.sites[ids[cut_hall]]["state"] == "offline", 20, "dropped")
        dropped = time.monotonic() - cut
        # ... and the hall's gives its socket up too (the reconnect line on its stderr).
        err = outs[cut_hall] / "stderr.txt"
        await until(lambda: "agent: reconnecting" in err.read_text(), 20, "hall noticed")
        noticed = time.monotonic() - cut
        await asyncio.sleep(max(0.0, 17 - (time.monotonic() - cut)))
        link.up.set()
        restored = time.monotonic()
        await until(lambda: board.sites[ids[cut_hall]]["state"] == "connected", 20, "hall back")
        back = time.monotonic() - restored
        print(
            f"\nbridge dropped the hall {dropped:.1f} s after the cut, the hall noticed after "
            f"{noticed:.1f} s; back {back:.1f} s after the link was"
        )
        assert noticed <= 18  # 10-15 s of keepalive, 2 s for a close nobody answers
        assert back <= 10
        for name, hall in halls.items():
            await until(lambda h=hall: h.poll() is not None, 60, f"{name} done")
            assert hall.returncode == 0, (outs[name] / "stderr.txt").read_text()
        stats = json.loads((outs[cut_hall] / "stats.json").read_text(encoding="utf-8"))
        last = stats["connections"][-1]
        # Its keepalive closed the socket (1011), or the bridge's drop closed its media
        # first, whichever came first: both start it over.
        assert stats["connections"][0]["ended_by"] in ("disconnected", "media_failed")
        assert len(stats["connections"]) >= 2 and last["ended_by"] == "time"
        heard = read_wav(outs[cut_hall] / "heard.wav")[int((last["audio_s"] + 1) * 48_000) :]
        assert len(heard) >= 2 * 48_000
        assert median_level(heard, TONES[other]) > SENT_DB - 6
    finally:
        await operator.close()
        for hall in halls.values():
            if hall.poll() is None:
                hall.kill()
                hall.wait(10)
        await link.close()
        bridge.stop()


async def test_a_clean_stop_keeps_the_raised_hands_for_the_next_start(tmp_path: Path) -> None:
    """Ctrl-C (or systemd's SIGTERM) closes every hall's WebSocket before the app's own
    shutdown; those closes must not read as halls leaving (which lowers their hands)."""
    from endpoints.session import SiteClient

    database, port = tmp_path / "bridge.sqlite3", free_port()
    running: RunningBridge | None = start_bridge(database, port)
    assert running is not None
    hall = SiteClient(running.links[FLOOR])
    try:
        await hall.join()
        await hall.raise_hand()
        await hall.expect_site(hall.site["id"], lambda site: site["hand_raised"])
        await until(
            lambda: any(s["hand_seq"] for s in (saved_state(database) or {}).get("sites", [])),
            5,
            "the raised hand saved",
        )
        running.process.send_signal(signal.SIGINT)
        running.process.wait(20)
        running = None
        saved = saved_state(database)
        assert saved is not None
        [raised] = [s for s in saved["sites"] if s["hand_seq"] is not None]
        assert raised["id"] == hall.site["id"], saved
    finally:
        await hall.close()
        if running is not None:
            running.stop()
