"""The headless site endpoint: join with a link, talk, listen, record, report.

    python -m endpoints.agent LINK [--tone HZ | --wav FILE] [--video COLOUR] [--record OUT.wav]
        [--seconds S] [--relay-only]

Library use (tests, benchmarks)::

    result = await run_agent(AgentOptions(link, tone_hz=440, seconds=3))
    dominant_frequency(result.audio)

Exit status: 0 success, 2 bad input (link, options, audio file), 1 anything that went wrong
at run time (refused connection, the bridge's error, ICE timeout). Failures print one line,
``agent: error: <code>: <message>``, never a traceback.
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
from typing import Any, NoReturn

from aiortc.mediastreams import MediaStreamTrack

from endpoints.audio import (
    SAMPLE_RATE,
    AudioSourceError,
    GapSummary,
    Samples,
    SilenceTrack,
    ToneTrack,
    WavTrack,
    dominant_frequency,
    rms_dbfs,
    write_wav,
)
from endpoints.link import JoinLink, LinkError, parse_link
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
        }


async def run_agent(opts: AgentOptions) -> AgentResult:
    """Join, send the source, record for ``opts.seconds``, leave; write the output files.

    Raises ``AgentError`` on any failure; codes in ``USAGE_CODES`` mean bad input. If the
    session ends early (``session_closed``, ``disconnected``, ``media_failed``) the files
    are still written, then the error is raised.
    """
    link, track = _prepare(opts)
    client = SiteClient(
        link,
        lang=opts.lang,
        events=opts.events,
        record_seconds=opts.seconds + RECORD_MARGIN_SECONDS,
        relay_only=opts.relay_only,
    )
    connect_seconds = math.nan
    try:
        try:
            await client.join(timeout=opts.connect_timeout)
            camera = None
            if opts.video is not None:
                camera = EncodedVideoTrack(encode_picture(opts.video))
            await client.start_media(track, video=camera, timeout=opts.connect_timeout)
            connect_seconds = time.monotonic() - client.started
            ended_by = await client.wait_until_ended(opts.seconds)
            client.recorder.stop()
            if ended_by == "time":
                await client.leave()
        finally:
            await client.close()
    except AgentError as exc:
        # Whatever was learnt (state history above all) is what diagnoses the failure.
        # No WAV though: an empty recording would read as "heard silence".
        with contextlib.suppress(AgentError):
            _write_outputs(opts, _result(client, opts, connect_seconds, exc.code), record=False)
        raise
    result = _result(client, opts, connect_seconds, ended_by)
    _write_outputs(opts, result)
    if ended_by == "time":
        return result
    if ended_by == "session_closed":
        early = AgentError("session_closed", "the operator closed the session")
    elif ended_by == "disconnected":
        early = client.closed_error()
    else:
        early = AgentError("media_failed", "the media connection failed")
    raise AgentError(early.code, f"{early.message} (after {result.seconds:.1f} s of audio)")


def _result(
    client: SiteClient, opts: AgentOptions, connect_seconds: float, ended_by: str
) -> AgentResult:
    return AgentResult(
        site=client.site or {},
        session=client.session or {},
        audio=client.received_audio()[-int(opts.seconds * SAMPLE_RATE) :],
        gaps=client.recorder.gaps(),
        connect_seconds=connect_seconds,
        ended_by=ended_by,
        state_changes=list(client.state_changes),
        messages=client.messages,
        started=client.started,
        seen=dict(collections.Counter(s.colour for s in client.video.seen)),
    )


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
    try:
        track: MediaStreamTrack
        if opts.tone_hz is not None:
            track = ToneTrack(opts.tone_hz, opts.amplitude)
        elif opts.wav is not None:
            track = WavTrack(opts.wav)
        else:
            track = SilenceTrack()
    except AudioSourceError as exc:
        raise AgentError("bad_audio", str(exc)) from None
    return link, track


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
    parser.add_argument("-v", "--verbose", action="count", default=0)
    return parser


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
    )
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
