"""A validation failure as an integrator reads it: the field's path, a stable problem, and a
message naming both in Vietnamese and English. Pure: the real body models, no server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.signaling import messages as m
from bridge.signaling.api import ROUTES
from bridge.signaling.errors import ErrorCode, Problem, SignalingError, problem_message
from bridge.signaling.validation import field_path

BODIES = sorted({r.body for r in ROUTES if r.body is not None}, key=lambda b: b.__name__)


def refusal(model: type[m._Body], data: Any) -> SignalingError:
    with pytest.raises(SignalingError) as caught:
        m.parse_body(model, json.dumps(data).encode())
    return caught.value


def test_field_paths_index_lists_and_dot_objects() -> None:
    assert field_path(("roster", 2)) == "roster[2]"
    assert field_path(("a", "b", 0, "c")) == "a.b[0].c"
    assert field_path(("level",)) == "level"
    assert field_path(()) is None


@pytest.mark.parametrize(
    ("model", "data", "field", "problem", "en", "vi"),
    [
        (m.SiteBody, {"level": "commune"}, "name", Problem.MISSING,
         "Field “name” is missing.", "Trường «name» bị thiếu."),
        (m.SiteBody, {"name": "A", "level": "commune", "colour": 1}, "colour",
         Problem.UNKNOWN_FIELD, "Field “colour” is not a known field.",
         "Trường «colour» không có trong yêu cầu này."),
        (m.SiteBody, {"name": "A", "level": "hamlet"}, "level", Problem.NOT_ALLOWED,
         "Field “level” must be one of: central, province, district, commune.",
         "Trường «level» phải là một trong: central, province, district, commune."),
        (m.SessionBody, {"title": "T", "host_site_id": 1, "roster": [1, "2"]}, "roster[1]",
         Problem.WRONG_TYPE, "Field “roster[1]” must be an integer.",
         "Trường «roster[1]» phải là một số nguyên."),
        (m.SessionBody, {"title": "T", "host_site_id": True}, "host_site_id",
         Problem.WRONG_TYPE, "Field “host_site_id” must be an integer.",
         "Trường «host_site_id» phải là một số nguyên."),
        (m.SessionBody, {"title": "T", "host_site_id": 0}, "host_site_id", Problem.TOO_SMALL,
         "Field “host_site_id” must be at least 1.", "Trường «host_site_id» phải từ 1 trở lên."),
        (m.SessionBody, {"title": "T", "host_site_id": 2**60}, "host_site_id",
         Problem.TOO_LARGE, f"Field “host_site_id” must be at most {2**53}.",
         f"Trường «host_site_id» phải không quá {2**53}."),
        (m.SessionBody, {"title": "", "host_site_id": 1}, "title", Problem.TOO_SHORT,
         "Field “title” must have at least 1 character.",
         "Trường «title» phải có ít nhất 1 ký tự."),
        (m.SessionBody, {"title": "T", "host_site_id": 1, "roster": list(range(1, 1002))},
         "roster", Problem.TOO_LONG, "Field “roster” must have at most 1000 items.",
         "Trường «roster» chỉ được có tối đa 1000 phần tử."),
        (m.AccountBody, {"username": "u", "password": "short"}, "password", Problem.TOO_SHORT,
         "Field “password” must have at least 8 characters.",
         "Trường «password» phải có ít nhất 8 ký tự."),
        (m.LinksBody, {"valid_hours": 0}, "valid_hours", Problem.TOO_SMALL,
         "Field “valid_hours” must be at least 0.1.",
         "Trường «valid_hours» phải từ 0.1 trở lên."),
        (m.LinksBody, {"valid_hours": "2"}, "valid_hours", Problem.WRONG_TYPE,
         "Field “valid_hours” must be a number.", "Trường «valid_hours» phải là một số."),
        (m.StaffBody, {"account_id": 2, "duty": "boss"}, "duty", Problem.NOT_ALLOWED,
         "Field “duty” must be one of: operator, observer.",
         "Trường «duty» phải là một trong: operator, observer."),
        (m.StaffBody, {"account_id": 2}, "duty", Problem.MISSING,
         "Field “duty” is missing.", "Trường «duty» bị thiếu."),
    ],
)  # fmt: skip
def test_each_kind_of_problem_names_its_field_and_says_what_is_wrong(
    model: type[m._Body], data: Any, field: str, problem: Problem, en: str, vi: str
) -> None:
    error = refusal(model, data)
    assert (error.code, error.field, error.problem) == (ErrorCode.INVALID_INPUT, field, problem)
    assert error.body("en") == {
        "code": "invalid_input",
        "message": en,
        "field": field,
        "problem": str(problem),
    }
    assert error.message("vi") == vi


def test_a_body_that_is_no_object_is_invalid_json_naming_no_field() -> None:
    for raw in (b"[1]", b"{", b'"x"'):
        with pytest.raises(SignalingError) as caught:
            m.parse_body(m.SiteBody, raw)
        assert caught.value.code is ErrorCode.INVALID_JSON and caught.value.field is None
        assert "field" not in caught.value.body("en")


@pytest.mark.parametrize("problem", list(Problem))
def test_every_problem_has_a_message_in_both_languages(problem: Problem) -> None:
    params = {
        "expected": "integer",
        "limit": 3,
        "unit": "items",
        "choices": ["a", "b"],
        "level": "province",
    }
    vi, en = (problem_message("x[1]", problem, params, lang) for lang in ("vi", "en"))
    assert vi.startswith("Trường «x[1]» ") and en.startswith("Field “x[1]” "), (vi, en)
    assert vi != en and "?" not in vi + en and "None" not in vi + en


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    model=st.sampled_from(BODIES),
    data=st.dictionaries(
        st.sampled_from(["name", "level", "roster", "title", "host_site_id", "username",
                         "password", "role", "duty", "account_id", "valid_hours", "x"]),
        json_values,
        max_size=5,
    ),
)  # fmt: skip
def test_any_refused_body_names_a_field_of_the_body_or_the_model(
    model: type[m._Body], data: dict[str, Any]
) -> None:
    """Whatever object comes in: accepted, or refused with a field that is one the body
    sent or one the model has (a missing one), and a message in both languages."""
    try:
        m.parse_body(model, json.dumps(data).encode())
    except SignalingError as error:
        assert error.code is ErrorCode.INVALID_INPUT
        assert error.field is not None and error.problem is not None
        top = error.field.split("[")[0].split(".")[0]
        assert top in data or top in model.model_fields, (error.field, data)
        if error.problem is Problem.UNKNOWN_FIELD:
            assert top in data and top not in model.model_fields
        if error.problem is Problem.MISSING:  # the field itself (``name.vi`` in a name sent)
            assert error.field not in data
        assert error.field in error.message("vi") and error.field in error.message("en")


@pytest.mark.parametrize(
    ("frame", "field", "problem", "en"),
    [
        ({"type": "ping", "id": [1]}, "id", Problem.WRONG_TYPE,
         "Field “id” must be a string or an integer."),
        ({"type": "ping", "id": "x" * 65}, "id", Problem.TOO_LONG,
         "Field “id” must have at most 64 characters."),
        ({"type": "mute"}, "site_id", Problem.MISSING, "Field “site_id” is missing."),
        ({"type": "ping", "colour": "red"}, "colour", Problem.UNKNOWN_FIELD,
         "Field “colour” is not a known field."),
        ({"type": "voice_activated", "enabled": True, "hold_s": 99}, "hold_s",
         Problem.TOO_LARGE, "Field “hold_s” must be at most 30."),
    ],
)  # fmt: skip
def test_a_websocket_message_names_its_field_and_problem_too(
    frame: dict[str, Any], field: str, problem: Problem, en: str
) -> None:
    """Not the message type, nor the name pydantic gives a union's member (``id`` is a
    string or an integer): the field as the sender wrote it."""
    with pytest.raises(SignalingError) as caught:
        m.parse_client_message(json.dumps(frame))
    message = caught.value.to_message("en", ref_id=None)
    assert message == {
        "type": "error",
        "code": "invalid_message",
        "message": en,
        "field": field,
        "problem": str(problem),
        "ref_id": None,
    }
