"""The estimated audio quality of a hall's link: the E-model (ITU-T G.107), simplified, in
consistent units, as R and MOS.

Every term is in the unit G.107 defines it in, which is where pre-call tests usually go
wrong (an RTT put where a one-way delay belongs, a loss fraction where a percentage does):

- ``Ta``, the one-way **mouth-to-ear** delay in **milliseconds**: half the measured round
  trip (the network, one way), plus the bridge's jitter-buffer depth (the time a packet
  waits before it plays), plus packetisation: one Opus frame (20 ms, the bridge's frame)
  and the encoder's lookahead (6.5 ms: RFC 6716 gives Opus's default algorithmic delay as
  26.5 ms for 20 ms frames).
- ``Id``, the delay impairment, G.107's ``Idd`` (§7.4): 0 up to 100 ms, then
  ``25 ((1 + X⁶)^(1/6) − 3 (1 + (X/3)⁶)^(1/6) + 2)`` with ``X = log2(Ta / 100 ms)`` (the
  default delay sensitivity, mT = 100 ms, sT = 1). The echo terms ``Idte`` and ``Idle`` are
  left out: the simplification assumes echo is cancelled (the verdict warns separately when
  a hall's loudspeaker loops strongly into its microphone with echo cancellation off).
- ``Ie_eff``, the equipment impairment under loss (§7.5): ``Ie + (95 − Ie) Ppl /
  (Ppl / BurstR + Bpl)`` with ``Ppl`` the packet loss in **percent** (0–100), counted
  **after** FEC recovery — the frames the decoder had to conceal — and ``BurstR`` the burst
  ratio (1 for random loss, above 1 for bursty loss).
- ``R = (R0 − Is) − Id − Ie_eff + A``, with ``R0 − Is = 93.2`` (G.107's default values,
  the narrowband scale's best) and the advantage factor ``A = 0`` (a wired briefing hall
  expects full quality).
- ``MOS = 1 + 0.035 R + R (R − 60)(100 − R) · 7·10⁻⁶`` for ``0 < R < 100`` (G.107 Annex
  B), 1 below, 4.5 above, and clamped to [1, 4.5]: the polynomial dips just under 1 for
  R below about 6.5, where it means "unusable" all the same.

The codec's parameters. ITU-T G.113 Appendix I, where E-model ``Ie`` and ``Bpl`` values are
listed, has **no entry for Opus**; so these are assumptions, stated:

- ``Ie = 0``: on the narrowband scale used here (R0 − Is = 93.2) no codec does better than
  G.711's Ie = 0, and Opus in wideband or fullband at 32–64 kb/s scores above G.711 in
  listening tests (RFC 6716's characterisation, Rämö & Toukomaa, "Voice quality
  characterization of IETF Opus codec", Interspeech 2011). Wideband speech sounds better
  than the MOS here says; the verdict's thresholds are set on this same scale.
- ``Bpl = 25.1``: G.113 Appendix I's value for G.711 with packet-loss concealment under
  random loss. Opus's own concealment is at least as good as G.711's Appendix I PLC, and
  the loss fed in is what remains after in-band FEC, so this errs on the cautious side.
  Academic fits for Opus (e.g. from WB-PESQ) place it in the same 20–30 band.

The result is a **planning estimate**: one hall's leg to the bridge, through the bridge's
buffer. A talk between two halls crosses two legs; the test judges each hall by its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

R0_MINUS_IS = 93.2  # G.107 defaults: basic signal-to-noise ratio less simultaneous impairment
ADVANTAGE = 0.0  # G.107's A: no allowance, a briefing hall expects a wired line's quality
DELAY_KNEE_MS = 100.0  # G.107's mT: no delay impairment up to 100 ms one way
OPUS_FRAME_MS = 20.0  # the bridge's Opus frame
OPUS_LOOKAHEAD_MS = 6.5  # RFC 6716: 26.5 ms algorithmic delay at 20 ms frames
MOS_MIN = 1.0
MOS_MAX = 4.5


@dataclass(frozen=True)
class Codec:
    """A codec's E-model parameters: equipment impairment ``ie`` and packet-loss robustness
    ``bpl`` (G.107 §7.5), and its packetisation (frame and lookahead, ms)."""

    name: str
    ie: float
    bpl: float
    frame_ms: float = OPUS_FRAME_MS
    lookahead_ms: float = OPUS_LOOKAHEAD_MS


# No G.113 entry for Opus: Ie 0 and G.711+PLC's Bpl 25.1 (see the module docstring).
OPUS_WIDEBAND = Codec("opus-wideband-32k", ie=0.0, bpl=25.1)
OPUS_FULLBAND = Codec("opus-fullband-64k", ie=0.0, bpl=25.1)


@dataclass(frozen=True)
class Estimate:
    """One estimate with every term, so a report can show how it was reached."""

    rtt_ms: float
    jitter_buffer_ms: float
    loss_pct: float  # after FEC recovery, percent
    burst_ratio: float
    codec: Codec
    ta_ms: float  # one-way mouth-to-ear delay
    id: float  # delay impairment
    ie_eff: float  # equipment impairment under loss
    r: float
    mos: float


def one_way_delay_ms(rtt_ms: float, jitter_buffer_ms: float, codec: Codec = OPUS_WIDEBAND) -> float:
    """Ta: half the round trip, the jitter buffer's depth, one frame and the lookahead."""
    return rtt_ms / 2 + jitter_buffer_ms + codec.frame_ms + codec.lookahead_ms


def delay_impairment(ta_ms: float) -> float:
    """G.107's Idd for a one-way delay of ``ta_ms`` milliseconds."""
    if ta_ms <= DELAY_KNEE_MS:
        return 0.0
    x = math.log2(ta_ms / DELAY_KNEE_MS)
    return 25.0 * ((1 + x**6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2)


def loss_impairment(
    loss_pct: float, codec: Codec = OPUS_WIDEBAND, burst_ratio: float = 1.0
) -> float:
    """G.107's Ie_eff for ``loss_pct`` percent of packets lost after FEC recovery."""
    ppl = min(max(loss_pct, 0.0), 100.0)
    return codec.ie + (95 - codec.ie) * ppl / (ppl / burst_ratio + codec.bpl)


def mos(r: float) -> float:
    """G.107 Annex B: the mean opinion score (conversational, 1–4.5) of a rating ``r``."""
    if r <= 0:
        return MOS_MIN
    if r >= 100:
        return MOS_MAX
    value = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    return min(max(value, MOS_MIN), MOS_MAX)


def estimate(
    rtt_ms: float,
    jitter_buffer_ms: float,
    loss_pct: float,
    codec: Codec = OPUS_WIDEBAND,
    burst_ratio: float = 1.0,
) -> Estimate:
    """The E-model's terms for a link of round trip ``rtt_ms``, a jitter buffer
    ``jitter_buffer_ms`` deep and ``loss_pct`` percent of frames lost after FEC."""
    if rtt_ms < 0 or jitter_buffer_ms < 0 or loss_pct < 0:
        raise ValueError("delays and loss cannot be negative")
    if burst_ratio < 1:
        raise ValueError("a burst ratio is at least 1 (1: random loss)")
    ta = one_way_delay_ms(rtt_ms, jitter_buffer_ms, codec)
    id_ = delay_impairment(ta)
    ie_eff = loss_impairment(loss_pct, codec, burst_ratio)
    r = R0_MINUS_IS - id_ - ie_eff + ADVANTAGE
    return Estimate(
        rtt_ms=rtt_ms,
        jitter_buffer_ms=jitter_buffer_ms,
        loss_pct=loss_pct,
        burst_ratio=burst_ratio,
        codec=codec,
        ta_ms=ta,
        id=id_,
        ie_eff=ie_eff,
        r=r,
        mos=mos(r),
    )


def r_factor(
    rtt_ms: float,
    jitter_buffer_ms: float,
    loss_pct: float,
    codec: Codec = OPUS_WIDEBAND,
    burst_ratio: float = 1.0,
) -> float:
    """R for the link (``estimate`` has every term)."""
    return estimate(rtt_ms, jitter_buffer_ms, loss_pct, codec, burst_ratio).r
