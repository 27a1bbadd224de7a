import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.conference import (
    Conference,
    DominantTalker,
    RosterSite,
    SetVoiceActivated,
    ShownChanged,
    ShownMode,
    ShownSite,
    ShowSite,
    UnknownSite,
)

HOST = 1


def test_the_host_is_shown_at_first_and_sees_nothing_until_another_site_was_shown():
    shown = ShownSite(HOST)
    assert shown.site_id == HOST and shown.mode is ShownMode.MANUAL
    assert shown.source_for(2) == HOST
    assert shown.source_for(HOST) is None


def test_the_shown_site_sees_the_host_and_everyone_else_sees_the_shown_site():
    shown = ShownSite(HOST)
    assert shown.show(3)
    assert shown.source_for(2) == 3 and shown.source_for(HOST) == 3
    assert shown.source_for(3) == HOST


def test_when_the_host_is_shown_it_sees_the_site_shown_before_it():
    shown = ShownSite(HOST)
    shown.show(3)
    shown.show(HOST)
    assert shown.source_for(HOST) == 3
    assert shown.previous == 3


def test_showing_the_shown_site_again_changes_nothing():
    shown = ShownSite(HOST)
    shown.show(2)
    assert not shown.show(2)


def test_voice_activation_switches_after_the_hold_time_not_before():
    shown = ShownSite(HOST, hold_s=2.0)
    shown.set_voice_activated(True)
    assert not shown.observe(10.0, 2)
    assert not shown.observe(11.9, 2)
    assert shown.observe(12.0, 2)
    assert shown.site_id == 2 and shown.previous == HOST


def test_a_cough_shorter_than_the_hold_does_not_switch():
    shown = ShownSite(HOST, hold_s=2.0)
    shown.set_voice_activated(True)
    for t in range(10):  # 1 s of talk, then silence, then 1 s again much later
        assert not shown.observe(t * 0.1, 2)
    for t in range(30):
        assert not shown.observe(1.0 + t * 0.1, None)
    for t in range(10):
        assert not shown.observe(5.0 + t * 0.1, 2)
    assert shown.site_id == HOST


def test_short_pauses_between_words_keep_the_hold_running():
    shown = ShownSite(HOST, hold_s=2.0, gap_s=0.5)
    shown.set_voice_activated(True)
    shown.observe(0.0, 2)
    shown.observe(0.8, 2)
    shown.observe(1.0, None)
    shown.observe(1.2, 2)
    assert shown.observe(2.0, 2)


def test_another_talker_restarts_the_hold():
    shown = ShownSite(HOST, hold_s=2.0)
    shown.set_voice_activated(True)
    shown.observe(0.0, 2)
    shown.observe(1.5, 3)
    assert not shown.observe(2.5, 3)
    assert shown.observe(3.5, 3)
    assert shown.site_id == 3


def test_manual_mode_ignores_talkers_and_an_operator_pick_ends_voice_mode():
    shown = ShownSite(HOST, hold_s=0.0)
    assert not shown.observe(0.0, 2)
    shown.set_voice_activated(True)
    assert shown.observe(1.0, 2)
    shown.show(3)
    assert shown.mode is ShownMode.MANUAL
    assert not shown.observe(5.0, 2)


def test_a_negative_hold_is_refused():
    with pytest.raises(ValueError):
        ShownSite(HOST, hold_s=-1)
    with pytest.raises(ValueError):
        ShownSite(HOST).set_voice_activated(True, hold_s=-0.5)


ROSTER = [RosterSite(1, "Trung ương", "central"), RosterSite(2, "A", "p"), RosterSite(3, "B", "p")]


def test_the_conference_announces_shown_changes_and_refuses_unknown_sites():
    c = Conference(1, "x", HOST, ROSTER)
    [event] = c.handle(ShowSite(2, "op"))
    assert isinstance(event, ShownChanged) and event.shown.site_id == 2
    assert c.handle(ShowSite(2, "op")) == []
    with pytest.raises(UnknownSite):
        c.handle(ShowSite(99, "op"))
    [event] = c.handle(SetVoiceActivated(True, "op", hold_s=1.0))
    assert event.shown.mode is ShownMode.VOICE and event.shown.hold_s == 1.0
    assert c.handle(DominantTalker(3, 0.0)) == []
    assert c.handle(DominantTalker(99, 0.5)) == []  # not a roster site: ignored
    [event] = c.handle(DominantTalker(3, 1.0))
    assert event.shown.site_id == 3 and event.shown.previous == 2


observations = st.lists(st.tuples(st.floats(0, 0.5), st.sampled_from([None, 1, 2, 3])), max_size=80)


@given(observations, st.floats(0.0, 3.0))
def test_voice_switches_only_to_a_site_that_was_dominant_for_the_whole_hold(obs, hold):
    shown = ShownSite(HOST, hold_s=hold, gap_s=0.0)
    shown.set_voice_activated(True)
    now = 0.0
    history: list[tuple[float, int | None]] = []
    for step, talker in obs:
        now += step
        history.append((now, talker))
        if shown.observe(now, talker):
            assert shown.site_id == talker
            # every observation within the hold before this one named the same site
            window = [t for at, t in history[:-1] if at > now - hold] + [talker]
            assert all(t == talker for t in window)
        assert shown.source_for(shown.site_id) != shown.site_id
