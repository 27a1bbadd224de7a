"""The profile schema: every field's bounds and types refused with the field named (as the
bridge's error mapping says it, in Vietnamese and English); the catalogue files valid."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from bridge.profiles.catalogue import CatalogueError, catalogue_texts, load_catalogue, parse_entry
from bridge.profiles.schema import (
    SECTIONS,
    Profile,
    ProfileOverride,
    as_override,
    field_paths,
    flatten,
    unflatten,
)
from bridge.signaling.errors import ErrorCode, Problem
from bridge.signaling.validation import invalid


def _field(path: str) -> Any:
    section, _, name = path.partition(".")
    model: type[BaseModel] = type(getattr(Profile(), section))
    return model.model_fields[name]


def _bound(path: str, name: str) -> Any:
    for item in _field(path).metadata:
        if hasattr(item, name):
            return getattr(item, name)
    return None


def bad_values(path: str) -> list[tuple[Any, Problem, str]]:
    """Values the field must refuse, each with the problem it is and the field named (the
    item of a list): from the schema's own bounds, so a bound added later is tested too."""
    annotation = _field(path).annotation
    if path.endswith(".labels"):
        return [
            ("Jabra", Problem.WRONG_TYPE, path),
            (["Jabra", 5], Problem.WRONG_TYPE, f"{path}[1]"),
            (["Jabra", ""], Problem.TOO_SHORT, f"{path}[1]"),
            (["x" * 121], Problem.TOO_LONG, f"{path}[0]"),
            (["mic"] * 9, Problem.TOO_LONG, path),
        ]
    found: list[tuple[Any, Problem]]
    if annotation is bool:
        found = [("true", Problem.WRONG_TYPE), (1, Problem.WRONG_TYPE)]
        return [(value, problem, path) for value, problem in found]
    if get_args(annotation):  # a Literal
        return [("mosaic", Problem.NOT_ALLOWED, path), (1, Problem.NOT_ALLOWED, path)]
    low, high = _bound(path, "ge"), _bound(path, "le")
    assert low is not None and high is not None, f"{path} has no bounds"
    step = 1 if annotation is int else 0.5
    found = [
        (low - step, Problem.TOO_SMALL),
        (high + step, Problem.TOO_LARGE),
        ("5", Problem.WRONG_TYPE),
        (True, Problem.WRONG_TYPE),
    ]
    if annotation is int:
        found.append((low + 0.5, Problem.WRONG_TYPE))
    return [(value, problem, path) for value, problem in found]


CASES = [(path, *case) for path in field_paths() for case in bad_values(path)]


def test_every_field_has_refused_values_and_every_number_a_bound() -> None:
    assert {path for path, *_ in CASES} == set(field_paths())
    assert len(field_paths()) == 21


@pytest.mark.parametrize("model", [Profile, ProfileOverride])
@pytest.mark.parametrize(("path", "value", "problem", "field"), CASES)
def test_a_bad_field_is_refused_naming_it(
    model: type[BaseModel], path: str, value: Any, problem: Problem, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(unflatten({path: value}))
    error = invalid(caught.value, model=model)
    assert error.code is ErrorCode.INVALID_INPUT
    assert (error.field, error.problem) == (field, problem), caught.value.errors()
    for lang, quoted in (("vi", f"«{field}»"), ("en", f"“{field}”")):
        body = error.body(lang)
        assert body["field"] == field and body["problem"] == problem
        assert quoted in str(body["message"])


@pytest.mark.parametrize("path", field_paths())
def test_null_leaves_a_field_unset_in_an_override_and_is_refused_in_a_profile(path: str) -> None:
    assert flatten(ProfileOverride.model_validate(unflatten({path: None}))) == {}
    with pytest.raises(ValidationError) as caught:
        Profile.model_validate(unflatten({path: None}))
    error = invalid(caught.value, model=Profile)
    assert error.field == path
    assert error.problem in (Problem.WRONG_TYPE, Problem.NOT_ALLOWED)  # a choice: not one


def test_the_mapping_says_a_gain_out_of_bounds_in_both_languages() -> None:
    with pytest.raises(ValidationError) as caught:
        Profile.model_validate({"microphone": {"gain_db": 30}})
    error = invalid(caught.value, model=Profile)
    assert error.body("vi") == {
        "code": "invalid_input",
        "message": "Trường «microphone.gain_db» phải không quá 20.",
        "field": "microphone.gain_db",
        "problem": "too_large",
    }
    assert error.body("en")["message"] == "Field “microphone.gain_db” must be at most 20."


@pytest.mark.parametrize("model", [Profile, ProfileOverride])
def test_an_unknown_field_or_section_is_refused(model: type[BaseModel]) -> None:
    for data, field in (
        ({"microphone": {"gian_db": 3}}, "microphone.gian_db"),
        ({"keyboard": {}}, "keyboard"),
        ({"display": "grid"}, "display"),
    ):
        with pytest.raises(ValidationError) as caught:
            model.model_validate(data)
        assert invalid(caught.value, model=model).field == field


def test_the_defaults_are_inside_the_bounds() -> None:
    default = Profile()
    assert Profile.model_validate(default.model_dump()) == default
    assert Profile.model_validate_json(default.model_dump_json()) == default


def test_the_bounds_hold_at_their_edges() -> None:
    edges = {
        "microphone.gain_db": (-20, 20),
        "display.grid_sites": (2, 9),
        "speaker.volume": (0, 1),
    }
    for path, values in edges.items():
        for value in values:
            assert flatten(Profile.model_validate(unflatten({path: value})))[path] == value


def test_an_override_sets_only_what_it_names() -> None:
    override = ProfileOverride.model_validate({"microphone": {"echo_cancellation": False}})
    assert flatten(override) == {"microphone.echo_cancellation": False}
    assert flatten(ProfileOverride()) == {}
    assert flatten(as_override(Profile())) == flatten(Profile())
    assert set(flatten(Profile())) == set(field_paths())
    assert {p.partition(".")[0] for p in field_paths()} == set(SECTIONS)


def test_the_catalogue_ships_four_valid_profiles() -> None:
    catalogue = load_catalogue()
    assert list(catalogue) == ["laptop", "large-hall", "meeting-room", "tv-webcam"]
    for entry in catalogue.values():
        assert entry.name.vi and entry.name.en and entry.summary.vi and entry.summary.en
        # Every field written out, none left to a default a later change could move.
        text = json.loads(catalogue_texts()[f"{entry.id}.json"])["profile"]
        assert {f"{s}.{k}" for s, part in text.items() for k in part} == set(field_paths())


@pytest.mark.parametrize("profile_id", ["large-hall", "meeting-room"])
def test_a_room_unit_with_its_own_dsp_has_the_browsers_off(profile_id: str) -> None:
    mic = load_catalogue()[profile_id].profile.microphone
    assert not (mic.echo_cancellation or mic.noise_suppression or mic.auto_gain_control)
    assert mic.labels


def test_a_bad_catalogue_file_is_refused() -> None:
    text = catalogue_texts()["laptop.json"]
    with pytest.raises(CatalogueError):
        parse_entry(text, "tv-webcam.json")
    data = json.loads(text)
    data["profile"]["display"]["grid_sites"] = 12
    with pytest.raises(ValidationError) as caught:
        parse_entry(json.dumps(data), "laptop.json")
    assert invalid(caught.value).field == "profile.display.grid_sites"
