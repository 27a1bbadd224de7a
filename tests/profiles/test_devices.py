"""A profile's devices from a hall's inventory: the first pattern that matches, in order;
else the default device and a warning naming what is missing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.profiles.catalogue import load_catalogue
from bridge.profiles.devices import Device, Missing, choose, choose_devices, matches

MEETING_ROOM = [
    Device("audioinput", "Default - Microphone Array (Realtek(R) Audio)", "default"),
    Device("audioinput", "Microphone Array (Realtek(R) Audio)", "m1"),
    Device("audioinput", "Default - Jabra SPEAK 510 USB (0b0e:0422)", "communications"),
    Device("audioinput", "Jabra SPEAK 510 USB (0b0e:0422)", "m2"),
    Device("audiooutput", "Default - Speakers (Realtek(R) Audio)", "default"),
    Device("audiooutput", "Speakers (Realtek(R) Audio)", "s1"),
    Device("videoinput", "Integrated Camera (04f2:b6d9)", "c1"),
    Device("videoinput", "Logitech BRIO (046d:085e)", "c2"),
]


@pytest.mark.parametrize(
    ("pattern", "label", "expected"),
    [
        ("jabra", "Jabra SPEAK 510 USB", True),  # a substring, any case
        ("SPEAK 510", "Jabra SPEAK 510 USB", True),
        ("Jabra*", "jabra speak 510", True),  # a glob over the whole label
        ("*Speak", "Jabra SPEAK 510 USB", False),  # … the whole of it
        ("Logitech BRIO ?046d*", "Logitech BRIO (046d:085e)", True),
        ("C9[23]0", "HD Pro Webcam C920", False),
        ("*C9[23]0*", "HD Pro Webcam C930e", True),
        ("poly", "Jabra SPEAK 510 USB", False),
    ],
)
def test_a_pattern_is_a_substring_or_a_glob_ignoring_case(
    pattern: str, label: str, expected: bool
) -> None:
    assert matches(pattern, label) is expected


def test_the_first_pattern_in_order_wins_not_the_first_device() -> None:
    choice = choose("videoinput", ["BRIO", "Integrated"], MEETING_ROOM)
    assert (choice.device, choice.pattern, choice.missing) == (MEETING_ROOM[7], "BRIO", None)
    choice = choose("videoinput", ["Camera", "BRIO"], MEETING_ROOM)
    assert choice.device == MEETING_ROOM[6]


def test_a_pattern_picks_the_real_device_not_the_default_alias() -> None:
    choice = choose("audioinput", ["Jabra"], MEETING_ROOM)
    assert choice.device is not None and choice.device.device_id == "m2"


def test_nothing_matching_takes_the_default_and_warns_naming_what_is_missing() -> None:
    choice = choose("audiooutput", ["Jabra Speak*", "Poly Sync*"], MEETING_ROOM)
    assert choice.device == MEETING_ROOM[4] and choice.pattern is None
    assert choice.missing == Missing("audiooutput", ("Jabra Speak*", "Poly Sync*"), MEETING_ROOM[4])
    assert choice.missing.message("vi") == (
        "Không có loa nào khớp «Jabra Speak*», «Poly Sync*»; "
        "dùng thiết bị mặc định «Default - Speakers (Realtek(R) Audio)»."
    )
    assert choice.missing.message("en") == (
        "No speaker matches “Jabra Speak*”, “Poly Sync*”; "
        "using the default “Default - Speakers (Realtek(R) Audio)” instead."
    )


def test_without_a_default_id_the_first_device_of_its_kind_is_the_default() -> None:
    choice = choose("videoinput", ["PTZ"], MEETING_ROOM)
    assert choice.device == MEETING_ROOM[6] and choice.missing is not None


def test_a_hall_without_the_kind_at_all_is_told_so() -> None:
    choice = choose("videoinput", ["PTZ"], MEETING_ROOM[:6])
    assert choice.device is None and choice.missing is not None
    assert choice.missing.message("en") == "No camera matches “PTZ”, and the hall has no camera."
    assert "điểm cầu không có camera" in choice.missing.message("vi")


def test_no_patterns_means_the_default_without_a_warning() -> None:
    choice = choose("audiooutput", [], MEETING_ROOM)
    assert (choice.device, choice.missing) == (MEETING_ROOM[4], None)


def test_an_unlabelled_device_never_matches() -> None:
    # Before the page is allowed the microphone, the browser lists devices without labels.
    hidden = [Device("audioinput", "", "x")]
    choice = choose("audioinput", ["*"], hidden)
    assert choice.pattern is None and choice.device == hidden[0]


def test_the_meeting_room_profile_in_a_room_without_its_speakerphone() -> None:
    profile = load_catalogue()["meeting-room"].profile
    devices = choose_devices(profile, MEETING_ROOM)
    assert devices.microphone.device == MEETING_ROOM[3]
    assert devices.camera.device == MEETING_ROOM[7]  # "Logitech"
    assert [w.kind for w in devices.warnings] == ["audiooutput"]


labels = st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), max_size=20)


@given(st.lists(labels, min_size=1, max_size=6), st.lists(labels.filter(bool), max_size=4))
def test_the_choice_is_the_first_pattern_any_device_matches(
    names: list[str], patterns: list[str]
) -> None:
    inventory = [Device("audioinput", name, f"d{i}") for i, name in enumerate(names)]
    choice = choose("audioinput", patterns, inventory)
    hits = [p for p in patterns if any(matches(p, d.label) for d in inventory if d.label)]
    if hits:
        assert choice.pattern == hits[0] and choice.missing is None
        assert choice.device is not None and matches(hits[0], choice.device.label)
    else:
        assert choice.device == inventory[0]
        assert (choice.missing is None) == (not patterns)
