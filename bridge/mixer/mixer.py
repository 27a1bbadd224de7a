"""The live mixer of one session: per-site slots, the 20 ms clock, the pure core between.

Each tick takes at most one frame from every site's input buffer, stacks them into one
``(slots, 960)`` block, calls the pure core (``bridge.mixer.core.mix``) and hands each
site its mix: a talker gets its personal mix (everyone but itself), every other site the
one shared mix. Slots are stable per site so the core's per-site state (levelling, talk
hangover) follows the site; a freed slot is reset before reuse.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np
from aiortc.mediastreams import MediaStreamTrack

from bridge.mixer.clock import Clock
from bridge.mixer.core import MixerConfig, MixerState, MixResult, mix
from bridge.mixer.tracks import FRAME_SAMPLES, InputBuffer, MixTrack, drain


@dataclass
class _Slot:
    site_id: int
    index: int
    output: MixTrack
    buffer: InputBuffer = field(default_factory=InputBuffer)
    reader: asyncio.Task[None] | None = None


class Mixer:
    def __init__(self, config: MixerConfig | None = None, period: float = 0.02) -> None:
        self.config = config or MixerConfig()
        self._state = MixerState(self.config)
        self._slots: dict[int, _Slot] = {}
        self._free: list[int] = []
        self._capacity = 0
        self._muted = np.zeros(0, dtype=bool)
        self._gains = np.ones(0, dtype=np.float32)
        self._block = np.zeros((0, FRAME_SAMPLES), dtype=np.float32)
        self.clock = Clock(self._tick, period)
        self._last: MixResult | None = None

    # ---- sites ---------------------------------------------------------------------------

    def add_site(self, site_id: int, *, muted: bool = False) -> MixTrack:
        """Give a site a slot (or a fresh output track on its old slot) and return its mix."""
        slot = self._slots.get(site_id)
        if slot is not None:
            self._stop_reader(slot)
            slot.output.stop()
            slot.output = MixTrack()
            slot.buffer = InputBuffer()
            self._state.reset_slot(slot.index)
        else:
            index = self._free.pop() if self._free else self._grow()
            self._state.reset_slot(index)
            slot = _Slot(site_id, index, MixTrack())
            self._slots[site_id] = slot
        self._muted[slot.index] = muted
        self._gains[slot.index] = 1.0
        self.clock.start()
        return slot.output

    def attach_input(self, site_id: int, track: MediaStreamTrack) -> None:
        """Start draining a site's received audio into its slot."""
        slot = self._slots[site_id]
        self._stop_reader(slot)
        slot.buffer = InputBuffer()
        slot.reader = asyncio.get_running_loop().create_task(
            drain(track, slot.buffer), name=f"mixer-input-{site_id}"
        )

    def remove_site(self, site_id: int) -> None:
        slot = self._slots.pop(site_id, None)
        if slot is None:
            return
        self._stop_reader(slot)
        slot.output.stop()
        self._muted[slot.index] = True
        self._block[slot.index] = 0.0
        self._free.append(slot.index)

    def set_muted(self, site_id: int, muted: bool) -> None:
        slot = self._slots.get(site_id)
        if slot is not None:
            self._muted[slot.index] = muted

    def set_gain(self, site_id: int, gain: float) -> None:
        slot = self._slots.get(site_id)
        if slot is not None:
            self._gains[slot.index] = gain

    def input_stats(self, site_id: int) -> InputBuffer | None:
        slot = self._slots.get(site_id)
        return slot.buffer if slot else None

    def meters(self) -> dict[int, tuple[float, bool]]:
        """Each site's last input level (dBFS) and talk state, for operator consoles."""
        last = self._last
        if last is None:
            return {}
        return {
            sid: (float(last.levels_dbfs[s.index]), bool(last.talking[s.index]))
            for sid, s in self._slots.items()
            if s.index < len(last.levels_dbfs)
        }

    async def close(self) -> None:
        await self.clock.stop()
        for site_id in list(self._slots):
            self.remove_site(site_id)

    # ---- the tick ------------------------------------------------------------------------

    def _grow(self) -> int:
        index = self._capacity
        self._capacity += 1
        self._muted = np.append(self._muted, True)
        self._gains = np.append(self._gains, np.float32(1.0))
        self._block = np.vstack([self._block, np.zeros((1, FRAME_SAMPLES), np.float32)])
        return index

    def _tick(self) -> None:
        if not self._slots:
            return
        block = self._block
        for slot in self._slots.values():
            samples = slot.buffer.pop()
            if samples is None:
                block[slot.index] = 0.0
            else:
                block[slot.index] = samples
        result = mix(block, muted=self._muted, gains=self._gains, state=self._state)
        personal = {int(i): result.personal[j] for j, i in enumerate(result.talkers)}
        shared = result.shared
        for slot in self._slots.values():
            slot.output.put(personal.get(slot.index, shared))
        self._last = result

    @staticmethod
    def _stop_reader(slot: _Slot) -> None:
        if slot.reader is not None:
            slot.reader.cancel()
            slot.reader = None
