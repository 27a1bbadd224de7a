import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.signaling.errors import ErrorCode, SignalingError, message_for, pick_lang
from bridge.signaling.messages import (
    MAX_MESSAGE_BYTES,
    JoinMessage,
    MuteMessage,
    ShowMessage,
    VoiceActivatedMessage,
    parse_client_message,
    ref_id_of,
)


def code_of(text: str) -> ErrorCode:
    with pytest.raises(SignalingError) as info:
        parse_client_message(text)
    return info.value.code


def test_a_valid_join_parses():
    msg = parse_client_message('{"type":"join","session_id":3,"token":"abc","lang":"en"}')
    assert msg == JoinMessage(type="join", session_id=3, token="abc", lang="en")


def test_operator_commands_parse_with_their_id():
    msg = parse_client_message('{"type":"mute","site_id":2,"id":"m1"}')
    assert isinstance(msg, MuteMessage) and msg.site_id == 2 and msg.id == "m1"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", ErrorCode.INVALID_JSON),
        ("[1,2]", ErrorCode.INVALID_JSON),
        ('{"type":"dance"}', ErrorCode.UNKNOWN_TYPE),
        ('{"no_type":1}', ErrorCode.UNKNOWN_TYPE),
        ('{"type":"join","session_id":1}', ErrorCode.INVALID_MESSAGE),
        ('{"type":"join","session_id":"x","token":"t"}', ErrorCode.INVALID_MESSAGE),
        ('{"type":"ping","surprise":true}', ErrorCode.INVALID_MESSAGE),
        ('{"type":"mute","site_id":0}', ErrorCode.INVALID_MESSAGE),
        ('{"type":"join","session_id":1,"token":"t","lang":"fr"}', ErrorCode.INVALID_MESSAGE),
    ],
)
def test_bad_messages_get_a_stable_code(text, code):
    assert code_of(text) == code


def test_an_oversize_frame_is_refused_before_parsing():
    text = json.dumps({"type": "offer", "sdp": "x" * MAX_MESSAGE_BYTES})
    assert code_of(text) == ErrorCode.MESSAGE_TOO_LARGE


def test_deeply_nested_json_is_an_error_not_a_crash():
    assert code_of("[" * 100_000 + "]" * 100_000) in (
        ErrorCode.INVALID_JSON,
        ErrorCode.MESSAGE_TOO_LARGE,
    )


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_a_signaling_error(text):
    try:
        parse_client_message(text)
    except SignalingError as error:
        assert error.code in ErrorCode


def test_ref_id_is_echoed_only_when_sane():
    assert ref_id_of('{"type":"x","id":"abc"}') == "abc"
    assert ref_id_of('{"type":"x","id":' + '"' + "a" * 100 + '"}') is None
    assert ref_id_of("garbage") is None


def test_every_code_has_both_languages_and_vietnamese_is_default():
    for code in ErrorCode:
        assert message_for(code, "vi") and message_for(code, "en")
    assert message_for(ErrorCode.SESSION_CLOSED, "vi") == "Phiên họp đã kết thúc."
    assert pick_lang(None) == "vi"
    assert pick_lang("en-US,en;q=0.9") == "en"
    assert pick_lang("fr, vi;q=0.5") == "vi"


def test_video_commands_parse_and_a_bad_hold_time_is_refused():
    show = parse_client_message('{"type":"show","site_id":4}')
    assert isinstance(show, ShowMessage) and show.site_id == 4
    voice = parse_client_message('{"type":"voice_activated","enabled":true,"hold_s":1.5}')
    assert isinstance(voice, VoiceActivatedMessage) and voice.enabled and voice.hold_s == 1.5
    off = parse_client_message('{"type":"voice_activated","enabled":false}')
    assert isinstance(off, VoiceActivatedMessage) and off.hold_s is None
    assert code_of('{"type":"voice_activated","enabled":true,"hold_s":-1}') is (
        ErrorCode.INVALID_MESSAGE
    )
    assert code_of('{"type":"show"}') is ErrorCode.INVALID_MESSAGE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('{"type":"hand","raised":true}', "hand"),
        ('{"type":"lower_hand","site_id":3}', "lower_hand"),
        ('{"type":"give_floor","site_id":3,"id":"f1"}', "give_floor"),
        ('{"type":"mute_all_except_host"}', "mute_all_except_host"),
        ('{"type":"unmute_all"}', "unmute_all"),
        ('{"type":"remove","site_id":3}', "remove"),
        ('{"type":"end_session"}', "end_session"),
    ],
)
def test_session_control_messages_parse(text, kind):
    assert parse_client_message(text).type == kind


@pytest.mark.parametrize(
    "text",
    [
        '{"type":"hand"}',
        '{"type":"hand","raised":"yes please"}',
        '{"type":"hand","raised":true,"site_id":2}',  # a site raises only its own hand
        '{"type":"give_floor"}',
        '{"type":"remove","site_id":-1}',
        '{"type":"end_session","session_id":1}',
        '{"type":"unmute_all","site_id":1}',
    ],
)
def test_bad_session_control_messages_are_invalid(text):
    assert code_of(text) is ErrorCode.INVALID_MESSAGE


def test_removed_closes_with_its_own_code_and_site_offline_leaves_the_connection_open():
    assert SignalingError(ErrorCode.REMOVED).close_code == 4001
    assert SignalingError(ErrorCode.SITE_OFFLINE).close_code is None
