"""Opus encode and decode for the mixer's tick: libopus through ctypes, 48 kHz mono, 20 ms.

The mixer decodes every site's packets itself, inside its 20 ms tick, so that a lost packet can
be concealed (PLC) or recovered from the next packet's in-band FEC (RFC 6716 §2.1.7, LBRR) —
neither is reachable through PyAV's libopus wrapper. It also encodes the K + 1 mono mixes.

All ctypes code of the project lives here. The library is the copy bundled in PyAV's wheel
(``av.libs/libopus-*.so*``: the same build aiortc uses), else the system's ``libopus``. The
prototypes are libopus's stable public ABI (``opus.h``); the request numbers are those of
``opus_defines.h``. ``opus_encoder_ctl``/``opus_decoder_ctl`` are variadic: the fixed part is
declared and every variadic argument is passed as an explicit ``c_int32`` (``opus_int32``).

Every method returns a fresh object the caller may keep across ticks (decoders copy out of
one preallocated buffer; encoders copy the packet out of one). Objects are not thread-safe:
one decoder per site, one encoder per output, used from the mixer's tick only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

SAMPLE_RATE: Final = 48_000
CHANNELS: Final = 1
FRAME_SAMPLES: Final = 960  # 20 ms
#: Largest Opus packet duration (120 ms): a decode buffer this big takes any valid packet.
MAX_PACKET_SAMPLES: Final = 5760
#: The largest frame RFC 6716 §3.2.1 allows; the encoder's output buffer has this size, so no
#: packet it returns is longer.
MAX_PACKET_BYTES: Final = 1275

# opus_defines.h
_OPUS_OK: Final = 0
_OPUS_SET_BITRATE_REQUEST: Final = 4002
_OPUS_SET_MAX_BANDWIDTH_REQUEST: Final = 4004
_OPUS_SET_COMPLEXITY_REQUEST: Final = 4010
_OPUS_SET_INBAND_FEC_REQUEST: Final = 4012
_OPUS_SET_PACKET_LOSS_PERC_REQUEST: Final = 4014
_OPUS_SET_DTX_REQUEST: Final = 4016
_OPUS_SET_SIGNAL_REQUEST: Final = 4024
_OPUS_RESET_STATE: Final = 4028
_OPUS_AUTO: Final = -1000
_OPUS_SIGNAL_VOICE: Final = 3001
_OPUS_SIGNAL_MUSIC: Final = 3002
_APPLICATIONS: Final = {"voip": 2048, "audio": 2049, "lowdelay": 2051}
_SIGNALS: Final = {"auto": _OPUS_AUTO, "voice": _OPUS_SIGNAL_VOICE, "music": _OPUS_SIGNAL_MUSIC}
#: OPUS_BANDWIDTH_*: the audio bandwidth's upper edge is 4, 6, 8, 12 and 20 kHz.
_BANDWIDTHS: Final = {
    "narrowband": 1101,
    "mediumband": 1102,
    "wideband": 1103,
    "superwideband": 1104,
    "fullband": 1105,
}

Application = Literal["voip", "audio", "lowdelay"]
Signal = Literal["auto", "voice", "music"]
Bandwidth = Literal["narrowband", "mediumband", "wideband", "superwideband", "fullband"]
F32 = npt.NDArray[np.float32]

_c_float_p = ctypes.POINTER(ctypes.c_float)
_c_int_p = ctypes.POINTER(ctypes.c_int)


class OpusError(Exception):
    """libopus refused a packet or a setting (``code`` is libopus's negative error code, or
    0 for a check made here); or the library could not be found."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


def find_libopus() -> str:
    """The path of the libopus to load: PyAV's bundled copy first, else the system's."""
    try:
        import av

        bundled = sorted((Path(av.__file__).parent.parent / "av.libs").glob("libopus-*.so*"))
    except ImportError:
        bundled = []
    if bundled:
        return str(bundled[0])
    system = ctypes.util.find_library("opus")
    if system:
        return system
    raise OpusError(
        "libopus not found: neither PyAV's bundled copy (site-packages/av.libs/libopus-*.so*) "
        "nor a system libopus (install libopus0, or PyAV from its binary wheel)"
    )


@functools.cache
def _lib() -> ctypes.CDLL:
    lib = ctypes.CDLL(find_libopus())
    # opus.h, in the order it declares them.
    lib.opus_get_version_string.argtypes = []
    lib.opus_get_version_string.restype = ctypes.c_char_p
    lib.opus_strerror.argtypes = [ctypes.c_int]
    lib.opus_strerror.restype = ctypes.c_char_p
    # OpusEncoder *opus_encoder_create(opus_int32 Fs, int channels, int application, int *error)
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int, _c_int_p]
    lib.opus_encoder_create.restype = ctypes.c_void_p
    # opus_int32 opus_encode_float(OpusEncoder *st, const float *pcm, int frame_size,
    #                              unsigned char *data, opus_int32 max_data_bytes)
    lib.opus_encode_float.argtypes = [
        ctypes.c_void_p,
        _c_float_p,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_int32,
    ]
    lib.opus_encode_float.restype = ctypes.c_int32
    lib.opus_encoder_get_size.argtypes = [ctypes.c_int]
    lib.opus_encoder_get_size.restype = ctypes.c_int
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_encoder_destroy.restype = None
    # int opus_encoder_ctl(OpusEncoder *st, int request, ...): only the fixed part is declared;
    # ctypes passes the extra (variadic) arguments as given, so they are c_int32 objects.
    lib.opus_encoder_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.opus_encoder_ctl.restype = ctypes.c_int
    # OpusDecoder *opus_decoder_create(opus_int32 Fs, int channels, int *error)
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, _c_int_p]
    lib.opus_decoder_create.restype = ctypes.c_void_p
    # int opus_decode_float(OpusDecoder *st, const unsigned char *data, opus_int32 len,
    #                       float *pcm, int frame_size, int decode_fec)
    # data as c_char_p: a bytes object is passed by pointer, without a copy; None is NULL.
    lib.opus_decode_float.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int32,
        _c_float_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.opus_decode_float.restype = ctypes.c_int
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_decoder_destroy.restype = None
    lib.opus_decoder_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.opus_decoder_ctl.restype = ctypes.c_int
    lib.opus_packet_get_nb_samples.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]
    lib.opus_packet_get_nb_samples.restype = ctypes.c_int
    return lib


def libopus_version() -> str:
    """The loaded library's version string, e.g. ``"libopus 1.5.2"``."""
    return (_lib().opus_get_version_string() or b"").decode()


def packet_samples(payload: bytes) -> int:
    """How many 48 kHz samples an Opus packet holds (960 for 20 ms), or a negative libopus
    error code for a malformed one."""
    return int(_lib().opus_packet_get_nb_samples(payload, len(payload), SAMPLE_RATE))


def _strerror(code: int) -> str:
    return (_lib().opus_strerror(code) or b"unknown error").decode()


def _check(code: int, what: str) -> int:
    if code < 0:
        raise OpusError(f"{what}: {_strerror(code)}", code)
    return code


class OpusDecoder:
    """One site's decoder: 48 kHz mono (a stereo packet is downmixed by libopus).

    Every method returns a fresh ``(960,)`` float32 array (nominally in [-1, 1]) that the
    caller may keep; the decoder reuses only its own internal buffer.
    """

    def __init__(self) -> None:
        self._lib = _lib()
        error = ctypes.c_int(0)
        handle = self._lib.opus_decoder_create(SAMPLE_RATE, CHANNELS, ctypes.byref(error))
        _check(error.value, "opus_decoder_create")
        if not handle:
            raise OpusError("opus_decoder_create returned NULL")
        self._handle: int | None = handle
        self._pcm: F32 = np.zeros(MAX_PACKET_SAMPLES, np.float32)
        self._pcm_ptr = self._pcm.ctypes.data_as(_c_float_p)

    def _state(self) -> int:
        if self._handle is None:
            raise OpusError("decoder is closed")
        return self._handle

    def _decode(self, data: bytes | None, frame_size: int, fec: int) -> F32:
        n = self._lib.opus_decode_float(
            self._state(), data, len(data) if data else 0, self._pcm_ptr, frame_size, fec
        )
        if n < 0:
            raise OpusError(f"opus_decode_float: {_strerror(n)}", n)
        if n != FRAME_SAMPLES:
            # The bridge negotiates 20 ms packets; another duration cannot fill one tick.
            raise OpusError(f"packet holds {n} samples, expected {FRAME_SAMPLES} (20 ms)")
        return self._pcm[:FRAME_SAMPLES].copy()

    def decode(self, payload: bytes) -> F32:
        """The 20 ms frame in ``payload``. Raises ``OpusError`` for an empty, corrupt or
        non-20 ms packet (the caller then conceals: ``conceal()``)."""
        if not payload:
            # libopus treats len 0 as "lost" and would conceal silently.
            raise OpusError("empty Opus payload")
        return self._decode(bytes(payload), MAX_PACKET_SAMPLES, 0)

    def decode_fec(self, next_payload: bytes) -> F32:
        """The *lost* frame just before ``next_payload``, rebuilt from the in-band FEC
        (LBRR, RFC 6716 §2.1.7) that ``next_payload`` carries. libopus falls back to PLC when
        it carries none, and so does this method when ``next_payload`` is empty or corrupt:
        it always returns a frame.

        ``next_payload`` itself must still be decoded with ``decode`` on the next tick.
        """
        if next_payload:
            try:
                # frame_size must be exactly the missing duration for FEC and PLC (opus.h).
                return self._decode(bytes(next_payload), FRAME_SAMPLES, 1)
            except OpusError:
                if self._handle is None:
                    raise
        return self.conceal()

    def conceal(self) -> F32:
        """Packet-loss concealment for one lost 20 ms frame (``opus_decode`` with NULL data);
        repeated calls fade out."""
        return self._decode(None, FRAME_SAMPLES, 0)

    def reset(self) -> None:
        """Forget all history (a new stream: the site rejoined or its SSRC changed)."""
        _check(self._lib.opus_decoder_ctl(self._state(), _OPUS_RESET_STATE), "reset")

    def close(self) -> None:
        """Free the native state; idempotent. Later calls raise ``OpusError``."""
        handle, self._handle = self._handle, None
        if handle is not None:
            self._lib.opus_decoder_destroy(handle)

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None:
            self.close()


class OpusEncoder:
    """One output's encoder: 48 kHz mono, one 20 ms frame in, one packet out.

    With ``fec`` libopus adds in-band FEC (LBRR) only in SILK or hybrid mode (``voip`` speech
    at moderate bitrates) and only when ``expected_loss_percent`` is above a threshold that
    falls with the bitrate: about 10 % at 20–32 kb/s, 1 % at 64 kb/s, never below ~20 kb/s
    (libopus 1.6.1; docs/performance.md, "Opus and jitter buffer"). ``signal`` is a mode hint.
    ``max_bandwidth`` caps the coded audio bandwidth (libopus picks it from the bitrate below
    the cap: fullband, 20 kHz, from about 14 kb/s for mono speech).
    """

    def __init__(
        self,
        bitrate: int = 32_000,
        *,
        fec: bool = True,
        expected_loss_percent: int = 10,
        application: Application = "voip",
        complexity: int = 5,
        dtx: bool = False,
        signal: Signal = "auto",
        max_bandwidth: Bandwidth = "fullband",
    ) -> None:
        if application not in _APPLICATIONS:
            raise ValueError(f"application must be one of {sorted(_APPLICATIONS)}")
        if signal not in _SIGNALS:
            raise ValueError(f"signal must be one of {sorted(_SIGNALS)}")
        if max_bandwidth not in _BANDWIDTHS:
            raise ValueError(f"max_bandwidth must be one of {sorted(_BANDWIDTHS)}")
        self._lib = _lib()
        error = ctypes.c_int(0)
        handle = self._lib.opus_encoder_create(
            SAMPLE_RATE, CHANNELS, _APPLICATIONS[application], ctypes.byref(error)
        )
        _check(error.value, "opus_encoder_create")
        if not handle:
            raise OpusError("opus_encoder_create returned NULL")
        self._handle: int | None = handle
        self._pcm: F32 = np.zeros(FRAME_SAMPLES, np.float32)
        self._pcm_ptr = self._pcm.ctypes.data_as(_c_float_p)
        self._out = ctypes.create_string_buffer(MAX_PACKET_BYTES)
        self._out_addr = ctypes.addressof(self._out)
        try:
            self.set_bitrate(bitrate)
            self.set_expected_loss_percent(expected_loss_percent)
            self._ctl(_OPUS_SET_INBAND_FEC_REQUEST, int(fec), "inband FEC")
            self._ctl(_OPUS_SET_COMPLEXITY_REQUEST, complexity, "complexity")
            self._ctl(_OPUS_SET_DTX_REQUEST, int(dtx), "DTX")
            self._ctl(_OPUS_SET_SIGNAL_REQUEST, _SIGNALS[signal], "signal")
            self._ctl(_OPUS_SET_MAX_BANDWIDTH_REQUEST, _BANDWIDTHS[max_bandwidth], "bandwidth")
        except BaseException:
            self.close()
            raise

    def _state(self) -> int:
        if self._handle is None:
            raise OpusError("encoder is closed")
        return self._handle

    def _ctl(self, request: int, value: int, what: str) -> None:
        code = self._lib.opus_encoder_ctl(self._state(), request, ctypes.c_int32(value))
        if code != _OPUS_OK:
            raise OpusError(f"{what}={value}: {_strerror(code)}", code)

    def set_bitrate(self, bitrate: int) -> None:
        """Target bitrate in bit/s (libopus accepts 500..512 000)."""
        self._ctl(_OPUS_SET_BITRATE_REQUEST, bitrate, "bitrate")

    def set_expected_loss_percent(self, percent: int) -> None:
        """The loss the encoder should protect against (0..100; from RTCP fraction lost)."""
        self._ctl(_OPUS_SET_PACKET_LOSS_PERC_REQUEST, percent, "expected loss")

    def encode(self, pcm: npt.ArrayLike) -> bytes:
        """One ``(960,)`` frame (float, nominally in [-1, 1]; any real dtype is cast to
        float32) → one Opus packet of at most ``MAX_PACKET_BYTES`` bytes, a new ``bytes``."""
        state = self._state()
        pcm = np.asarray(pcm)
        if pcm.shape != (FRAME_SAMPLES,):
            raise ValueError(f"expected a ({FRAME_SAMPLES},) frame, got shape {pcm.shape}")
        np.copyto(self._pcm, pcm, casting="same_kind")
        n = self._lib.opus_encode_float(
            state, self._pcm_ptr, FRAME_SAMPLES, self._out_addr, MAX_PACKET_BYTES
        )
        if n < 0:
            raise OpusError(f"opus_encode_float: {_strerror(n)}", n)
        return ctypes.string_at(self._out_addr, n)

    def continue_from(self, other: OpusEncoder) -> None:
        """Take ``other``'s whole state (history and settings), so this encoder's next
        packet continues the stream ``other`` has been making: a decoder fed by ``other``
        until now hears no seam. libopus keeps its encoder state in one block with no
        pointers into itself (offsets only), so it may be copied byte for byte."""
        size = self._lib.opus_encoder_get_size(CHANNELS)
        ctypes.memmove(self._state(), other._state(), size)

    def reset(self) -> None:
        """Forget all history (keeps bitrate, FEC and the other settings)."""
        # OPUS_RESET_STATE clears only the signal history, not the CTL settings (opus_encoder.c).
        _check(self._lib.opus_encoder_ctl(self._state(), _OPUS_RESET_STATE), "reset")

    def close(self) -> None:
        """Free the native state; idempotent. Later calls raise ``OpusError``."""
        handle, self._handle = self._handle, None
        if handle is not None:
            self._lib.opus_encoder_destroy(handle)

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None:
            self.close()
