import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.conference import (
    Conference,
    DominantTalker,
    Join,
    Leave,
    MediaConnected,
    Mute,
    RosterSite,
    SetVoiceActivated,
    ShownChanged,
    ShownMode,
    ShownSite,
    ShowSite,
    SiteOffline,
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
    shown = ShownSite(HOST, hold_s=2.0)
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
    _connected(c, 2, 3)
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


def _dominant_seconds(history: list[tuple[float, int | None]], now: float, hold: float, site: int):
    """Seconds of [now - hold, now] in which ``site`` was the last observed dominant talker."""
    total = 0.0
    for (at, who), (until, _) in itertools.pairwise(history):
        lo, hi = max(at, now - hold), min(until, now)
        if who == site and hi > lo:
            total += hi - lo
    return total


@given(observations, st.floats(0.0, 3.0), st.floats(0.1, 1.0))
def test_voice_switches_only_to_the_site_dominant_now_and_for_its_share_of_the_hold(
    obs, hold, share
):
    shown = ShownSite(HOST, hold_s=hold, share=share)
    shown.set_voice_activated(True)
    now = 0.0
    history: list[tuple[float, int | None]] = []
    for step, talker in obs:
        now += step
        before = shown.site_id
        switched = shown.observe(now, talker)
        history.append((now, talker))
        if switched:
            assert shown.site_id == talker != before
            if hold > 0:
                watched = [at for at, _ in history if at <= now - hold]
                assert watched, "switched before a whole hold was watched"
                since = max(watched)
                kept = [(at, t) for at, t in history if at >= since]
                assert _dominant_seconds(kept, now, hold, talker) >= share * hold - 1e-9
            history = [(now, talker)]  # a switch starts the next hold afresh
        assert shown.source_for(shown.site_id) != shown.site_id


def _talk(shown: ShownSite, start: float, seconds: float, pattern: list[int | None]) -> bool:
    """Observe at 10 Hz for ``seconds`` cycling through ``pattern``; True if it switched."""
    switched = False
    for i in range(round(seconds * 10)):
        switched |= shown.observe(start + i * 0.1, pattern[i % len(pattern)])
    return switched


def test_among_several_talkers_the_one_that_holds_the_room_is_shown():
    # Four halls talk at once; the loudest is the dominant one most of the time, the others
    # take the place for a tick now and then. The old "dominant for the whole hold" rule
    # never switched here.
    shown = ShownSite(HOST, hold_s=2.0)
    shown.set_voice_activated(True)
    assert _talk(shown, 0.0, 4.0, [2, 2, 3, 2, 2, 2, 4, 2, 2, 2])
    assert shown.site_id == 2


def test_talkers_sharing_the_room_evenly_do_not_make_the_picture_flap():
    shown = ShownSite(HOST, hold_s=2.0)
    shown.set_voice_activated(True)
    assert not _talk(shown, 0.0, 6.0, [2, 3, 4])
    assert shown.site_id == HOST


def test_a_muted_shown_site_gives_way_in_voice_mode_only():
    shown = ShownSite(HOST, hold_s=1.0)
    shown.set_voice_activated(True)
    _talk(shown, 0.0, 2.0, [2])
    assert shown.site_id == 2
    assert shown.step_down(2)
    assert shown.site_id == HOST  # the chair, until the next talker holds the room
    assert not _talk(shown, 2.0, 1.0, [2, 3])  # the muted hall's old share is forgotten
    assert _talk(shown, 3.0, 2.0, [3])
    assert shown.site_id == 3
    shown.show(2)
    assert not shown.step_down(2)  # the operator's pick stands
    assert shown.site_id == 2


def test_the_host_is_offered_a_view_only_while_it_is_shown():
    shown = ShownSite(HOST)
    assert shown.offer_host_view(2)
    assert shown.source_for(HOST) == 2
    assert not shown.offer_host_view(2)
    shown.show(3)
    assert not shown.offer_host_view(4)
    assert shown.source_for(3) == HOST


def _connected(c: Conference, *sites: int) -> None:
    for s in sites:
        c.handle(Join(s))
        c.handle(MediaConnected(s))


def test_the_chairing_hall_sees_the_first_connected_hall_from_the_start():
    c = Conference(1, "x", HOST, ROSTER)
    c.handle(Join(HOST))
    assert c.handle(MediaConnected(HOST))  # the host itself: nothing to offer yet
    assert c.shown.source_for(HOST) is None
    c.handle(Join(3))
    events = c.handle(MediaConnected(3))
    [shown] = [e for e in events if isinstance(e, ShownChanged)]
    assert shown.shown.site_id == HOST and shown.shown.previous == 3
    _connected(c, 2)
    assert c.shown.source_for(HOST) == 3  # a hall it already sees is kept
    events = c.handle(Leave(3))
    assert c.shown.source_for(HOST) == 2  # the hall it saw left: the next connected one


def test_an_offline_hall_cannot_be_shown():
    c = Conference(1, "x", HOST, ROSTER)
    with pytest.raises(SiteOffline):
        c.handle(ShowSite(2, "op"))
    _connected(c, 2)
    [*_, event] = c.handle(ShowSite(2, "op"))
    assert isinstance(event, ShownChanged) and event.shown.site_id == 2


def test_voice_never_shows_a_muted_hall_and_muting_the_shown_one_gives_way():
    c = Conference(1, "x", HOST, ROSTER)
    _connected(c, HOST, 2, 3)
    c.handle(SetVoiceActivated(True, "op", hold_s=1.0))
    c.handle(Mute(2, "op"))
    for i in range(30):
        assert c.handle(DominantTalker(2, i * 0.1)) == []  # muted: never shown
    for i in range(15):
        c.handle(DominantTalker(3, 3.0 + i * 0.1))
    assert c.shown.site_id == 3
    [*_, event] = c.handle(Mute(3, "op"))
    assert isinstance(event, ShownChanged) and event.shown.site_id == HOST
