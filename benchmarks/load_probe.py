"""What the load benchmark measures from received packets: per-site rate, loss and arrival
regularity (no decode), and, at the probe sites, the decoded audio's tones and noise floor.

Pure functions over arrays, so the client process can run them at the end of a run and
tests or notebooks can run them on saved data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from endpoints.audio import FRAME_SAMPLES, SAMPLE_RATE
from endpoints.prerecorded import decode_payloads, rms_dbfs

#: A talker's tone counts as heard when its level at a listener is above this (it is sent
#: at −23 dBFS RMS; the mixer levels talkers toward −23 dBFS).
TONE_PRESENT_DBFS = -40.0
#: Half-width of the band around a tone attributed to it (1 s FFT segments: 1 Hz bins;
#: a Hann window spreads a pure tone over ±2 bins, Opus adds a little more).
TONE_BAND_HZ = 6.0
#: Gaps longer than three packet times are audible dropouts (endpoints.audio).
LATE_GAP_MS = 60.0
#: Onset latency: talker 1 speaks for ONSET_TONE_S in every ONSET_CYCLE_S. The pause is
#: longer than the mixer's talk hangover (400 ms), so each onset is a new one, and an
#: onset is matched with what is heard up to ONSET_MATCH_S later (a latency past that,
#: seen on an overloaded bridge, would be confused with the next cycle).
ONSET_TONE_S = 0.6
ONSET_CYCLE_S = 2.0
ONSET_MATCH_S = ONSET_CYCLE_S - 0.2


@dataclass(frozen=True)
class StreamStats:
    """One site's received stream inside a time window."""

    packets: int
    fps: float
    expected: int  # sequence numbers spanned
    lost: int  # sequence numbers never seen in the window
    reordered: int  # packets arriving after a higher sequence number
    gap_p50_ms: float
    gap_p99_ms: float
    gap_max_ms: float
    late_gaps: int  # interarrival gaps over LATE_GAP_MS
    # 20 ms frames the RTP timestamps skip over (steps of more than one frame): audio the
    # sender left out *and said so*, so the receiver conceals it. Frames a sender drops
    # before packetising, with no timestamp gap, show only as fps below 50 with no loss.
    timestamp_gaps: int = 0
    gap_max_at_s: float = math.nan  # when the longest gap ended, seconds into the window

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def unwrap_sequence(seqs: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """16-bit RTP sequence numbers, in arrival order, to a monotonic-ish int64 series."""
    s = np.asarray(seqs, dtype=np.int64)
    if s.size == 0:
        return s
    steps = np.diff(s)
    steps = (steps + 32768) % 65536 - 32768  # shortest signed step modulo 2**16
    return np.concatenate([[s[0]], s[0] + np.cumsum(steps)])


def unwrap_timestamps(timestamps: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """32-bit RTP timestamps, in arrival order, to an int64 series (shortest signed step)."""
    ts = np.asarray(timestamps, dtype=np.int64)
    if ts.size == 0:
        return ts
    steps = (np.diff(ts) + 2**31) % 2**32 - 2**31
    return np.concatenate([[ts[0]], ts[0] + np.cumsum(steps)])


def stream_stats(
    arrivals: npt.ArrayLike,
    seqs: npt.ArrayLike,
    start: float,
    end: float,
    *,
    timestamps: npt.ArrayLike | None = None,
) -> StreamStats:
    """Stats of packets that arrived in ``[start, end)`` (``time.monotonic()`` seconds)."""
    t = np.asarray(arrivals, dtype=np.float64)
    s = unwrap_sequence(seqs)
    inside = (t >= start) & (t < end)
    t, s = t[inside], s[inside]
    timestamp_gaps = 0
    if timestamps is not None:
        ts = np.sort(unwrap_timestamps(timestamps)[inside])
        steps = np.diff(ts) // FRAME_SAMPLES
        timestamp_gaps = int(np.sum(steps[steps > 1] - 1))
    seconds = end - start
    if t.size == 0:
        return StreamStats(0, 0.0, 0, 0, 0, math.nan, math.nan, math.nan, 0)
    expected = int(s.max() - s.min() + 1)
    unique = int(np.unique(s).size)
    reordered = int(np.count_nonzero(s < np.maximum.accumulate(s)))
    gaps = np.diff(t) * 1000.0
    if gaps.size == 0:
        gaps = np.zeros(1)
    p50, p99 = np.percentile(gaps, [50, 99])
    return StreamStats(
        packets=int(t.size),
        fps=t.size / seconds,
        expected=expected,
        lost=expected - unique,
        reordered=reordered,
        gap_p50_ms=float(p50),
        gap_p99_ms=float(p99),
        gap_max_ms=float(gaps.max()),
        late_gaps=int(np.count_nonzero(gaps > LATE_GAP_MS)),
        timestamp_gaps=timestamp_gaps,
        gap_max_at_s=float(t[int(np.argmax(gaps)) + 1] - start) if t.size > 1 else math.nan,
    )


def in_order(
    arrivals: Sequence[float],
    seqs: Sequence[int],
    payloads: Sequence[bytes],
    start: float,
    end: float,
) -> list[tuple[float | None, bytes | None]]:
    """(arrival, payload) of the packets that arrived in ``[start, end)``, in sequence
    order, ``(None, None)`` for a gap (so decoding keeps the timeline)."""
    t = np.asarray(arrivals, dtype=np.float64)
    s = unwrap_sequence(seqs)
    chosen = np.flatnonzero((t >= start) & (t < end))
    if chosen.size == 0:
        return []
    by_seq = {int(s[i]): (float(t[i]), payloads[int(i)]) for i in chosen}
    first, last = min(by_seq), max(by_seq)
    return [by_seq.get(n, (None, None)) for n in range(first, last + 1)]


def ordered_payloads(
    arrivals: Sequence[float],
    seqs: Sequence[int],
    payloads: Sequence[bytes],
    start: float,
    end: float,
) -> list[bytes | None]:
    """Payloads that arrived in ``[start, end)``, in sequence order, ``None`` for a gap
    (so decoding keeps the timeline: a lost packet is 20 ms of silence)."""
    return [payload for _, payload in in_order(arrivals, seqs, payloads, start, end)]


def tone_onsets(
    arrivals: Sequence[float],
    seqs: Sequence[int],
    payloads: Sequence[bytes],
    frequency: float,
    start: float,
    end: float,
) -> list[float]:
    """Arrival times of the packets in which ``frequency`` becomes heard (above
    TONE_PRESENT_DBFS in that 20 ms frame after a frame below it), in ``[start, end)``.

    Matched against the times the talker started its tone, this is the end-to-end onset
    latency (resolution one 20 ms packet) that cross-checks the bridge's own figure.
    """
    packets = in_order(arrivals, seqs, payloads, start, end)
    audio = decode_payloads(payload for _, payload in packets)
    if not packets:
        return []
    frames = audio.reshape(len(packets), FRAME_SAMPLES).astype(np.float64)
    probe = np.exp(-2j * np.pi * frequency * np.arange(FRAME_SAMPLES) / SAMPLE_RATE)
    amplitude = np.abs(frames @ probe) * 2 / FRAME_SAMPLES
    with np.errstate(divide="ignore"):
        heard = 20 * np.log10(amplitude / math.sqrt(2)) > TONE_PRESENT_DBFS
    onsets = []
    for i in range(1, len(packets)):
        arrival = packets[i][0]
        if heard[i] and not heard[i - 1] and arrival is not None:
            onsets.append(arrival)
    return onsets


def match_onsets(
    sends: Sequence[float], heard: Sequence[float], limit: float = ONSET_MATCH_S
) -> list[float]:
    """For each time a talker started its tone, the delay to the first onset heard after
    it (within ``limit`` s), in ms."""
    ordered = sorted(heard)
    delays = []
    for sent in sends:
        after = [t for t in ordered if sent <= t < sent + limit]
        if after:
            delays.append(round((after[0] - sent) * 1000, 2))
    return delays


def band_levels(
    samples: npt.NDArray[np.float32], frequencies: Sequence[float]
) -> tuple[dict[float, float], float, float]:
    """Each tone's level, what is left with the tones removed, and the total (dBFS RMS).

    Welch-style: 1 s Hann segments (1 Hz bins), power spectra averaged, scaled so that the
    bins sum to the signal's mean square. A tone's power is the sum over ±TONE_BAND_HZ; the
    residual is everything else (the room noise and coding noise heard under the talk).
    """
    seg = SAMPLE_RATE
    x = np.asarray(samples, dtype=np.float64)
    if x.size < seg:
        seg = max(FRAME_SAMPLES, x.size)
    count = x.size // seg
    if count == 0:
        return dict.fromkeys(frequencies, -math.inf), -math.inf, -math.inf
    window = np.hanning(seg)
    norm = np.sum(window**2) * seg
    power = np.zeros(seg // 2 + 1)
    for i in range(count):
        spectrum = np.fft.rfft(x[i * seg : (i + 1) * seg] * window)
        power += np.abs(spectrum) ** 2
    power /= count * norm
    power[1:-1] *= 2  # one-sided
    freqs = np.fft.rfftfreq(seg, 1 / SAMPLE_RATE)
    total = float(power.sum())
    tone_mask = np.zeros(power.shape, dtype=bool)
    levels: dict[float, float] = {}
    for f in frequencies:
        band = np.abs(freqs - f) <= TONE_BAND_HZ
        tone_mask |= band
        levels[f] = _db(float(power[band].sum()))
    residual = float(power[~tone_mask].sum())
    return levels, _db(residual), _db(total)


def probe_report(
    arrivals: Sequence[float],
    seqs: Sequence[int],
    payloads: Sequence[bytes],
    frequencies: Sequence[float],
    talk: tuple[float, float],
    quiet: tuple[float, float],
    onsets: tuple[float, float] | None = None,
) -> dict[str, object]:
    """Decode a probe site's audio in the talk window and the quiet window and measure:
    each talker's tone level and whether it is heard, the residual under the talk, and the
    noise floor (plain RMS) while nobody talks; in the ``onsets`` window, when the first
    talker's tone starts being heard (``tone_onsets``)."""
    report: dict[str, object] = {}
    if onsets is not None and frequencies:
        report["onsets_heard"] = tone_onsets(arrivals, seqs, payloads, frequencies[0], *onsets)
    for name, (start, end) in (("talk", talk), ("quiet", quiet)):
        audio = decode_payloads(ordered_payloads(arrivals, seqs, payloads, start, end))
        levels, residual, total = band_levels(audio, frequencies)
        report[name] = {
            "seconds": round(audio.size / SAMPLE_RATE, 2),
            "rms_dbfs": _round(rms_dbfs(audio)),
            "tones_dbfs": {str(int(f)): _round(v) for f, v in levels.items()},
            "tones_heard": [int(f) for f, v in levels.items() if v > TONE_PRESENT_DBFS],
            "residual_dbfs": _round(residual),
            "total_dbfs": _round(total),
        }
    return report


def _db(power: float) -> float:
    return 10 * math.log10(power) if power > 0 else -math.inf


def _round(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None
