"""The mixer core: one pure function per 20 ms tick, no I/O (DESIGN.md, "The audio path").

``mix`` takes the decoded ``(n, 960)`` float32 block of every site (48 kHz mono, full scale
±1.0; row ``i`` is the same site on every tick) and returns K + 1 mixes: one *shared* mix that
every listener hears and one *personal* mix per talker (the shared mix less the talker itself).
Only the K mixed talkers are summed, so the room noise of a hundred listening halls never adds
up. Per-conference memory (levelling gains, hangover and hold counters, the limiter envelope)
lives in a ``MixerState``.

Invariants the runtime can rely on:

- No output sample exceeds full scale, for any finite input (a shared envelope limiter, then a
  memoryless tanh knee, then a clip that only absorbs float32 rounding).
- ``personal[j]`` contains no part of site ``talkers[j]``: a talker never hears itself.
- Every output is continuous across ticks, also for a site moving between the shared mix and
  its personal mix: a site enters and leaves the summed set by a gain ramp over one tick, and
  while it fades out it stays listed in ``talkers`` (so it does not hear its own fade-out); the
  limiter gain is one envelope shared by all K + 1 outputs, so the shared and personal mixes
  differ by exactly that site's own (faded) signal.
- ``len(talkers) <= max_talkers`` on every tick. Because a leaving talker keeps its slot for its
  one fade-out tick, a newcomer that displaces it is mixed from the next tick (20 ms later).

Choices, and the numbers behind them:

- Talk state: RMS level of the tick (after operator gain) above ``talk_threshold_dbfs``, held
  for ``talk_hangover_ms`` after it drops; a non-finite frame counts as silence.
- Talker choice ranks sites by power smoothed over ``RANK_TIME_S`` (200 ms). Free slots are
  filled at once. A member outranked by a newcomer is displaced only after being outranked
  for ``talker_hold_ms`` in a row, or at once if the newcomer is ``displace_margin_db``
  louder; a member whose talk state ends leaves at once.
- Levelling moves a site's gain (in dB) toward ``target_dbfs - level``, bounded by
  ``max_level_gain_db``, with a one-pole time constant of ``levelling_time_s`` (2 s: about
  63 % of the way in 2 s, 92 % in 5 s), and only on ticks where the site is above the talk
  threshold. It is applied only to the summed rows.
- Limiter: one gain envelope for all outputs. Attack reaches the needed gain by the block's
  loudest sample (at least a 1 ms ramp); release is a 150 ms one-pole back toward unity, never
  above what the block allows. A tanh knee above ``limiter_threshold`` catches what the attack
  ramp lets through; below the threshold the signal is untouched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bridge.mixer.levels import F32, mean_square, power_to_dbfs, soft_clip

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960

#: Loudness used to rank talkers is the site's power smoothed over this time, so a plosive or
#: a syllable gap does not reorder the mixed set.
RANK_TIME_S = 0.2
#: Limiter release: fast enough not to duck speech after a peak for long, slow enough that the
#: gain does not follow the waveform (that would be distortion, not limiting).
LIMITER_RELEASE_S = 0.15
#: Shortest limiter attack ramp. The whole block is known when it is mixed, so the envelope
#: reaches its target by the block's loudest sample; peaks earlier than this land in the knee.
LIMITER_MIN_ATTACK = 48


@dataclass(frozen=True)
class MixerConfig:
    """How one conference is mixed. Times are rounded to whole 20 ms ticks."""

    max_talkers: int = 3  # K
    levelling: bool = True  # automatic levelling toward target_dbfs
    target_dbfs: float = -23.0  # common speech loudness (RMS dBFS of a talking site)
    max_level_gain_db: float = 12.0  # levelling never boosts/cuts more than this
    talk_threshold_dbfs: float = -45.0
    talk_hangover_ms: float = 400.0  # stay "talking" this long after energy drops
    # A talker in the mixed set keeps its slot this long vs a louder newcomer unless the
    # newcomer is louder by displace_margin_db.
    talker_hold_ms: float = 600.0
    limiter_threshold: float = 0.9  # soft limiter knee; output never exceeds 1.0
    displace_margin_db: float = 9.0  # a newcomer this much louder displaces at once
    levelling_time_s: float = 2.0  # time constant of the levelling gain while talking

    def __post_init__(self) -> None:
        if self.max_talkers < 1:
            raise ValueError("max_talkers must be at least 1")
        if not 0.0 < self.limiter_threshold <= 1.0:
            raise ValueError("limiter_threshold must be in (0, 1]")
        if self.max_level_gain_db < 0 or self.levelling_time_s <= 0:
            raise ValueError("max_level_gain_db must be >= 0 and levelling_time_s > 0")
        if self.talk_hangover_ms < 0 or self.talker_hold_ms < 0:
            raise ValueError("talk_hangover_ms and talker_hold_ms must be >= 0")


@dataclass(frozen=True)
class _Timing:
    """A config's times in ticks and per-tick coefficients, for one frame length."""

    hangover_ticks: int
    hold_ticks: int
    rank_step: np.float32
    level_step: np.float32
    release_step: float
    margin: np.float32  # displace_margin_db as a power ratio
    ramp: F32  # interpolation weights over one tick; the last sample gets the new gain

    @classmethod
    def of(cls, config: MixerConfig, samples: int) -> _Timing:
        tick_s = samples / SAMPLE_RATE

        def ticks(ms: float) -> int:
            return round(ms / 1000.0 / tick_s)

        def step(time_s: float) -> float:  # one-pole smoother with this time constant
            return 1.0 - math.exp(-tick_s / time_s)

        ramp = np.arange(1, samples + 1, dtype=np.float32) / np.float32(samples)
        return cls(
            hangover_ticks=ticks(config.talk_hangover_ms),
            hold_ticks=ticks(config.talker_hold_ms),
            rank_step=np.float32(step(RANK_TIME_S)),
            level_step=np.float32(step(config.levelling_time_s)),
            release_step=step(LIMITER_RELEASE_S),
            margin=np.float32(10.0 ** (config.displace_margin_db / 10.0)),
            ramp=ramp.astype(np.float32),
        )


class MixerState:
    """Mutable per-conference mixer memory, indexed by site slot (row of the block).

    Capacity grows as sites are added. When a tick has fewer rows than the last one, the slots
    past the end are reset (those sites left); call ``reset_slot`` when the runtime hands a
    slot to a different site.
    """

    def __init__(self, config: MixerConfig) -> None:
        self.config = config
        #: The limiter's gain at the end of the last tick, shared by all K + 1 outputs.
        self.limiter_gain = 1.0
        self._n = 0
        self._timing = _Timing.of(config, FRAME_SAMPLES)
        self._alloc(0)

    def _alloc(self, capacity: int) -> None:
        self._level_gain_db = np.zeros(capacity, np.float32)  # levelling gain, dB
        self._hangover = np.zeros(capacity, np.int32)  # ticks of talk state left
        self._hold = np.zeros(capacity, np.int32)  # ticks a member keeps its slot vs louder
        self._rank_power = np.zeros(capacity, np.float32)  # smoothed power for ranking
        self._member = np.zeros(capacity, np.bool_)  # in the mixed set after the last tick
        self._out_gain = np.zeros(capacity, np.float32)  # gain applied at end of last tick

    def _arrays(self) -> tuple[npt.NDArray[np.generic], ...]:
        return (
            self._level_gain_db,
            self._hangover,
            self._hold,
            self._rank_power,
            self._member,
            self._out_gain,
        )

    @property
    def capacity(self) -> int:
        return int(self._member.shape[0])

    @property
    def rank_power(self) -> F32:
        """Each slot's power smoothed over ``RANK_TIME_S``: how the mixer ranks talkers."""
        return self._rank_power[: self._n]

    @property
    def level_gain_db(self) -> F32:
        """Levelling gain per site in dB (a copy), e.g. for an operator's console."""
        return self._level_gain_db[: self._n].copy()

    def reset_slot(self, i: int) -> None:
        """Forget everything about slot ``i`` (a different site now uses it)."""
        if 0 <= i < self.capacity:
            for array in self._arrays():
                array[i] = 0

    def _fit(self, n: int, samples: int) -> _Timing:
        if samples != self._timing.ramp.shape[0]:
            self._timing = _Timing.of(self.config, samples)
        if n > self.capacity:
            old = self._arrays()
            self._alloc(max(n, 2 * self.capacity))
            for dst, src in zip(self._arrays(), old, strict=True):
                dst[: src.shape[0]] = src
        elif n < self._n:  # those sites left
            for array in self._arrays():
                array[n : self._n] = 0
        self._n = n
        return self._timing


@dataclass
class MixResult:
    """One tick's mixes and meters. Every array is new on each call, so callers may keep them."""

    shared: F32  # (samples,): what every non-talker hears (sum of talkers, limited)
    talkers: npt.NDArray[np.int64]  # (k,) row indices of the mixed talkers, ascending
    personal: F32  # (k, samples): personal[j] is what talkers[j] hears (total - self, limited)
    levels_dbfs: F32  # (n,) level after operator gain, before levelling; >= -120
    talking: npt.NDArray[np.bool_]  # (n,) talk state with hangover


def mix(
    block: npt.ArrayLike,
    *,
    muted: npt.ArrayLike,
    gains: npt.ArrayLike,
    state: MixerState,
    audio_level_dbov: npt.ArrayLike | None = None,
    input_gains: npt.ArrayLike | None = None,
) -> MixResult:
    """Mix one tick.

    ``block`` is ``(n, samples)`` float32, row ``i`` = site slot ``i``. ``muted`` and ``gains``
    are ``(n,)``: a muted site contributes nothing and is never a talker, but its level is still
    measured (``levels_dbfs``), so an operator sees a muted hall that is talking. Muting or
    changing the gain of a mixed talker takes effect over this tick as a ramp (no click); a
    site muted this tick is listed in ``talkers`` for this one fade-out tick.

    ``audio_level_dbov`` (optional, ``(n,)``) is the RFC 6464 client-to-mixer audio level
    (0 loudest, 127 silence; either sign is read as -dBov; NaN where a packet had none). Where
    present, a site counts as talking only if both the decoded signal and the sender's own
    reading (plus the operator gain) are above ``talk_threshold_dbfs``.

    ``input_gains`` (optional, ``(n,)``, linear) is each site's input gain from its hardware
    profile (``microphone.gain_db``), applied on top of levelling: levelling would undo a gain
    applied before it (it steers a talker toward ``target_dbfs``), so this one changes what
    listeners hear by exactly its amount. It does not change metering or talk detection.
    """
    cfg = state.config
    x = np.asarray(block, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError("block must be (sites, samples)")
    n, samples = x.shape
    timing = state._fit(n, samples)
    gain = np.asarray(gains, dtype=np.float32).reshape(n)
    mute = np.asarray(muted, dtype=np.bool_).reshape(n)

    # Operator gain and mute as one step. Rows are never scaled here: a row's power times the
    # squared gain is its metered power, and only the <= K summed rows are ever multiplied.
    site_gain = np.where(mute, np.float32(0.0), gain)
    power = mean_square(x)
    if not np.isfinite(power.sum()):  # a broken frame must not poison every mix: silence it
        broken = ~np.isfinite(power)
        x = np.where(broken[:, None], np.float32(0.0), x)
        power[broken] = 0.0
    metered_power = power * (gain * gain)
    levels = power_to_dbfs(metered_power)

    talk_now = levels > cfg.talk_threshold_dbfs
    talk_now &= ~mute
    if audio_level_dbov is not None:
        sender = -np.abs(np.asarray(audio_level_dbov, dtype=np.float32).reshape(n))
        sender += power_to_dbfs(gain * gain)
        talk_now &= ~(sender <= cfg.talk_threshold_dbfs)  # NaN compares False: no veto

    hangover = state._hangover[:n]
    held = hangover > 0
    held &= ~mute
    talking = talk_now | held
    hangover[:] = np.where(talk_now, timing.hangover_ticks, np.where(held, hangover - 1, 0))

    rank = state._rank_power[:n]
    rank += timing.rank_step * (np.where(mute, np.float32(0.0), metered_power) - rank)

    level_db = state._level_gain_db[:n]
    if cfg.levelling:
        # Adapt only while the site is audibly talking, so a listening hall's noise floor never
        # pulls its gain up; the target is bounded, so the gain is too.
        now = talk_now.nonzero()[0]
        bound = cfg.max_level_gain_db  # ufuncs, not np.clip: its wrapper costs ~5 µs a call
        want = np.minimum(np.maximum(cfg.target_dbfs - levels[now], -bound), bound)
        level_db[now] += timing.level_step * (want - level_db[now])

    members, member_now = _choose_talkers(state, timing, n, talking, rank)
    talkers = members.nonzero()[0]

    # Each talker's gain ramps over the tick from what it had at the end of the last tick, so
    # entering, leaving, muting, operator gain and levelling changes are all click-free.
    g_start = state._out_gain[talkers]
    g_end = site_gain[talkers] * member_now[talkers]
    if cfg.levelling:
        g_end *= np.power(np.float32(10.0), level_db[talkers] / np.float32(20.0))
    if input_gains is not None:
        g_end *= np.asarray(input_gains, dtype=np.float32).reshape(n)[talkers]
    state._out_gain[talkers] = g_end
    state._member[:n] = member_now
    contrib = x[talkers]
    contrib *= g_start[:, None] + (g_end - g_start)[:, None] * timing.ramp

    outputs = np.empty((talkers.size + 1, samples), np.float32)
    total = contrib.sum(axis=0, out=outputs[0])
    np.subtract(total, contrib, out=outputs[1:])
    _limit(outputs, state, timing, cfg.limiter_threshold)

    return MixResult(
        shared=outputs[0],
        talkers=talkers,
        personal=outputs[1:],
        levels_dbfs=levels,
        talking=talking,
    )


def _choose_talkers(
    state: MixerState,
    timing: _Timing,
    n: int,
    eligible: npt.NDArray[np.bool_],
    rank: F32,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The K loudest eligible sites, with hold. Returns (summed this tick, members after it).

    A member that stops talking leaves at once. A member outranked by a newcomer keeps its
    slot for ``talker_hold_ms`` of being outranked, unless the newcomer is louder by
    ``displace_margin_db``; the newcomer then enters on the next tick, after the fade-out.
    """
    k = state.config.max_talkers
    member = state._member[:n]
    candidates = eligible.nonzero()[0]
    if candidates.size > k:
        candidates = candidates[np.argpartition(-rank[candidates], k - 1)[:k]]
    desired = np.zeros(n, np.bool_)
    desired[candidates] = True

    hold = state._hold[:n]
    outranked = member & eligible & ~desired
    hold[:] = np.where(outranked, np.maximum(hold - 1, 0), timing.hold_ticks)

    leaving = member & ~eligible
    entering = np.zeros(n, np.bool_)
    newcomers = candidates[~member[candidates]]
    if newcomers.size:
        newcomers = newcomers[np.argsort(-rank[newcomers], kind="stable")]
        free = max(k - int(np.count_nonzero(member)), 0)
        entering[newcomers[:free]] = True
        # Slots of members that stopped talking free up next tick; later newcomers challenge.
        waiting = newcomers[free + int(np.count_nonzero(leaving)) :]
        weakest = outranked.nonzero()[0]
        weakest = weakest[np.argsort(rank[weakest], kind="stable")]
        for c, w in zip(waiting, weakest, strict=False):
            if hold[w] <= 0 or rank[c] >= rank[w] * timing.margin:
                leaving[w] = True
    return member | entering, (member & ~leaving) | entering


# Headroom for float32 rounding in the envelope, so an enveloped sample never lands above the
# threshold and the knee is needed only while the envelope is still attacking.
_ROUNDING = 1.0 - 2.0**-16


def _limit(outputs: F32, state: MixerState, timing: _Timing, threshold: float) -> None:
    """Limit all K + 1 outputs in place with one shared gain envelope, then the soft knee.

    One envelope for every output keeps the shared and personal mixes equal except for the
    talker's own signal, so moving a site between them is seamless; the price is that a peak
    in one personal mix briefly ducks every mix, which at K <= 4 talkers is rarely audible.
    """
    samples = outputs.shape[1]
    magnitude = np.abs(outputs)
    at = int(magnitude.argmax())
    peak = float(magnitude.flat[at])
    needed = min(1.0, threshold * _ROUNDING / peak) if peak > 0 else 1.0
    before = state.limiter_gain
    if needed < before:
        # Attack: reach the needed gain by the loudest sample of the block (no look-ahead
        # delay: the whole block is already here); louder samples before it meet the knee.
        attack = max(at % samples + 1, LIMITER_MIN_ATTACK)
        curve = np.minimum(timing.ramp * np.float32(samples / attack), np.float32(1.0))
        outputs *= np.float32(before) + np.float32(needed - before) * curve
        state.limiter_gain = needed
        soft_clip(outputs, threshold)
    elif before < 1.0:
        # Release toward unity, never above what this block allows: no sample passes the
        # threshold, so the knee has nothing to do.
        after = min(needed, before + (1.0 - before) * timing.release_step)
        outputs *= np.float32(before) + np.float32(after - before) * timing.ramp
        state.limiter_gain = after
