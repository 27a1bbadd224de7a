"""Hands, the floor, mute all / unmute all, removal and closing: the pure domain rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.conference import (
    CloseSession,
    Conference,
    ConnectionState,
    FloorChanged,
    GiveFloor,
    Join,
    Leave,
    LowerHand,
    MediaConnected,
    Mute,
    MuteAllExceptHost,
    RaiseHand,
    RemoveSite,
    RosterSite,
    SessionChanged,
    SetVoiceActivated,
    ShownChanged,
    ShownMode,
    ShowSite,
    SiteChanged,
    SiteOffline,
    SitesChanged,
    UnknownSite,
    Unmute,
    UnmuteAll,
)

HOST = 1
ROSTER = [
    RosterSite(1, "Trung ương", "central"),
    RosterSite(2, "Lào Cai", "province"),
    RosterSite(3, "Quảng Trị", "province"),
    RosterSite(4, "Cà Mau", "province"),
]


def joined(*site_ids: int) -> Conference:
    c = Conference(7, "Giao ban", HOST, ROSTER)
    for site_id in site_ids:
        c.handle(Join(site_id))
        c.handle(MediaConnected(site_id))
    return c


def test_hands_queue_in_the_order_they_were_raised_and_keep_their_place():
    c = joined(1, 2, 3, 4)
    [raised] = c.handle(RaiseHand(3))
    assert isinstance(raised, SiteChanged) and raised.site.hand_raised
    c.handle(RaiseHand(2))
    assert c.handle(RaiseHand(3)) == []  # pressing again keeps its place, no news
    assert [s.id for s in c.hands()] == [3, 2]
    [lowered] = c.handle(LowerHand(3, "site"))
    assert not lowered.site.hand_raised and lowered.site.hand_seq is None
    c.handle(RaiseHand(3))  # asking again goes to the back of the queue
    assert [s.id for s in c.hands()] == [2, 3]
    assert c.handle(LowerHand(4, "op")) == []


def test_an_offline_site_cannot_raise_its_hand_and_leaving_lowers_it():
    c = joined(2)
    assert c.handle(RaiseHand(3)) == []
    c.handle(RaiseHand(2))
    [left] = c.handle(Leave(2))
    assert left.site.state is ConnectionState.OFFLINE and not left.site.hand_raised
    assert c.hands() == []
    with pytest.raises(UnknownSite):
        c.handle(RaiseHand(99))


def test_giving_the_floor_unmutes_lowers_the_hand_and_shows_the_site_manually():
    c = joined(1, 2, 3)
    c.handle(SetVoiceActivated(True, "op"))
    c.handle(Mute(2, "op"))
    c.handle(RaiseHand(2))
    events = c.handle(GiveFloor(2, "op"))
    site, shown, floor = events
    assert isinstance(site, SiteChanged)
    assert not site.site.muted and not site.site.hand_raised
    assert isinstance(shown, ShownChanged)
    assert shown.shown.site_id == 2 and shown.shown.mode is ShownMode.MANUAL
    assert floor == FloorChanged(2)
    assert c.floor == 2
    assert c.handle(GiveFloor(2, "op")) == []  # nothing changes, nothing is said


def test_passing_the_floor_leaves_the_previous_holder_as_it_was():
    c = joined(1, 2, 3)
    c.handle(GiveFloor(2, "op"))
    events = c.handle(GiveFloor(3, "op"))
    assert FloorChanged(3) in events
    assert not c.is_muted(2), "the previous holder keeps its microphone"
    assert [e for e in events if isinstance(e, SiteChanged) and e.site.id == 2] == []
    assert c.shown.site_id == 3 and c.shown.previous == 2


def test_muting_the_floor_holder_ends_its_floor():
    c = joined(1, 2)
    c.handle(GiveFloor(2, "op"))
    events = c.handle(Mute(2, "op"))
    assert events[-1] == FloorChanged(None) and c.floor is None
    assert c.handle(Unmute(2, "op"))[-1] == SiteChanged(c.site(2))
    assert c.floor is None  # unmuting does not give the floor back


def test_the_floor_needs_a_joined_site_and_a_roster_site():
    c = joined(1)
    with pytest.raises(SiteOffline):
        c.handle(GiveFloor(3, "op"))
    with pytest.raises(UnknownSite):
        c.handle(GiveFloor(42, "op"))
    assert c.floor is None


def test_the_floor_outlives_a_dropped_connection():
    c = joined(1, 2)
    c.handle(GiveFloor(2, "op"))
    c.handle(Leave(2))
    assert c.floor == 2
    c.handle(Join(2))
    assert c.floor == 2 and not c.is_muted(2)


def test_mute_all_except_host_is_one_batch_of_real_changes_and_ends_a_provinces_floor():
    c = joined(1, 2, 3)
    c.handle(Mute(4, "op"))  # already muted: not in the batch
    c.handle(GiveFloor(3, "op"))
    events = c.handle(MuteAllExceptHost("op"))
    batch, floor = events
    assert isinstance(batch, SitesChanged)
    assert sorted(s.id for s in batch.sites) == [2, 3]
    assert all(s.muted for s in batch.sites)
    assert floor == FloorChanged(None)
    assert not c.is_muted(HOST)
    assert c.handle(MuteAllExceptHost("op")) == []


def test_mute_all_except_host_keeps_the_hosts_floor_and_the_raised_hands():
    c = joined(1, 2)
    c.handle(GiveFloor(HOST, "op"))
    c.handle(RaiseHand(2))
    c.handle(MuteAllExceptHost("op"))
    assert c.floor == HOST
    assert c.site(2).hand_raised


def test_unmute_all_unmutes_everyone_muted_in_one_batch():
    c = joined(1, 2)
    c.handle(Mute(HOST, "op"))
    c.handle(MuteAllExceptHost("op"))
    [batch] = c.handle(UnmuteAll("op"))
    assert isinstance(batch, SitesChanged)
    assert sorted(s.id for s in batch.sites) == [1, 2, 3, 4]
    assert not any(c.is_muted(s) for s in (1, 2, 3, 4))
    assert c.handle(UnmuteAll("op")) == []


def test_removing_a_site_takes_it_offline_marked_removed_lowers_its_hand_and_floor():
    c = joined(1, 2, 3)
    c.handle(Mute(3, "op"))
    c.handle(RaiseHand(3))
    c.handle(ShowSite(3, "op"))
    c.handle(Unmute(3, "op"))
    c.handle(GiveFloor(3, "op"))
    c.handle(RaiseHand(2))
    events = c.handle(RemoveSite(3, "op"))
    site = events[0]
    assert isinstance(site, SiteChanged)
    assert site.site.state is ConnectionState.OFFLINE and site.site.removed
    assert FloorChanged(None) in events
    shown = [e for e in events if isinstance(e, ShownChanged)]
    assert shown and shown[0].shown.site_id == HOST, "a removed site is not left on screen"
    assert [s.id for s in c.hands()] == [2]
    with pytest.raises(SiteOffline):
        c.handle(RemoveSite(3, "op"))  # already gone
    [back] = c.handle(Join(3))
    assert not back.site.removed and back.site.state is ConnectionState.CONNECTING


def test_closing_takes_every_site_offline_in_one_batch_after_the_session_event():
    c = joined(1, 2)
    c.handle(RaiseHand(2))
    events = c.handle(CloseSession("op"))
    assert events[0] == SessionChanged("closed")
    [batch] = events[1:]
    assert isinstance(batch, SitesChanged)
    assert sorted(s.id for s in batch.sites) == [1, 2]
    assert c.hands() == []
    assert c.handle(RaiseHand(2)) == [] and c.handle(GiveFloor(2, "op")) == []
    assert c.handle(MuteAllExceptHost("op")) == [] and c.handle(UnmuteAll("op")) == []


SITES = st.sampled_from([1, 2, 3, 4])
commands = st.one_of(
    st.builds(Join, SITES),
    st.builds(Leave, SITES),
    st.builds(MediaConnected, SITES),
    st.builds(Mute, SITES, st.just("op")),
    st.builds(Unmute, SITES, st.just("op")),
    st.builds(RaiseHand, SITES),
    st.builds(LowerHand, SITES, st.just("op")),
    st.builds(GiveFloor, SITES, st.just("op")),
    st.builds(RemoveSite, SITES, st.just("op")),
    st.builds(MuteAllExceptHost, st.just("op")),
    st.builds(UnmuteAll, st.just("op")),
)


@given(st.lists(commands, max_size=50))
def test_invariants_hold_for_any_sequence_of_commands(sequence):
    c = joined()
    for command in sequence:
        try:
            events = c.handle(command)
        except SiteOffline:
            continue
        for event in events:
            if isinstance(event, SiteChanged):
                assert c.site(event.site.id) == event.site
            elif isinstance(event, SitesChanged):
                assert event.sites and all(c.site(s.id) == s for s in event.sites)
            elif isinstance(event, FloorChanged):
                assert event.site_id == c.floor
        # the floor holder is never muted; an offline site never has its hand up
        assert c.floor is None or not c.is_muted(c.floor)
        for site in c.roster():
            assert not (site.hand_raised and site.state is ConnectionState.OFFLINE)
            assert not (site.removed and site.state is not ConnectionState.OFFLINE)
        seqs = [s.hand_seq for s in c.hands()]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
