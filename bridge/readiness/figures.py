"""From what a connection test collected to the figures it is judged on (pure).

The runner (bridge/live/connection_test.py) gathers raw counts — statistics before and
after the media phase, round-trip samples, the probe's steps, the microphone's analysis, the
chirp's loop, the hall's own report — into ``Raw``; ``measure(raw)`` turns them into the
verdict's ``Measured`` plus the figures a board shows beside it (``Extra``), in one place so
the units are decided once:

- loss each way is the share of the audio stream's packets lost over the media phase,
  percent: the stream the E-model is about, and one nothing retransmits (video's losses are
  partly repaired by NACK retransmissions, which would hide part of the link's loss);
- the round trip is the median of the receiver reports' samples (each is one RTCP round
  trip with the time a report waited for the bridge's event loop taken out);
- the E-model's loss is what FEC could not recover: on the uplink the frames the bridge's
  mixer concealed, on the downlink the hall's packet loss (its FEC is not seen from here:
  counted as lost, on the cautious side); the worse direction is scored;
- the loudspeaker loop is verified when the chirp came back; when it did not, it is *not
  verifiable* (None) if the hall's microphone cannot hear its loudspeakers by design — echo
  cancellation on (it removes exactly that sound), or a synthetic microphone (a file, a
  fake device) — and *no sound* (False) otherwise.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bridge.readiness import emodel
from bridge.readiness.bitrate import Step, capacity, resolution_for
from bridge.readiness.verdict import Measured


@dataclass(frozen=True)
class Counts:
    packets: int
    lost: int


def loss_pct(before: Counts | None, after: Counts | None) -> float | None:
    """Percent lost between two readings of cumulative counters (None: not measured)."""
    if before is None or after is None:
        return None
    received = after.packets - before.packets
    lost = max(0, after.lost - before.lost)
    if received + lost <= 0:
        return None
    return 100.0 * lost / (received + lost)


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def speaker_loop(found: bool, echo_cancellation: bool | None, synthetic: bool) -> bool | None:
    """True: the chirp came back; None: this microphone cannot hear it; False: no sound."""
    if found:
        return True
    if echo_cancellation is True or synthetic:
        return None
    return False


@dataclass
class Raw:
    media_connected: bool = False
    signaling_rtts_ms: list[float] = field(default_factory=list)
    ice_type: str | None = None
    ice_protocol: str | None = None
    turn_ok: bool | None = None
    rtts_ms: list[float] = field(default_factory=list)
    in_before: Counts | None = None
    in_after: Counts | None = None
    jitter_in_ms: float | None = None
    concealed_in_pct: float | None = None  # uplink frames concealed without FEC
    loss_out_pct: float | None = None
    jitter_out_ms: float | None = None
    jitter_buffer_ms: float | None = None
    up_steps: list[Step] = field(default_factory=list)
    down_steps: list[Step] = field(default_factory=list)
    needed_kbps: float | None = None
    mic_level_db: float | None = None
    mic_noise_floor_db: float | None = None
    mic_clipping: float | None = None
    loop_found: bool = False
    loop_total_ms: float | None = None  # bridge → hall → bridge, the chirp's round trip
    acoustic_delay_ms: float | None = None  # loudspeaker → microphone, within the hall
    echo_return_db: float | None = None
    echo_cancellation: bool | None = None
    synthetic_microphone: bool = False
    camera_fps: float | None = None
    camera_width: int | None = None
    camera_height: int | None = None
    wanted_fps: float | None = None
    wanted_width: int | None = None
    wanted_height: int | None = None


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def measure(raw: Raw) -> tuple[Measured, dict[str, Any]]:
    """The verdict's figures and the board's extra ones (R, the resolutions each way)."""
    rtt = median(raw.rtts_ms)
    loss_in = loss_pct(raw.in_before, raw.in_after)
    up = capacity(raw.up_steps)
    down = capacity(raw.down_steps)
    mos = r = emodel_loss = emodel_delay = None
    if (
        raw.media_connected
        and rtt is not None
        and (loss_in is not None or raw.loss_out_pct is not None)
    ):
        lost_after_fec = max(
            raw.concealed_in_pct if raw.concealed_in_pct is not None else (loss_in or 0.0),
            raw.loss_out_pct or 0.0,
        )
        found = emodel.estimate(rtt, raw.jitter_buffer_ms or 0.0, lost_after_fec)
        mos, r = round(found.mos, 2), round(found.r, 1)
        emodel_loss, emodel_delay = round(lost_after_fec, 2), round(found.ta_ms, 1)
    measured = Measured(
        media_connected=raw.media_connected,
        signaling_rtt_ms=_r(median(raw.signaling_rtts_ms)),
        ice_type=raw.ice_type if raw.ice_type in ("host", "srflx", "relay") else None,  # type: ignore[arg-type]
        ice_protocol=raw.ice_protocol if raw.ice_protocol in ("udp", "tcp") else None,  # type: ignore[arg-type]
        turn_ok=raw.turn_ok,
        rtt_ms=_r(rtt),
        jitter_in_ms=_r(raw.jitter_in_ms),
        jitter_out_ms=_r(raw.jitter_out_ms),
        loss_in_pct=_r(loss_in, 2),
        loss_out_pct=_r(raw.loss_out_pct, 2),
        uplink_kbps=None if up is None else up.kbps,
        downlink_kbps=None if down is None else down.kbps,
        needed_kbps=_r(raw.needed_kbps),
        mic_level_db=raw.mic_level_db,
        mic_clipping=raw.mic_clipping,
        mic_noise_floor_db=raw.mic_noise_floor_db,
        speaker_loop_verified=(
            speaker_loop(raw.loop_found, raw.echo_cancellation, raw.synthetic_microphone)
            if raw.media_connected
            else None
        ),
        acoustic_delay_ms=_r(raw.acoustic_delay_ms),
        echo_return_db=_r(raw.echo_return_db),
        echo_cancellation=raw.echo_cancellation,
        camera_fps=_r(raw.camera_fps),
        camera_width=raw.camera_width,
        camera_height=raw.camera_height,
        wanted_fps=raw.wanted_fps,
        wanted_width=raw.wanted_width,
        wanted_height=raw.wanted_height,
        mos=mos,
    )
    fps = raw.wanted_fps or 30.0
    extra = {
        "r_factor": r,
        # the E-model's own inputs, so the MOS can be recomputed from the figures alone
        "emodel_loss_pct": emodel_loss,
        "emodel_delay_ms": emodel_delay,
        "uplink_at_least": None if up is None else up.at_least,
        "downlink_at_least": None if down is None else down.at_least,
        "uplink_video": _size(None if up is None else resolution_for(up.kbps, fps)),
        "downlink_video": _size(None if down is None else resolution_for(down.kbps, fps)),
        "loop_total_ms": _r(raw.loop_total_ms),
        "jitter_buffer_ms": _r(raw.jitter_buffer_ms),
        "up_steps": [_step(s) for s in raw.up_steps],
        "down_steps": [_step(s) for s in raw.down_steps],
    }
    return measured, extra


def _size(size: tuple[int, int] | None) -> str | None:
    return None if size is None else f"{size[0]}x{size[1]}"


def _step(step: Step) -> dict[str, float]:
    return {
        "sent_kbps": round(step.sent_kbps, 1),
        "received_kbps": round(step.received_kbps, 1),
        "media_kbps": round(step.media_kbps, 1),
        "loss_pct": round(100 * step.loss, 2),
    }
