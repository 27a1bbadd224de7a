"""The agent's audio sources and recorder, and its command line's failure modes.

Everything here runs without a bridge: a few tests stand up a minimal WebSocket server that
answers ``join`` with an error, which is all the CLI needs to show how it reports one.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import subprocess
import sys
import time
import wave
from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import websockets
from websockets.asyncio.server import ServerConnection

from endpoints.agent import AgentError, AgentOptions, main, run_agent
from endpoints.audio import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    AudioSourceError,
    Recorder,
    ToneTrack,
    WavTrack,
    dominant_frequency,
    load_audio,
    rms_dbfs,
)

REPO = Path(__file__).resolve().parents[2]


async def frames_of(track: ToneTrack | WavTrack, count: int) -> list[av.AudioFrame]:
    return [await track.recv() for _ in range(count)]


def samples_of(frames: list[av.AudioFrame]) -> np.ndarray:
    # The tracks send both channels alike (see PacedAudioTrack); the left one is the source.
    return np.concatenate([f.to_ndarray().reshape(-1, 2)[:, 0] for f in frames])


def write_test_wav(path: Path, samples: np.ndarray, rate: int, channels: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int, int]:
    with wave.open(str(path), "rb") as source:
        data = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
        return data, source.getframerate(), source.getnchannels()


def stereo_frame(left: np.ndarray, right: np.ndarray) -> av.AudioFrame:
    """A frame shaped like the ones aiortc's Opus decoder returns: packed s16 stereo."""
    interleaved = np.stack([left, right], axis=1).reshape(1, -1).astype(np.int16)
    frame = av.AudioFrame.from_ndarray(interleaved, format="s16", layout="stereo")
    frame.sample_rate = SAMPLE_RATE
    return frame


# ---- tone --------------------------------------------------------------------------------


async def test_tone_frames_are_20ms_s16_48k_equal_stereo_with_advancing_pts() -> None:
    frames = await frames_of(ToneTrack(440, paced=False), 5)
    for index, frame in enumerate(frames):
        assert frame.format.name == "s16"
        assert frame.layout.name == "stereo"  # what aiortc encodes without a -3 dB upmix
        assert frame.sample_rate == SAMPLE_RATE
        assert frame.samples == FRAME_SAMPLES
        pcm = frame.to_ndarray().reshape(-1, 2)
        assert pcm.shape == (FRAME_SAMPLES, 2) and (pcm[:, 0] == pcm[:, 1]).all()
        assert frame.time_base == Fraction(1, SAMPLE_RATE)
        assert frame.pts == index * FRAME_SAMPLES


@pytest.mark.parametrize(("frequency", "amplitude"), [(440.0, 0.1), (1000.0, 0.5), (97.0, 0.02)])
async def test_tone_spectrum_peaks_at_the_frequency_at_the_level(
    frequency: float, amplitude: float
) -> None:
    signal = samples_of(await frames_of(ToneTrack(frequency, amplitude, paced=False), 50))
    spectrum = np.abs(np.fft.rfft(signal.astype(np.float64)))
    assert np.argmax(spectrum) == round(frequency)  # one second of audio: 1 Hz per bin
    assert dominant_frequency(signal) == pytest.approx(frequency, abs=0.05)
    # A sine of peak A has RMS A/√2.
    assert rms_dbfs(signal) == pytest.approx(20 * math.log10(amplitude / math.sqrt(2)), abs=0.05)


async def test_tone_is_phase_continuous_across_frames() -> None:
    frequency, amplitude = 1234.5, 0.8
    signal = samples_of(await frames_of(ToneTrack(frequency, amplitude, paced=False), 20))
    expected = np.round(
        amplitude * 32767 * np.sin(2 * np.pi * frequency * np.arange(len(signal)) / SAMPLE_RATE)
    )
    assert np.max(np.abs(signal - expected)) <= 1


async def test_paced_tone_follows_the_absolute_clock_despite_a_slow_consumer() -> None:
    track = ToneTrack(440)
    start = time.monotonic()
    await track.recv()
    for index in range(1, 11):
        if index == 3:
            await asyncio.sleep(0.035)  # a hiccup longer than one frame
        await track.recv()
    elapsed = time.monotonic() - start
    # Ten frame periods after the first: 200 ms. A fixed 20 ms sleep would give ~235 ms.
    assert 0.19 <= elapsed < 0.225


def test_tone_rejects_frequencies_above_nyquist_and_bad_amplitudes() -> None:
    with pytest.raises(AudioSourceError, match="frequency"):
        ToneTrack(24_000)
    with pytest.raises(AudioSourceError, match="frequency"):
        ToneTrack(0)
    with pytest.raises(AudioSourceError, match="amplitude"):
        ToneTrack(440, 1.5)


# ---- WAV source --------------------------------------------------------------------------


async def test_wav_source_resamples_44k1_stereo_to_48k_mono(tmp_path: Path) -> None:
    t = np.arange(44_100) / 44_100
    tone = np.round(0.1 * 32767 * np.sin(2 * np.pi * 440 * t))
    path = tmp_path / "stereo.wav"
    write_test_wav(path, np.stack([tone, tone], axis=1).reshape(-1), 44_100, 2)

    track = WavTrack(path, paced=False)
    assert len(track.samples) == SAMPLE_RATE  # one second, at the new rate
    frames = await frames_of(track, 50)
    assert all(f.layout.name == "stereo" and f.sample_rate == SAMPLE_RATE for f in frames)
    signal = samples_of(frames)
    assert dominant_frequency(signal) == pytest.approx(440, abs=0.1)
    assert rms_dbfs(signal) == pytest.approx(rms_dbfs(tone.astype(np.int16)), abs=0.1)


async def test_wav_source_loops_a_file_shorter_than_a_frame(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    write_test_wav(path, np.arange(100), SAMPLE_RATE, 1)
    signal = samples_of(await frames_of(WavTrack(path, paced=False), 2))
    assert np.array_equal(signal, np.tile(np.arange(100), 20)[: 2 * FRAME_SAMPLES])


def test_unreadable_sound_files_raise_a_one_line_reason(tmp_path: Path) -> None:
    with pytest.raises(AudioSourceError, match="no such file"):
        load_audio(tmp_path / "missing.wav")
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"this is not audio" * 100)
    with pytest.raises(AudioSourceError, match="cannot read audio"):
        load_audio(garbage)
    empty = tmp_path / "empty.wav"
    write_test_wav(empty, np.zeros(0), SAMPLE_RATE, 1)
    with pytest.raises(AudioSourceError):
        load_audio(empty)


# ---- recorder ----------------------------------------------------------------------------


def test_recorder_downmixes_stereo_and_round_trips_through_wav(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    left = rng.integers(-20_000, 20_000, 3 * FRAME_SAMPLES)
    right = rng.integers(-20_000, 20_000, 3 * FRAME_SAMPLES)
    recorder = Recorder(max_seconds=1.0)
    for index in range(3):
        part = slice(index * FRAME_SAMPLES, (index + 1) * FRAME_SAMPLES)
        recorder.add(stereo_frame(left[part], right[part]), arrival=index * 0.02)

    path = tmp_path / "heard.wav"
    recorder.write_wav(path)
    data, rate, channels = read_wav(path)
    assert (rate, channels) == (SAMPLE_RATE, 1)
    assert np.array_equal(data, np.round((left + right) / 2).astype(np.int16))
    assert recorder.frames == 3
    assert recorder.seconds == pytest.approx(0.06)


def test_recorder_keeps_only_the_latest_max_seconds() -> None:
    recorder = Recorder(max_seconds=0.1)
    for index in range(50):
        value = np.full(FRAME_SAMPLES, index, dtype=np.int16)
        recorder.add(stereo_frame(value, value), arrival=index * 0.02)
    kept = recorder.samples()
    assert len(kept) == 4800
    assert kept[-1] == 49 and kept[0] == 45
    assert recorder.frames == 50


def test_recorder_counts_gaps_longer_than_60ms() -> None:
    recorder = Recorder()
    silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)
    for arrival in (0.0, 0.02, 0.04, 0.14, 0.16, 0.23):
        recorder.add(stereo_frame(silence, silence), arrival)
    gaps = recorder.gaps()
    assert gaps.frames == 6
    assert gaps.max_gap_ms == pytest.approx(100)
    assert gaps.late_gaps == 2  # 100 ms and 70 ms
    assert gaps.p50_gap_ms == pytest.approx(20)


def test_stopped_recorder_ignores_later_frames() -> None:
    recorder = Recorder()
    silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)
    recorder.add(stereo_frame(silence, silence), 0.0)
    recorder.stop()
    recorder.add(stereo_frame(silence, silence), 0.02)
    assert recorder.frames == 1


# ---- command line ------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nothing listens on (bound then released, so the kernel skips it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_cli_bad_link_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ftp://127.0.0.1/site/1#token=t"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("agent: error: bad_link: ")
    assert err.count("\n") == 1


def test_cli_missing_token_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["http://127.0.0.1:8000/site/1"]) == 2
    assert "no token" in capsys.readouterr().err


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    link = "http://127.0.0.1:1/site/1#token=t"
    assert main([link, "--tone", "440", "--wav", "x.wav"]) == 2
    assert main([link, "--seconds", "0"]) == 2
    assert main([link, "--record", str(tmp_path / "missing-dir" / "x.wav")]) == 2
    assert main([link, "--wav", str(tmp_path / "missing.wav")]) == 2
    assert main([]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("agent: error: bad_") for line in lines)


def test_cli_connection_refused_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    link = f"http://127.0.0.1:{free_port()}/site/1#token=t"
    assert main([link, "--timeout", "3", "--no-reconnect"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("agent: error: connection_failed: ")
    assert "connection refused" in err


def test_module_entry_point_fails_without_traceback() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "endpoints.agent",
            f"http://127.0.0.1:{free_port()}/site/1#token=t",
            "--no-reconnect",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("agent: error: connection_failed")


@pytest.fixture
async def refusing_bridge() -> AsyncIterator[str]:
    """A stand-in bridge that rejects every join as the protocol says: error, then 4401."""

    async def handler(ws: ServerConnection) -> None:
        message = json.loads(await ws.recv())
        assert message["type"] == "join"
        error = {"type": "error", "code": "invalid_token", "message": "mã không hợp lệ"}
        await ws.send(json.dumps({**error, "ref_id": None}))
        await ws.close(4401, "invalid_token")

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"http://127.0.0.1:{port}/site/3#token=revoked"


async def test_run_agent_raises_the_bridges_error_code(
    refusing_bridge: str, tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    with pytest.raises(AgentError) as caught:
        await run_agent(AgentOptions(refusing_bridge, events=events, connect_timeout=5))
    assert caught.value.code == "invalid_token"
    # The bridge's word, and why the agent does not try again.
    assert caught.value.message == (
        "mã không hợp lệ (not reconnecting: the join link is not valid; ask the organiser "
        "for a new one)"
    )
    logged = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    assert [entry["message"]["type"] for entry in logged] == ["error"]
    assert isinstance(logged[0]["t"], float)


async def test_cli_prints_the_bridges_error_code_and_exits_1(refusing_bridge: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "endpoints.agent",
        refusing_bridge,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert err.decode().startswith("agent: error: invalid_token: mã không hợp lệ (not recon")
    assert err.decode().count("\n") == 1


def test_recorder_seconds_keep_growing_past_what_is_kept() -> None:
    recorder = Recorder(max_seconds=0.1)
    silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)
    for index in range(50):
        recorder.add(stereo_frame(silence, silence), index * 0.02)
    assert recorder.seconds == pytest.approx(1.0)
    assert len(recorder.samples()) == 4800
