"""What the bridge negotiates for audio: Opus with in-band FEC.

aiortc answers with its own codec parameters, which for Opus are empty, so a browser
never turns on in-band FEC towards the bridge (RFC 7587 section 6.1: ``useinbandfec=1``
tells the *sender* that the receiver can use it). The bridge's jitter buffer does use it
(bridge/mixer/jitter.py), so the parameter is set on aiortc's codec table, once per
process — aiortc offers no per-connection way (``setCodecPreferences`` only filters).
"""

from __future__ import annotations

from bridge.media.aiortc_private import set_codec_parameters

OPUS_PARAMETERS: dict[str, str | int | None] = {"minptime": 10, "useinbandfec": 1}


def negotiate_opus_fec() -> None:
    set_codec_parameters("audio", "audio/opus", OPUS_PARAMETERS)
