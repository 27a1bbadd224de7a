"""The live mixer of one session: per-site jitter buffers and decoders, the 20 ms clock,
the pure core, and K+1 encodes per tick.

Per tick (DESIGN.md, "The audio path"): each site's jitter buffer yields this tick's
packet (or a loss, or nothing); it is decoded here — Opus packet-loss concealment for a
loss, in-band FEC when the next packet carries it — into one row of a ``(slots, 960)``
block; the pure core mixes; the shared mix is encoded once and the same payload goes to
every listening site, and each of the (at most K) talkers gets its personal mix encoded.
Slots are stable per site so the core's per-site state follows the site.
"""

from __future__ import annotations

import collections
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridge.audio_port import MixOutput, OnAudioPacket
from bridge.measurements import RecentValues
from bridge.mixer.clock import Clock
from bridge.mixer.core import MixerConfig, MixerState, MixResult, mix
from bridge.mixer.jitter import JitterBuffer
from bridge.mixer.opus import Bandwidth, OpusDecoder, OpusEncoder, OpusError, packet_samples
from bridge.mixer.tracks import FRAME_SAMPLES, MixTrack

#: What a recorder is handed every tick: the shared mix's Opus payload (the one every
#: listening site receives) and its timestamp, 48 kHz samples (ticks + skipped ticks).
Recording = Callable[[bytes, int], None]

log = logging.getLogger(__name__)

# A site whose RTP audio level is this far below the talk threshold is not decoded.
QUIET_MARGIN_DB = 5.0
#: The last packets of an undecoded hall kept to warm its decoder up when it speaks up.
#: Opus predicts each frame's band energies from the last frame's (CELT halves the error
#: every 20 ms frame): a decoder that missed the quiet frames, fresh or stale, decodes the
#: first loud ones up to 27 dB too loud. Decoding the quiet frames it missed first puts it
#: where the sender's encoder is; six frames bring any error under 1 dB.
WARMUP_FRAMES = 6


@dataclass
class _Slot:
    site_id: int
    index: int
    output: MixOutput
    jitter: JitterBuffer = field(default_factory=JitterBuffer)
    decoder: OpusDecoder = field(default_factory=OpusDecoder)
    encoder: OpusEncoder | None = None  # its personal mix's, made the first time it talks
    personal: bool = False  # last tick it was sent its personal mix, not the shared one
    # While undecoded: its last packets (None for a lost one), to warm its decoder up with.
    missed: collections.deque[bytes | None] = field(
        default_factory=lambda: collections.deque(maxlen=WARMUP_FRAMES)
    )
    decode_errors: int = 0
    # A connection test's hooks (bridge/live/connection_test.py): what it hears of the site
    # (every frame decoded while set, with its packet's arrival time) and what it plays to
    # the site alone (blocks added to the site's own mix, one per tick).
    listener: Listener | None = None
    playing: collections.deque[np.ndarray] = field(
        default_factory=lambda: collections.deque(maxlen=MAX_PLAY_BLOCKS)
    )
    play_started: Callable[[float], None] | None = None  # told when the first block goes


#: A listener gets each decoded frame of its site (float32, full scale 1.0, a copy), the
#: arrival time (monotonic) and RTP timestamp (extended) of its packet; concealed frames
#: are not passed on (their place in the timeline stays empty).
Listener = Callable[[np.ndarray, float, int], None]
#: What may be queued to play to one site: 5 s of audio, far more than a chirp.
MAX_PLAY_BLOCKS = 250


@dataclass(frozen=True)
class EncodingConfig:
    """How the K + 1 mixes are encoded (mono Opus, ``voip``).

    A mix is the second lossy encode a listener's speech goes through (the talking hall's
    own is the first), and the tandem costs far more than either encode alone: at 32 kb/s
    and complexity 1, wideband PESQ fell from the sender's own 3.9–4.1 to 2.7–2.9. At
    64 kb/s and complexity 10 it stays within 0.2 of the sender's own encode (3.8–3.9), with
    the audio bandwidth left at fullband (docs/performance.md, "Speech through the mix
    (PESQ-WB)"). That costs ~0.2 ms a frame against ~0.05 ms: with K + 1 encodes a tick,
    about 3 % of a core more.
    """

    bitrate: int = 64_000
    fec: bool = True
    expected_loss_percent: int = 10
    # Complexity is what the tandem needs most: at 32 kb/s, 1 → 5 → 10 gave PESQ-WB
    # 2.7–2.9 → 3.1–3.2 → 3.4; doubling the bitrate at complexity 1 gave less (3.2–3.3).
    complexity: int = 10
    max_bandwidth: Bandwidth = "fullband"


class Mixer:
    def __init__(
        self,
        config: MixerConfig | None = None,
        encoding: EncodingConfig | None = None,
        period: float = 0.02,
    ) -> None:
        self.config = config or MixerConfig()
        self.encoding = encoding or EncodingConfig()
        self._state = MixerState(self.config)
        self._slots: dict[int, _Slot] = {}
        self._by_index: dict[int, _Slot] = {}
        self._free: list[int] = []
        self._capacity = 0
        self._muted = np.zeros(0, dtype=bool)
        self._gains = np.ones(0, dtype=np.float32)
        # Each site's input gain from its hardware profile, linear, by slot; kept by site id
        # too, so it holds across a rejoin (it belongs to the hall, not to the connection).
        self._input_gains = np.ones(0, dtype=np.float32)
        self._input_gain_db: dict[int, float] = {}
        self._levels = np.zeros(0, dtype=np.float32)  # this tick's RTP audio level, -dBov
        self._undecoded = np.zeros(0, dtype=bool)  # rows left undecoded: quiet, not talking
        self._block = np.zeros((0, FRAME_SAMPLES), dtype=np.float32)
        self._shared_encoder = self._new_encoder()
        self._last: MixResult | None = None
        self.clock = Clock(self._tick, period)
        self.latency = RecentValues()  # packet in → mixed packet out, talkers' packets
        self.encodes = 0
        self.decodes = 0  # decodes, concealments and FEC recoveries: quiet halls cost none
        # Recorders (bridge.recording) get the shared payload each tick: already encoded,
        # so a recording costs the mixer nothing but the call.
        self.recorders: list[Recording] = []

    # ---- sites ---------------------------------------------------------------------------

    def add_site(
        self, site_id: int, output: MixOutput | None = None, *, muted: bool = False
    ) -> MixOutput:
        """Give a site a slot (fresh buffer and decoder on rejoin) and where its mix goes:
        ``output``, or a new ``MixTrack`` when none is given. Returns the output."""
        old = self._slots.get(site_id)
        if old is not None:
            old.output.stop()
            index = old.index
        else:
            index = self._free.pop() if self._free else self._grow()
        self._state.reset_slot(index)
        slot = _Slot(site_id, index, output if output is not None else MixTrack())
        self._slots[site_id] = slot
        self._by_index[index] = slot
        self._muted[index] = muted
        self._gains[index] = 1.0
        self._input_gains[index] = _linear(self._input_gain_db.get(site_id, 0.0))
        self._undecoded[index] = False
        self.clock.start()
        return slot.output

    def input(self, site_id: int) -> OnAudioPacket:
        """Where a site's RTP packets go: straight into its slot's jitter buffer, stamped
        with their arrival time. Runs per packet on the event loop, so it does nothing else.
        """
        push, now = self._slots[site_id].jitter.push, time.monotonic

        def receive(seq: int, timestamp: int, payload: bytes, level: int | None) -> None:
            push(seq, timestamp, payload, now(), level)

        return receive

    def remove_site(self, site_id: int) -> None:
        slot = self._slots.pop(site_id, None)
        if slot is None:
            return
        del self._by_index[slot.index]
        slot.output.stop()
        self._muted[slot.index] = True
        self._block[slot.index] = 0.0
        self._free.append(slot.index)
        if not self._slots:
            self.clock.pause()

    def set_muted(self, site_id: int, muted: bool) -> None:
        slot = self._slots.get(site_id)
        if slot is not None:
            self._muted[slot.index] = muted

    def set_gain(self, site_id: int, gain: float) -> None:
        slot = self._slots.get(site_id)
        if slot is not None:
            self._gains[slot.index] = gain

    def set_input_gain(self, site_id: int, gain_db: float) -> None:
        """The site's input gain (its profile's ``microphone.gain_db``), on top of levelling;
        it applies from the next tick, now or when the site joins."""
        self._input_gain_db[site_id] = gain_db
        slot = self._slots.get(site_id)
        if slot is not None:
            self._input_gains[slot.index] = _linear(gain_db)

    def input_gain_db(self, site_id: int) -> float:
        """The input gain the mix applies to the site, dB (what a profile's read-back says)."""
        return self._input_gain_db.get(site_id, 0.0)

    def listen(self, site_id: int, listener: Listener | None) -> None:
        """Hand every decoded frame of the site to ``listener`` (None stops): a connection
        test's recording of the hall's microphone. A listened site is always decoded, quiet
        or not — the test needs its noise floor too."""
        slot = self._slots.get(site_id)
        if slot is not None:
            slot.listener = listener

    def play(
        self, site_id: int, samples: np.ndarray, started: Callable[[float], None] | None = None
    ) -> int:
        """Queue ``samples`` (float32 mono 48 kHz) to be added to the site's own mix, one
        20 ms block per tick from the next; the other sites never hear it. ``started`` is
        called with the time (monotonic) the first block was sent. Returns the blocks queued
        (the queue holds at most ``MAX_PLAY_BLOCKS``; 0 for an absent site)."""
        slot = self._slots.get(site_id)
        if slot is None:
            return 0
        if started is not None:
            slot.play_started = started
        padded = np.zeros(-(-len(samples) // FRAME_SAMPLES) * FRAME_SAMPLES, np.float32)
        padded[: len(samples)] = samples
        blocks = padded.reshape(-1, FRAME_SAMPLES)
        room = MAX_PLAY_BLOCKS - len(slot.playing)
        slot.playing.extend(blocks[:room])
        return min(room, len(blocks))

    async def close(self) -> None:
        await self.clock.stop()
        for site_id in list(self._slots):
            self.remove_site(site_id)

    # ---- what consoles and benchmarks read -----------------------------------------------

    def meters(self) -> dict[int, tuple[float, bool]]:
        """Each site's last input level (dBFS) and talk state."""
        last = self._last
        if last is None:
            return {}
        levels = np.where(
            self._undecoded[: len(last.levels_dbfs)],
            self._levels[: len(last.levels_dbfs)],
            last.levels_dbfs,
        )
        return {
            sid: (float(levels[s.index]), bool(last.talking[s.index]))
            for sid, s in self._slots.items()
            if s.index < len(levels)
        }

    def dominant(self) -> int | None:
        """The loudest site talking now, as the mixer ranks talkers (power smoothed over
        200 ms, so a syllable does not reorder them), muted sites excluded; None if nobody
        talks. Voice-activated switching builds its hold on this."""
        last = self._last
        if last is None:
            return None
        rank = self._state.rank_power
        best, best_power = None, -1.0
        for site_id, slot in self._slots.items():
            i = slot.index
            if i < len(last.talking) and i < len(rank) and last.talking[i] and not self._muted[i]:
                power = float(rank[i])
                if power > best_power:
                    best, best_power = site_id, power
        return best

    def metrics(self) -> dict[str, Any]:
        jitter = [s.jitter.stats for s in self._slots.values()]
        return {
            "sites": len(self._slots),
            "ticks": self.clock.ticks,
            "skipped": self.clock.skipped,
            "encodes": self.encodes,
            "decodes": self.decodes,
            "decode_errors": sum(s.decode_errors for s in self._slots.values()),
            "lateness_s": self.clock.lateness,
            "latency_s": self.latency,
            "lost": sum(j.lost for j in jitter),
            "concealed": sum(j.concealed for j in jitter),
            "late": sum(j.late for j in jitter),
            "underruns": sum(j.underruns for j in jitter),
            "jitter_target": [s.jitter.target for s in self._slots.values()],
        }

    def jitter_stats(self, site_id: int) -> Any:
        slot = self._slots.get(site_id)
        return None if slot is None else slot.jitter.stats

    # ---- the tick ------------------------------------------------------------------------

    def _new_encoder(self) -> OpusEncoder:
        e = self.encoding
        return OpusEncoder(
            e.bitrate,
            fec=e.fec,
            expected_loss_percent=e.expected_loss_percent,
            complexity=e.complexity,
            max_bandwidth=e.max_bandwidth,
        )

    @staticmethod
    def _report_undecodable(slot: _Slot, payload: bytes, exc: OpusError) -> None:
        # Browsers and the headless endpoint send 20 ms packets; a sender using other
        # packet durations is concealed, not mixed, and the log says why.
        samples = packet_samples(payload)
        log.warning(
            "site %s: undecodable Opus packet (%s samples, the mixer takes %s): %s",
            slot.site_id,
            samples,
            FRAME_SAMPLES,
            exc,
        )

    def _warm_up(self, slot: _Slot) -> None:
        """Bring the decoder of a hall that speaks up to where its sender's encoder is, by
        decoding the quiet frames it skipped last (their sound is not mixed). A decoder that
        just starts afresh predicts the first loud frames from its reset state, not from the
        quiet ones the encoder predicted them from, and plays them up to 27 dB too loud."""
        decoder = slot.decoder
        decoder.reset()
        for payload in slot.missed:
            self.decodes += 1
            try:
                if payload:
                    decoder.decode(payload)
                else:
                    decoder.conceal()
            except OpusError:  # as the tick would: conceal what cannot be decoded
                decoder.conceal()
        slot.missed.clear()

    def _grow(self) -> int:
        index = self._capacity
        self._capacity += 1
        self._muted = np.append(self._muted, True)
        self._gains = np.append(self._gains, np.float32(1.0))
        self._input_gains = np.append(self._input_gains, np.float32(1.0))
        self._levels = np.append(self._levels, np.float32(math.nan))
        self._undecoded = np.append(self._undecoded, False)
        self._block = np.vstack([self._block, np.zeros((1, FRAME_SAMPLES), np.float32)])
        return index

    def _tick(self) -> None:
        if not self._slots:
            return
        now = time.monotonic()
        pts = (self.clock.ticks + self.clock.skipped) * FRAME_SAMPLES
        block, levels, undecoded = self._block, self._levels, self._undecoded
        was_talking = self._last.talking if self._last is not None else None
        quiet_dbov = QUIET_MARGIN_DB - self.config.talk_threshold_dbfs
        arrivals: dict[int, float] = {}
        for slot in self._slots.values():
            playout = slot.jitter.pop(now)
            index = slot.index
            row = block[index]
            level = playout.audio_level
            levels[index] = math.nan if level is None else -level
            # A quiet hall that is not talking is never mixed: its own RTP audio level says
            # so, and skipping its decode is most of the bridge's saving at 100 sites.
            talking = was_talking is not None and index < len(was_talking) and was_talking[index]
            quiet = level >= quiet_dbov if level is not None else playout.kind != "frame"
            # A lost or missing frame carries no level: an undecoded hall stays undecoded
            # until a real frame says it has spoken up (concealing it would be heard by no one).
            listened = slot.listener is not None
            if quiet and not talking and not listened and (level is not None or undecoded[index]):
                row[:] = 0.0
                undecoded[index] = True
                slot.missed.append(playout.payload)
                continue
            if undecoded[index]:
                self._warm_up(slot)
                undecoded[index] = False
            if playout.kind != "silent":
                self.decodes += 1
            if playout.kind == "frame":
                try:
                    row[:] = slot.decoder.decode(playout.payload or b"")
                except OpusError as exc:
                    slot.decode_errors += 1
                    row[:] = slot.decoder.conceal()
                    if slot.decode_errors == 1:
                        self._report_undecodable(slot, playout.payload or b"", exc)
                if playout.arrival is not None:
                    arrivals[index] = playout.arrival
            elif playout.kind == "lost":
                fec = playout.fec
                row[:] = slot.decoder.decode_fec(fec) if fec else slot.decoder.conceal()
            else:
                row[:] = 0.0
            if (
                listened
                and slot.listener is not None
                and playout.arrival is not None
                and playout.timestamp is not None
            ):
                slot.listener(row.copy(), playout.arrival, playout.timestamp)
        result = mix(
            block,
            muted=self._muted,
            gains=self._gains,
            state=self._state,
            audio_level_dbov=levels,
            input_gains=self._input_gains,
        )
        self._last = result
        personal: dict[int, bytes] = {}
        for j, index in enumerate(result.talkers):
            talker = self._by_index.get(int(index))
            if talker is None or talker.playing:  # a test's chirp: encoded below
                continue
            if talker.encoder is None:
                talker.encoder = self._new_encoder()
            if not talker.personal:
                # The site's decoder has been fed the shared stream: its personal encoder
                # picks up from the shared encoder's state, so the switch has no seam (a
                # fresh or stale encoder's first packet is heard as a dip and a click).
                talker.encoder.continue_from(self._shared_encoder)
            personal[talker.index] = talker.encoder.encode(result.personal[j])
        talker_rows = {int(index): j for j, index in enumerate(result.talkers)}
        for slot in self._slots.values():
            if slot.playing:  # a connection test's chirp: this site's mix plus the block
                row_of = talker_rows.get(slot.index)
                base = result.shared if row_of is None else result.personal[row_of]
                if slot.encoder is None:
                    slot.encoder = self._new_encoder()
                if not slot.personal:
                    slot.encoder.continue_from(self._shared_encoder)
                played = np.clip(base + slot.playing.popleft(), -1.0, 1.0)
                personal[slot.index] = slot.encoder.encode(played)
                if slot.play_started is not None:
                    slot.play_started(time.monotonic())
                    slot.play_started = None
        shared = self._shared_encoder.encode(result.shared)
        self.encodes += 1 + len(personal)
        for record in self.recorders:
            record(shared, pts)
        # The same shared payload goes to every site that is not talking: one encode.
        for slot in self._slots.values():
            own = personal.get(slot.index)
            slot.personal = own is not None
            slot.output.send(shared if own is None else own, pts)
        done = time.monotonic()
        for index in result.talkers:
            arrival = arrivals.get(int(index))
            if arrival is not None:
                self.latency.record(done - arrival)


def _linear(gain_db: float) -> float:
    return float(10.0 ** (gain_db / 20.0))
