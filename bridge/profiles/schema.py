"""The hardware profile: every field bounded, unknown fields refused.

``Profile`` is a whole profile (every field has a default: ``Profile()`` is the built-in
one); ``ProfileOverride`` is the same shape with every field optional, what a level of the
site tree sets on top of the levels above. Both share one type per field, so a bound is
written once. Strict: a profile is JSON, so a number is a number, never ``"5"`` or ``true``.

A failure is pydantic's ``ValidationError``; ``bridge.signaling.validation.invalid`` says
it as an error naming the field (``microphone.gain_db``) — this package does not import
signaling (the import direction is signaling → domains).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# A device label pattern (see ``devices.matches``): a substring, or a glob with * ? [ ].
Pattern = Annotated[str, Field(min_length=1, max_length=120)]
# Ordered: the first pattern a device's label matches wins.
Patterns = Annotated[list[Pattern], Field(max_length=8)]

Channels = Annotated[int, Field(ge=1, le=2)]
SampleRate = Annotated[int, Field(ge=8000, le=48000)]  # Hz
GainDb = Annotated[float, Field(ge=-20, le=20)]  # dB, in the mixer, on top of levelling
Volume = Annotated[float, Field(ge=0, le=1)]  # HTMLMediaElement.volume
Width = Annotated[int, Field(ge=160, le=3840)]  # px
Height = Annotated[int, Field(ge=120, le=2160)]  # px
FrameRate = Annotated[int, Field(ge=1, le=60)]  # frames/s
PreviewWidth = Annotated[int, Field(ge=80, le=1280)]  # px
PreviewHeight = Annotated[int, Field(ge=60, le=720)]  # px
PreviewFrameRate = Annotated[int, Field(ge=1, le=30)]  # frames/s
# full: the shown site fills the screen; inset: the shown site with the host in a corner;
# grid: ``grid_sites`` sites side by side.
Layout = Literal["full", "inset", "grid"]
GridSites = Annotated[int, Field(ge=2, le=9)]
# The muted / floor banners' height, in percent of the screen's height: a hall screen read
# from 10 m wants about 6 % (text some 5 cm high on a 65" screen).
BannerHeight = Annotated[int, Field(ge=2, le=25)]

SECTIONS = ("microphone", "speaker", "camera", "display")

_CLOSED = ConfigDict(extra="forbid", strict=True, frozen=True)


class Microphone(BaseModel):
    model_config = _CLOSED
    labels: Patterns = []
    # Room units with their own DSP (ceiling arrays, speakerphones) want these three off.
    echo_cancellation: bool = True
    noise_suppression: bool = True
    auto_gain_control: bool = True
    channel_count: Channels = 1
    sample_rate: SampleRate = 48000
    gain_db: GainDb = 0.0


class Speaker(BaseModel):
    model_config = _CLOSED
    labels: Patterns = []
    volume: Volume = 1.0


class Camera(BaseModel):
    model_config = _CLOSED
    labels: Patterns = []
    width: Width = 1280
    height: Height = 720
    frame_rate: FrameRate = 30
    preview_width: PreviewWidth = 320
    preview_height: PreviewHeight = 180
    preview_frame_rate: PreviewFrameRate = 15


class Display(BaseModel):
    model_config = _CLOSED
    layout: Layout = "full"  # what a hall screen showed before profiles: one picture
    grid_sites: GridSites = 4
    captions: bool = True
    clock: bool = False
    banner_height: BannerHeight = 6


class Profile(BaseModel):
    model_config = _CLOSED
    microphone: Microphone = Microphone()
    speaker: Speaker = Speaker()
    camera: Camera = Camera()
    display: Display = Display()


class MicrophoneOverride(BaseModel):
    model_config = _CLOSED
    labels: Patterns | None = None
    echo_cancellation: bool | None = None
    noise_suppression: bool | None = None
    auto_gain_control: bool | None = None
    channel_count: Channels | None = None
    sample_rate: SampleRate | None = None
    gain_db: GainDb | None = None


class SpeakerOverride(BaseModel):
    model_config = _CLOSED
    labels: Patterns | None = None
    volume: Volume | None = None


class CameraOverride(BaseModel):
    model_config = _CLOSED
    labels: Patterns | None = None
    width: Width | None = None
    height: Height | None = None
    frame_rate: FrameRate | None = None
    preview_width: PreviewWidth | None = None
    preview_height: PreviewHeight | None = None
    preview_frame_rate: PreviewFrameRate | None = None


class DisplayOverride(BaseModel):
    model_config = _CLOSED
    layout: Layout | None = None
    grid_sites: GridSites | None = None
    captions: bool | None = None
    clock: bool | None = None
    banner_height: BannerHeight | None = None


class ProfileOverride(BaseModel):
    model_config = _CLOSED
    microphone: MicrophoneOverride | None = None
    speaker: SpeakerOverride | None = None
    camera: CameraOverride | None = None
    display: DisplayOverride | None = None


Names = Annotated[str, Field(min_length=1, max_length=120)]


class Name(BaseModel):
    """A name in both languages."""

    model_config = _CLOSED
    vi: Names
    en: Names


Summaries = Annotated[str, Field(min_length=1, max_length=400)]


class Summary(BaseModel):
    """A sentence in both languages."""

    model_config = _CLOSED
    vi: Summaries
    en: Summaries


class CatalogueProfile(BaseModel):
    """A named profile as shipped in ``endpoints/profiles/<id>.json``."""

    model_config = _CLOSED
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    name: Name
    summary: Summary
    profile: Profile


def field_paths() -> tuple[str, ...]:
    """Every field of a profile as ``section.field``, in the schema's order."""
    return tuple(
        f"{section}.{name}"
        for section in SECTIONS
        for name in type(getattr(Profile(), section)).model_fields
    )


def flatten(profile: Profile | ProfileOverride) -> dict[str, Any]:
    """``{"microphone.gain_db": 3.0, …}``: the fields set (every one, for a ``Profile``)."""
    found: dict[str, Any] = {}
    for section in SECTIONS:
        part = getattr(profile, section)
        if part is None:
            continue
        for name, value in part.model_dump().items():
            if value is not None:
                found[f"{section}.{name}"] = value
    return found


def unflatten(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"microphone.gain_db": 3}`` → ``{"microphone": {"gain_db": 3}}``."""
    nested: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        section, _, name = path.partition(".")
        nested.setdefault(section, {})[name] = value
    return nested


def as_override(profile: Profile) -> ProfileOverride:
    """A whole profile as the override that sets every field (a profile assigned at a level)."""
    return ProfileOverride.model_validate(unflatten(flatten(profile)))
