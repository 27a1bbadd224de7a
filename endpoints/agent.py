"""The headless site endpoint: join with a link, talk, listen, record, report.

    python -m endpoints.agent LINK [--tone HZ | --wav FILE] [--video COLOUR] [--record OUT.wav]
        [--seconds S] [--relay-only] [--no-reconnect]

Library use (tests, benchmarks)::

    result = await run_agent(AgentOptions(link, tone_hz=440, seconds=3))
    dominant_frequency(result.audio)

With ``--test`` it runs the hall's connection test instead (docs/connection-tests.md) and
prints the verdict with its reasons (``--json``: the whole result); exit status 0 ready,
3 warning, 4 not ready.

Exit status: 0 success, 2 bad input (link, options, audio file), 1 anything that went wrong
at run time (refused connection, the bridge's error, ICE timeout). Failures print one line,
``agent: error: <code>: <message>``, never a traceback.

A hall's PC runs unattended, so by default the agent reconnects, as the site page does,
after anything that is not a decision — the bridge restarted, the network was cut, the
keepalive timed out, ICE failed — waiting 1, 2, 4, 8, 15, 15… s (jittered) between
attempts and saying so on stderr; an operator's removal, the session's end and a wrong or
expired link end it for good (endpoints/reconnect.py). ``--seconds`` counts from the first
time media connects, outages included. ``--no-reconnect`` makes any end final (tests and
benchmarks that expect the agent to exit).

Whatever it runs, the agent takes part in connection tests as a hall page does: it answers
a test the operator starts from the console, and when it joins a session in its test
window (``joined.testing``) it runs its own at once, once, printing the verdict on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import logging
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TextIO

from aiortc.mediastreams import MediaStreamTrack

from bridge.media.aiortc_private import tolerate_slow_consent
from endpoints.audio import (
    SAMPLE_RATE,
    AudioSourceError,
    GapSummary,
    PacedAudioTrack,
    Recorder,
    Samples,
    SilenceTrack,
    ToneTrack,
    WavTrack,
    dominant_frequency,
    rms_dbfs,
    write_wav,
)
from endpoints.connection_test import HallTest
from endpoints.devices import load_inventory
from endpoints.link import JoinLink, LinkError, parse_link
from endpoints.loopback import AcousticLoop
from endpoints.reconnect import Backoff, judge
from endpoints.room import RoomMicrophone
from endpoints.session import (
    AgentError,
    Message,
    ReceivedMessage,
    SiteClient,
    StateChange,
    state_history,
)
from endpoints.video import COLOURS, EncodedVideoTrack, encode_picture

# Codes that mean the input was wrong (exit 2), as opposed to a run that failed (exit 1).
USAGE_CODES = frozenset({"bad_link", "bad_audio", "bad_option"})
# Recorded audio is kept for the requested seconds plus this, for frames that arrive while
# the window closes (the jitter buffer can release a few at once).
RECORD_MARGIN_SECONDS = 1.0

__all__ = ["AgentError", "AgentOptions", "AgentResult", "main", "run_agent"]


@dataclass
class AgentOptions:
    """What the agent does. Exactly one of ``tone_hz``/``wav`` (or neither: silence)."""

    link: str  # http://HOST:PORT/site/<session_id>#token=<token>
    tone_hz: float | None = None  # send a sine of this frequency ...
    wav: Path | None = None  # ... or this sound file, resampled to 48 kHz mono and looped
    amplitude: float = 0.1  # sine peak amplitude (0.1 ≈ −23 dBFS RMS)
    record: Path | None = None  # write what is heard here (48 kHz mono s16 WAV)
    seconds: float = 5.0  # how long to stay after media connects
    events: Path | None = None  # every signaling message received, as JSON lines
    stats: Path | None = None  # frame arrival and ICE state summary, as JSON
    lang: str = "vi"
    connect_timeout: float = 15.0  # for socket + joined, then again for answer + ICE connected
    video: str | None = None  # send a camera of this colour (endpoints.video.COLOURS), see video
    relay_only: bool = False  # media only through the bridge's TURN server (strict firewalls)
    reconnect: bool = True  # come back after a restart, a cut, a timeout (endpoints/reconnect.py)
    inventory: Path | None = None  # the devices it says it has (endpoints/devices.py), JSON
    test: bool = False  # run the hall's connection test, print its verdict (exit code by it)
    json_output: bool = False  # with test: print the whole result as JSON
    # with test: the room's loudspeaker heard by the microphone (delay ms, attenuation dB)
    acoustic_loop: tuple[float, float] | None = None


@dataclass
class AgentResult:
    """What happened: who the bridge said we are, what was heard, how regularly."""

    site: Message
    session: Message
    audio: Samples  # 48 kHz mono int16: what was heard in the window
    gaps: GapSummary
    connect_seconds: float  # from start to connectionState "connected"
    ended_by: str  # "time" when the full window was recorded
    state_changes: list[StateChange] = field(default_factory=list)
    messages: list[ReceivedMessage] = field(default_factory=list)
    started: float = 0.0  # time.monotonic() at start; every other time is relative to it
    seen: dict[str, int] = field(default_factory=dict)  # colours seen: frames of each
    connections: list[Connection] = field(default_factory=list)  # one per attempt

    @property
    def frames(self) -> int:
        return self.gaps.frames

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    def stats(self) -> dict[str, Any]:
        """The ``--stats`` JSON document."""
        level = rms_dbfs(self.audio)
        return {
            "ended_by": self.ended_by,
            "connect_seconds": (
                round(self.connect_seconds, 4) if math.isfinite(self.connect_seconds) else None
            ),
            "frames": self.gaps.frames,
            "seconds_recorded": round(self.seconds, 3),
            "gaps": {
                "max_ms": round(self.gaps.max_gap_ms, 2),
                "over_60ms": self.gaps.late_gaps,
                "p50_ms": round(self.gaps.p50_gap_ms, 2),
                "p99_ms": round(self.gaps.p99_gap_ms, 2),
            },
            "rms_dbfs": round(level, 2) if math.isfinite(level) else None,
            "dominant_hz": round(dominant_frequency(self.audio), 1) if len(self.audio) else None,
            "states": state_history(self.state_changes, self.started),
            "site": self.site,
            "session": self.session,
            "video_seen": self.seen,
            "connections": [c.stats(self.started) for c in self.connections],
        }


@dataclass
class Connection:
    """One attempt to be in the session: when it joined, connected, ended, and why.
    ``audio_s``: where its audio begins in the recording (None: not in it, or none)."""

    attempt: int
    began: float
    joined: float | None = None
    connected: float | None = None
    ended: float | None = None
    ended_by: str = ""
    heard_at_connect: int | None = None  # samples heard before it connected
    audio_s: float | None = None

    def stats(self, origin: float) -> dict[str, Any]:
        def rel(t: float | None) -> float | None:
            return None if t is None else round(t - origin, 3)

        return {
            "attempt": self.attempt,
            "began": rel(self.began),
            "joined": rel(self.joined),
            "connected": rel(self.connected),
            "ended": rel(self.ended),
            "ended_by": self.ended_by,
            "audio_s": None if self.audio_s is None else round(self.audio_s, 3),
        }


async def run_agent(opts: AgentOptions) -> AgentResult:
    """Join, send the source, record for ``opts.seconds``, leave; write the output files.

    Raises ``AgentError`` on any failure; codes in ``USAGE_CODES`` mean bad input. If the
    session ends early (``session_closed``, ``disconnected``, ``media_failed``) the files
    are still written, then the error is raised. With ``opts.reconnect`` an end that is not
    final (endpoints/reconnect.py) is followed by a new attempt instead, until the window
    is over.
    """
    # A kiosk hall may sit on a satellite or congested provincial link: keep ICE consent as
    # RFC 7675 allows (any answer within 30 s), as the bridge does, not aioice's 0.5 s.
    tolerate_slow_consent()
    link, track = _prepare(opts)
    run = _Run(opts, link, track)
    try:
        return await run.run()
    finally:
        run.close()


class _Run:
    """The agent's attempts, one ``SiteClient`` each, sharing one recorder and one log."""

    def __init__(self, opts: AgentOptions, link: JoinLink, first_track: MediaStreamTrack) -> None:
        self.opts = opts
        self.link = link
        self.started = time.monotonic()
        self.recorder = Recorder(opts.seconds + RECORD_MARGIN_SECONDS)
        self.connections: list[Connection] = []
        self.state_changes: list[StateChange] = []
        self.messages: list[ReceivedMessage] = []
        self.seen: collections.Counter[str] = collections.Counter()
        self.site: Message = {}
        self.session: Message = {}
        self.connect_seconds = math.nan
        self.deadline: float | None = None  # the window's end, once media first connected
        self._close_code: int | None = None  # the last attempt's WebSocket close code
        self._early = AgentError("disconnected", "the connection ended")
        self._next_track: MediaStreamTrack | None = first_track
        self._picture = encode_picture(opts.video) if opts.video is not None else None
        self._inventory = None
        if opts.inventory is not None:
            try:
                self._inventory = load_inventory(opts.inventory)
            except ValueError as exc:
                raise AgentError("bad_option", f"--inventory: {exc}") from None
        self._tested = False  # its own test in the window runs once, not at every reconnection
        self._self_test: asyncio.Future[None] | None = None
        self.test_result: Message | None = None
        self._events: TextIO | None = None
        if opts.events is not None:
            try:
                self._events = opts.events.open("w", encoding="utf-8")
            except OSError as exc:
                raise AgentError(
                    "bad_option", f"cannot write events to {opts.events}: {exc.strerror}"
                ) from None

    def close(self) -> None:
        if self._events is not None:
            self._events.close()

    async def run(self) -> AgentResult:
        backoff = Backoff()
        while True:
            connection = Connection(len(self.connections) + 1, time.monotonic())
            self.connections.append(connection)
            try:
                ended_by = await self._attempt(connection)
            except AgentError as exc:
                error = exc
            else:
                if ended_by == "time":
                    return self._finish("time")
                error = self._early
            connection.ended_by = connection.ended_by or error.code
            if connection.connected is not None:
                backoff.reset()  # it worked: the next wait is the shortest again
            verdict = judge(error.code, self._close_code)
            remaining = self._remaining()
            if not self.opts.reconnect or not verdict.retry or remaining <= 0:
                if self.opts.reconnect and not verdict.retry and error.code not in USAGE_CODES:
                    message = f"{error.message} (not reconnecting: {verdict.reason})"
                    error = AgentError(verdict.code, message)
                raise self._fail(error)
            wait = min(backoff.next(), remaining)
            print(
                f"agent: reconnecting in {wait:.1f} s ({error.code}: {error.message})",
                file=sys.stderr,
                flush=True,
            )
            await asyncio.sleep(wait)
            if self._remaining() <= 0:
                raise self._fail(error)

    def _remaining(self) -> float:
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    async def _attempt(self, connection: Connection) -> str:
        """One connection, from socket to its end; "time" when the window is over."""
        opts = self.opts
        self._close_code = None
        self._early = AgentError("disconnected", "the connection ended")
        client = SiteClient(
            self.link,
            lang=opts.lang,
            events=self._events,
            relay_only=opts.relay_only,
            recorder=self.recorder,
            inventory=self._inventory,
        )
        try:
            await client.join(timeout=opts.connect_timeout)
            connection.joined = time.monotonic()
            self.site, self.session = client.site or {}, client.session or {}
            camera = EncodedVideoTrack(self._picture) if self._picture is not None else None
            await client.start_media(self._track(), video=camera, timeout=opts.connect_timeout)
            now = connection.connected = time.monotonic()
            connection.heard_at_connect = _heard(self.recorder)
            test = HallTest(client)  # answers a test staff start; its own in the window
            if client.testing and not self._tested:
                self._tested = True
                self._self_test = asyncio.ensure_future(self._test_in_window(test))
            if self.deadline is None:
                self.connect_seconds = now - self.started
                self.deadline = now + opts.seconds
            ended_by = await client.wait_until_ended(max(0.0, self.deadline - now))
            connection.ended_by = ended_by
            if ended_by == "time":
                self.recorder.stop()
                await client.leave()
            elif ended_by == "session_closed":
                self._early = AgentError("session_closed", "the operator closed the session")
            elif ended_by == "disconnected":
                self._early = client.closed_error()
            else:
                self._early = AgentError("media_failed", "the media connection failed")
            return ended_by
        finally:
            connection.ended = time.monotonic()
            if self._self_test is not None and not self._self_test.done():
                self._self_test.cancel()  # the connection it measured is going
            with contextlib.suppress(AgentError):  # no channel: it never connected
                self._close_code = client.channel.close_code
            self.state_changes.extend(client.state_changes)
            self.messages.extend(client.messages)
            self.seen.update(s.colour for s in client.video.seen)
            await client.close()

    async def _test_in_window(self, test: HallTest) -> None:
        """The hall's own connection test, as the site page runs it in the test window."""
        try:
            result = await test.run()
        except AgentError as exc:
            print(f"agent: connection test: {exc.code}: {exc.message}", file=sys.stderr)
            return
        self.test_result = result
        print(f"agent: connection test: {_test_summary(result, self.opts.lang)}", file=sys.stderr)

    def _track(self) -> MediaStreamTrack:
        """The audio source for an attempt: each peer connection gets a fresh one."""
        track, self._next_track = self._next_track, None
        return track if track is not None else _source(self.opts)

    def _result(self, ended_by: str) -> AgentResult:
        audio = self.recorder.samples()[-int(self.opts.seconds * SAMPLE_RATE) :]
        start = _heard(self.recorder) - len(audio)  # the recording's first sample
        for c in self.connections:
            if c.heard_at_connect is not None and c.heard_at_connect >= start:
                c.audio_s = (c.heard_at_connect - start) / SAMPLE_RATE
        return AgentResult(
            site=self.site,
            session=self.session,
            audio=audio,
            gaps=self.recorder.gaps(),
            connect_seconds=self.connect_seconds,
            ended_by=ended_by,
            state_changes=self.state_changes,
            messages=self.messages,
            started=self.started,
            seen=dict(self.seen),
            connections=self.connections,
        )

    def _finish(self, ended_by: str) -> AgentResult:
        result = self._result(ended_by)
        _write_outputs(self.opts, result)
        return result

    def _fail(self, error: AgentError) -> AgentError:
        """Write what was learnt (the state history diagnoses a failure) and say why the
        run ended. No WAV when media never connected: an empty recording would read as
        "heard silence"."""
        self.recorder.stop()
        result = self._result(error.code)
        with contextlib.suppress(AgentError):
            _write_outputs(self.opts, result, record=self.deadline is not None)
        if self.deadline is None or error.code in USAGE_CODES:
            return error
        return AgentError(error.code, f"{error.message} (after {result.seconds:.1f} s of audio)")


def _heard(recorder: Recorder) -> int:
    """Samples heard so far, past what the recorder keeps."""
    return round(recorder.seconds * SAMPLE_RATE)


def _prepare(opts: AgentOptions) -> tuple[JoinLink, MediaStreamTrack]:
    """Check everything that can be checked before touching the network."""
    try:
        link = parse_link(opts.link)
    except LinkError as exc:
        raise AgentError("bad_link", str(exc)) from None
    if opts.tone_hz is not None and opts.wav is not None:
        raise AgentError("bad_option", "choose either a tone or a WAV file, not both")
    for name, value in (("seconds", opts.seconds), ("connect timeout", opts.connect_timeout)):
        if not (math.isfinite(value) and value > 0):
            raise AgentError("bad_option", f"{name} must be a positive number, got {value}")
    if opts.video is not None and opts.video not in COLOURS:
        names = ", ".join(COLOURS)
        raise AgentError("bad_option", f"video colour must be one of {names}, got {opts.video!r}")
    if opts.lang not in ("vi", "en"):
        raise AgentError("bad_option", f"language must be vi or en, got {opts.lang!r}")
    for path in (opts.record, opts.stats, opts.events):
        if path is not None and not path.parent.is_dir():
            raise AgentError("bad_option", f"cannot write {path}: no such directory")
    return link, _source(opts)


def _source(opts: AgentOptions) -> MediaStreamTrack:
    try:
        if opts.tone_hz is not None:
            return ToneTrack(opts.tone_hz, opts.amplitude)
        if opts.wav is not None:
            return WavTrack(opts.wav)
        return SilenceTrack()
    except AudioSourceError as exc:
        raise AgentError("bad_audio", str(exc)) from None


def _write_outputs(opts: AgentOptions, result: AgentResult, *, record: bool = True) -> None:
    try:
        if record and opts.record is not None:
            write_wav(opts.record, result.audio)
        if opts.stats is not None:
            opts.stats.write_text(
                json.dumps(result.stats(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
    except OSError as exc:
        raise AgentError("write_failed", f"{exc.filename}: {exc.strerror}") from None


# ---- command line ------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; one line is what a script's log needs.
        raise AgentError("bad_option", message)


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description="Join a briefing as a headless site: send a tone or a file, record the mix.",
    )
    parser.add_argument("link", help="join link: http://HOST:PORT/site/<session>#token=<token>")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--tone", type=float, metavar="HZ", help="send a sine of HZ")
    source.add_argument("--wav", type=Path, metavar="FILE", help="send this sound file, looped")
    parser.add_argument(
        "--amplitude", type=float, default=0.1, help="sine peak, 0..1 (default 0.1)"
    )
    parser.add_argument(
        "--video",
        metavar="COLOUR",
        help="send a camera showing this colour (red, green, blue, yellow, magenta, cyan, "
        "white, orange) and report the colours seen",
    )
    parser.add_argument("--record", type=Path, metavar="OUT.wav", help="write what is heard")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="stay this long once connected (default 5)"
    )
    parser.add_argument("--events", type=Path, metavar="F", help="signaling messages, JSON lines")
    parser.add_argument("--stats", type=Path, metavar="F", help="arrival and ICE stats, JSON")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi")
    parser.add_argument(
        "--relay-only",
        action="store_true",
        help="send media only through the TURN server the bridge names (as behind a strict "
        "firewall)",
    )
    parser.add_argument(
        "--timeout", type=float, default=15.0, metavar="S", help="connect timeout (default 15)"
    )
    parser.add_argument(
        "--no-reconnect",
        dest="reconnect",
        action="store_false",
        help="exit at the first end instead of reconnecting (by default the agent comes back "
        "after a bridge restart, a network cut, a keepalive timeout or an ICE failure)",
    )
    parser.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help="the devices to report for the hall's hardware profile: a JSON list of "
        '{"kind": "audioinput"|"audiooutput"|"videoinput", "label": ...} (default: one '
        "headless microphone, output and camera)",
    )
    parser.add_argument(
        "--test",
        action="store_true",
        help="run the hall's connection test and print its verdict; exit 0 ready, "
        "3 warning, 4 not ready",
    )
    parser.add_argument("--json", action="store_true", help="with --test: the result as JSON")
    parser.add_argument(
        "--acoustic-loop",
        metavar="MS,DB",
        help="with --test: let the microphone hear what is played, MS later and DB quieter "
        "(a room; e.g. 30,20)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0)
    return parser


#: ``--test``'s exit status by verdict (1 and 2 keep their meaning: failure, bad input).
TEST_EXIT = {"ready": 0, "warning": 3, "not_ready": 4}


def _acoustic_loop(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        delay, attenuation = (float(part) for part in text.split(","))
    except ValueError:
        raise AgentError("bad_option", f"--acoustic-loop wants MS,DB, got {text!r}") from None
    if not (0 <= delay <= 2000 and 0 <= attenuation <= 120):
        raise AgentError("bad_option", f"--acoustic-loop out of range: {text!r}")
    return delay, attenuation


async def run_test(opts: AgentOptions) -> dict[str, Any]:
    """Join, run the hall's connection test, leave; the `test_result` message."""
    link, source = _prepare(opts)
    inventory = load_inventory(opts.inventory) if opts.inventory is not None else None
    room = None
    if opts.acoustic_loop is not None and isinstance(source, PacedAudioTrack):
        room = RoomMicrophone(source, AcousticLoop(*opts.acoustic_loop))
        source = room
    site = SiteClient(link, lang=opts.lang, relay_only=opts.relay_only, inventory=inventory)
    try:
        await site.join(opts.connect_timeout)
        video = None
        if opts.video is not None:
            video = EncodedVideoTrack(encode_picture(opts.video))
        await site.start_media(source, video=video, timeout=opts.connect_timeout)
        test = HallTest(site, room=room)
        result = await test.run()
        with contextlib.suppress(AgentError):
            await site.leave()
        return result
    finally:
        await site.close()


VERDICT_NAMES = {
    "vi": {"ready": "SẴN SÀNG", "warning": "CẢNH BÁO", "not_ready": "CHƯA SẴN SÀNG"},
    "en": {"ready": "READY", "warning": "WARNING", "not_ready": "NOT READY"},
}


def _test_summary(result: dict[str, Any], lang: str) -> str:
    """One line: the verdict and its reasons."""
    state = str(result.get("state"))
    reasons = [str(r["en"] if lang == "en" else r["vi"]) for r in result.get("reasons") or []]
    return "; ".join([VERDICT_NAMES[lang].get(state, state), *reasons])


def _print_test(result: dict[str, Any], lang: str) -> None:
    names = VERDICT_NAMES[lang]
    figures = result.get("figures") or {}
    print(names.get(str(result.get("state")), str(result.get("state"))))
    shown = (
        ("rtt_ms", "RTT", "ms"),
        ("loss_in_pct", "loss in" if lang == "en" else "mất gói lên", "%"),
        ("loss_out_pct", "loss out" if lang == "en" else "mất gói xuống", "%"),
        ("uplink_kbps", "uplink" if lang == "en" else "băng thông lên", "kb/s"),
        ("downlink_kbps", "downlink" if lang == "en" else "băng thông xuống", "kb/s"),
        ("mic_level_db", "microphone" if lang == "en" else "micrô", "dBFS"),
        ("acoustic_delay_ms", "acoustic loop" if lang == "en" else "vòng âm thanh", "ms"),
        ("mos", "MOS", ""),
    )
    for key, label, unit in shown:
        value = figures.get(key)
        print(f"  {label}: {'—' if value is None else value} {unit}".rstrip())
    for reason in result.get("reasons") or []:
        text = reason["en"] if lang == "en" else reason["vi"]
        advice = reason["advice_en"] if lang == "en" else reason["advice_vi"]
        print(f"- {text}: {advice}")


def main(argv: Sequence[str] | None = None, prog: str = "agent") -> int:
    """Run the agent from command-line arguments; returns the exit status (never raises)."""
    try:
        args = _parser(prog).parse_args(argv)
    except AgentError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    _configure_logging(args.verbose)
    opts = AgentOptions(
        link=args.link,
        tone_hz=args.tone,
        wav=args.wav,
        amplitude=args.amplitude,
        record=args.record,
        seconds=args.seconds,
        events=args.events,
        stats=args.stats,
        lang=args.lang,
        connect_timeout=args.timeout,
        video=args.video,
        relay_only=args.relay_only,
        reconnect=args.reconnect,
        inventory=args.inventory,
        test=args.test,
        json_output=args.json,
    )
    if args.test:
        try:
            opts.acoustic_loop = _acoustic_loop(args.acoustic_loop)
            tested = asyncio.run(run_test(opts))
        except AgentError as exc:
            print(f"{prog}: error: {exc.code}: {exc.message}", file=sys.stderr)
            return 2 if exc.code in USAGE_CODES else 1
        except KeyboardInterrupt:
            return 130
        if opts.json_output:
            print(json.dumps(tested, ensure_ascii=False, indent=1))
        else:
            _print_test(tested, opts.lang)
        return TEST_EXIT.get(str(tested.get("state")), 1)
    try:
        result = asyncio.run(run_agent(opts))
    except AgentError as exc:
        print(f"{prog}: error: {exc.code}: {exc.message}", file=sys.stderr)
        return 2 if exc.code in USAGE_CODES else 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    heard = f"{result.frames} frames, max gap {result.gaps.max_gap_ms:.0f} ms"
    if result.seen:
        heard += "; saw " + ", ".join(f"{c} ({n} frames)" for c, n in result.seen.items())
    if opts.record is not None:
        print(f"recorded {result.seconds:.1f} s to {opts.record} ({heard})")
    else:
        print(f"received {result.seconds:.1f} s ({heard})")
    return 0


def _configure_logging(verbose: int) -> None:
    # Quiet by default: aioice/aiortc log routine ICE and DTLS noise at INFO and WARNING that
    # would read like failures in a script's output; the one-line result says what matters.
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.ERROR
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    if verbose == 1:
        for noisy in ("aioice", "aiortc", "websockets"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


if __name__ == "__main__":
    sys.exit(main())
