"""The headless endpoint's acoustic loop: what its microphone would hear of what it plays.

A hall's loudspeakers are heard by its own microphone some milliseconds later and some
decibels down; the connection test's acoustic check (bridge/probe/chirp.py) measures exactly
that. The headless endpoint has no room, so this stands in for one: fed the 20 ms blocks the
endpoint plays, it returns them delayed and attenuated, optionally on top of the endpoint's
own source (its "talker"). Numpy only, one vector operation per block; memory is bounded by
the delay plus one block.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Not imported from endpoints.audio, which pulls in av and aiortc: this stays a pure helper.
SAMPLE_RATE = 48_000
#: The longest loop simulated; a real room's is tens of milliseconds, a hall PC's audio path
#: adds up to a few hundred, and the line must stay bounded.
MAX_DELAY_MS = 2000.0
_INT16 = (-32768, 32767)


def acoustic_loop(
    played_block: npt.NDArray[np.generic], delay_samples: int, gain: float
) -> npt.NDArray[np.float64]:
    """A whole signal through the loop: ``played_block`` delayed by ``delay_samples`` (zeros
    before it) and scaled by ``gain``, the same length (what falls off the end is dropped)."""
    if delay_samples < 0:
        raise ValueError(f"a loop cannot hear the future: delay_samples={delay_samples}")
    x = np.asarray(played_block, dtype=np.float64)
    out = np.zeros_like(x)
    if delay_samples < x.size:
        out[delay_samples:] = x[: x.size - delay_samples] * gain
    return out


class AcousticLoop:
    """A delay line with a gain: ``hear(played, local)`` for each block the endpoint plays.

    Blocks may have any length; the output has the input's length and dtype (16-bit blocks
    are mixed in float and saturated, as a sound card would clip, never wrapped).
    """

    def __init__(
        self, delay_ms: float, attenuation_db: float, sample_rate: int = SAMPLE_RATE
    ) -> None:
        if not 0.0 <= delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"delay_ms must be between 0 and {MAX_DELAY_MS}, got {delay_ms}")
        if attenuation_db < 0.0:
            raise ValueError(f"a room does not amplify: attenuation_db={attenuation_db}")
        self.delay_samples = round(delay_ms * sample_rate / 1000.0)
        self.gain = 10.0 ** (-attenuation_db / 20.0)
        # What was played and is still on its way to the microphone: always delay_samples long.
        self._line = np.zeros(self.delay_samples, dtype=np.float64)

    def hear(
        self,
        played: npt.NDArray[np.generic],
        local: npt.NDArray[np.generic] | None = None,
    ) -> npt.NDArray[np.generic]:
        """What the microphone hears while ``played`` comes out of the loudspeaker: the loop's
        output, plus ``local`` (the room's own sound, the same length) when given."""
        block = np.asarray(played)
        if block.ndim != 1:
            raise ValueError(f"expected a mono block, got shape {block.shape}")
        line = np.concatenate((self._line, block.astype(np.float64)))
        heard = line[: block.size] * self.gain
        self._line = line[block.size :]
        if local is not None:
            extra = np.asarray(local)
            if extra.shape != block.shape:
                raise ValueError(f"local block {extra.shape} differs from played {block.shape}")
            heard += extra.astype(np.float64)
        if np.issubdtype(block.dtype, np.integer):
            return np.clip(np.rint(heard), *_INT16).astype(block.dtype)
        return heard.astype(block.dtype)

    @property
    def pending(self) -> int:
        """Samples played and not yet heard (the line's length: bounded by the delay)."""
        return int(self._line.size)
