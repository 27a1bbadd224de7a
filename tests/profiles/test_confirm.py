"""Desired, applied, read back: when a hall's field counts as confirmed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.profiles.confirm import State, check_fields, overall, same
from bridge.profiles.schema import Profile, field_paths, flatten


def _profile(**sections: dict[str, object]) -> Profile:
    return Profile.model_validate(sections)


def test_every_field_is_checked_in_the_schemas_order():
    checks = check_fields(Profile(), {}, {}, {})
    assert tuple(checks) == field_paths()
    assert all(c.ok is None for c in checks.values())  # nothing read back: nothing known


def test_a_read_back_equal_to_the_desired_value_is_confirmed_and_another_is_not():
    desired = _profile(camera={"width": 640, "height": 360, "frame_rate": 15})
    readback = {"camera.width": 640, "camera.height": 480, "camera.frame_rate": 14.98}
    checks = check_fields(desired, {"camera.width": 640}, readback, {})
    assert checks["camera.width"].ok is True
    assert checks["camera.width"].applied == 640
    assert checks["camera.height"].ok is False
    assert checks["camera.frame_rate"].ok is True  # within the tolerance
    assert checks["camera.preview_width"].ok is None  # nothing read back


def test_a_boolean_is_never_a_number():
    assert not same(True, 1)
    assert not same(1, True)
    assert same(False, False)
    assert not same(30, float("nan"))


def test_label_patterns_are_confirmed_by_the_device_found_and_refused_when_missing():
    desired = _profile(microphone={"labels": ["Sennheiser*"]}, camera={"labels": ["PTZ"]})
    devices = {"microphone": "Default", "camera": "PTZ Optics Move"}
    checks = check_fields(desired, {}, {}, devices, missing_kinds=["microphone"])
    assert checks["microphone.labels"].ok is False
    assert checks["microphone.labels"].readback == "Default"
    assert checks["camera.labels"].ok is True
    assert checks["speaker.labels"].ok is None  # no patterns: the default, nothing to check


def test_the_overall_state():
    checks = check_fields(Profile(), {}, {"display.clock": False}, {})
    assert overall(False, 3, 3, checks) is State.OFFLINE
    assert overall(True, 3, None, checks) is State.PENDING
    assert overall(True, 3, 2, checks) is State.PENDING  # answered an older revision
    assert overall(True, 3, 3, checks) is State.CONFIRMED
    assert overall(True, 3, 3, checks, problems=1) is State.DIFFERS
    wrong = check_fields(Profile(), {}, {"display.clock": True}, {})
    assert overall(True, 3, 3, wrong) is State.DIFFERS


@given(st.sampled_from(list(field_paths())))
def test_reading_back_exactly_the_desired_value_confirms_any_field(path):
    desired = Profile()
    value = flatten(desired)[path]
    checks = check_fields(desired, {}, {path: value}, {})
    if path.endswith(".labels"):
        assert checks[path].ok is None  # chosen by device, not read back
    else:
        assert checks[path].ok is True
