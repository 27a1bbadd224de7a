"""The headless endpoint's answer to its hall's profile: the devices it has (a fake
inventory: a kiosk without a browser, a test), the ones the profile picks from them, and
what it can honestly read back.

It captures no real device: its microphone is the audio source it was given (a tone, a WAV
file, silence) at 48 kHz mono, its camera the synthetic one, and it has no screen and no
loudspeaker to set. So it reads back only what it really does — one channel at 48 kHz, the
camera's size and rate when it sends video — and leaves the rest unread (the console shows
those fields as unconfirmed, not as confirmed). The input gain is the bridge's own, applied
in the mix whatever the endpoint does, which is what lets tests measure it at a listener.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridge.profiles.devices import Device, choose_devices
from bridge.profiles.schema import Profile

# What a headless endpoint has unless told otherwise (``--inventory FILE``).
DEFAULT_INVENTORY: tuple[Device, ...] = (
    Device("audioinput", "Headless microphone (audio source)", "default"),
    Device("audiooutput", "Headless output (recorder)", "default"),
    Device("videoinput", "Headless camera (synthetic)", "default"),
)
_ROLES = {"audioinput": "microphone", "audiooutput": "speaker", "videoinput": "camera"}
MAX_DEVICES = 64


def load_inventory(path: Path) -> tuple[Device, ...]:
    """An inventory file: a JSON list of ``{kind, label}`` (what ``enumerateDevices`` lists
    on the hall PC the endpoint stands in for). Raises ``ValueError`` saying what is wrong."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(items, list) or len(items) > MAX_DEVICES:
        raise ValueError(f"{path}: a list of at most {MAX_DEVICES} devices")
    devices = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("kind") not in _ROLES:
            raise ValueError(f"{path}[{i}]: kind must be audioinput, audiooutput or videoinput")
        label = item.get("label")
        if not isinstance(label, str) or len(label) > 200:
            raise ValueError(f"{path}[{i}]: label must be a text of at most 200 characters")
        devices.append(Device(item["kind"], label, str(item.get("device_id", f"d{i}"))))
    return tuple(devices)


def answer(
    revision: int,
    profile_json: dict[str, Any],
    inventory: Sequence[Device],
    camera: tuple[int, int, int] | None,
) -> dict[str, Any]:
    """The ``profile_applied`` message for a profile; ``camera`` the synthetic camera's
    (width, height, frames/s) when the endpoint sends video."""
    profile = Profile.model_validate(profile_json)
    chosen = choose_devices(profile, inventory)
    readback: dict[str, Any] = {"microphone.channel_count": 1, "microphone.sample_rate": 48000}
    if camera is not None:
        width, height, rate = camera
        readback |= {"camera.width": width, "camera.height": height, "camera.frame_rate": rate}
    missing = [
        {
            "kind": _ROLES[m.kind],
            "patterns": list(m.patterns),
            "used": m.fallback.label if m.fallback is not None else None,
        }
        for m in chosen.warnings
    ]
    return {
        "type": "profile_applied",
        "revision": revision,
        "applied": {},
        "readback": readback,
        "devices": {
            _ROLES[c.kind]: c.device.label if c.device is not None else None
            for c in (chosen.microphone, chosen.speaker, chosen.camera)
        },
        "inventory": [{"kind": d.kind, "label": d.label} for d in inventory],
        "missing": missing,
    }
