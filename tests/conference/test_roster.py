"""Adding a site to a live session's roster and taking one off it: the pure domain rules."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.conference import (
    AddToRoster,
    CloseSession,
    Conference,
    ConnectionState,
    FloorChanged,
    GiveFloor,
    HostSite,
    Join,
    Leave,
    MediaConnected,
    Mute,
    RaiseHand,
    RemoveFromRoster,
    RemoveSite,
    RosterChanged,
    RosterSite,
    ShownChanged,
    ShowSite,
    SiteChanged,
    SiteOffline,
    SitesChanged,
    UnknownSite,
)
from bridge.conference.snapshot import ConferenceSnapshot, SiteSnapshot

HOST = 1
ROSTER = [
    RosterSite(1, "Trung ương", "central"),
    RosterSite(2, "Lào Cai", "province"),
    RosterSite(3, "Quảng Trị", "province"),
]
NEW = {i: RosterSite(i, f"Huyện {i}", "district") for i in range(2, 7)}


def joined(*site_ids: int) -> Conference:
    c = Conference(7, "Giao ban", HOST, ROSTER)
    for site_id in site_ids:
        c.handle(Join(site_id))
        c.handle(MediaConnected(site_id))
    return c


def test_an_added_site_comes_last_offline_and_everyone_is_told_the_whole_roster():
    c = joined(1, 2)
    [event] = c.handle(AddToRoster(NEW[4], "account:vp"))
    assert isinstance(event, RosterChanged) and event.added and event.site_id == 4
    assert [s.id for s in event.sites] == [1, 2, 3, 4] == [s.id for s in c.roster()]
    assert (event.by, event.cause) == ("account:vp", "add_to_roster")
    new = c.site(4)
    assert new.state is ConnectionState.OFFLINE and not new.host and new.name == "Huyện 4"
    assert c.handle(AddToRoster(NEW[4], "account:vp")) == []  # on it already: no news


def test_an_added_site_can_join_at_once_and_be_run_like_any_other():
    c = joined(1)
    c.handle(AddToRoster(NEW[4], "account:vp"))
    c.handle(Join(4))
    c.handle(MediaConnected(4))
    assert c.site(4).state is ConnectionState.CONNECTED
    c.handle(GiveFloor(4, "account:op"))
    assert c.floor == 4 and c.shown.site_id == 4


def test_an_offline_site_taken_off_leaves_nothing_behind():
    c = joined(1, 2)
    c.handle(Mute(3, "account:op"))
    [event] = c.handle(RemoveFromRoster(3, "account:vp"))
    assert isinstance(event, RosterChanged) and not event.added and event.site_id == 3
    assert [s.id for s in c.roster()] == [1, 2]
    with pytest.raises(UnknownSite):
        c.site(3)
    with pytest.raises(UnknownSite):
        c.handle(Join(3))  # its link is no longer for this session
    assert [s.id for s in c.snapshot().sites] == [1, 2]


def test_a_joined_site_is_removed_first_and_its_floor_and_picture_go_with_it():
    c = joined(1, 2, 3)
    c.handle(GiveFloor(2, "account:op"))
    c.handle(RaiseHand(3))
    events = c.handle(RemoveFromRoster(2, "account:vp"))
    kinds = [type(e) for e in events]
    assert kinds[0] is SiteChanged and events[0].site.removed  # the removal, as RemoveSite
    assert FloorChanged in kinds and ShownChanged in kinds
    assert RosterChanged in kinds
    assert c.floor is None
    assert c.shown.site_id == HOST and c.shown.previous != 2
    assert [s.id for s in c.hands()] == [3]  # the others' hands stay where they were


def test_the_host_cannot_be_taken_off_and_nothing_changes():
    c = joined(1, 2)
    before = c.roster()
    with pytest.raises(HostSite):
        c.handle(RemoveFromRoster(HOST, "account:vp"))
    assert c.roster() == before


def test_a_site_not_on_the_roster_cannot_be_taken_off():
    with pytest.raises(UnknownSite):
        joined().handle(RemoveFromRoster(9, "account:vp"))


def test_a_closed_session_keeps_its_roster():
    c = joined(1, 2)
    c.handle(CloseSession("account:op"))
    assert c.handle(AddToRoster(NEW[5], "account:vp")) == []
    assert c.handle(RemoveFromRoster(2, "account:vp")) == []
    assert [s.id for s in c.roster()] == [1, 2, 3]


def test_a_hand_held_back_since_a_restart_goes_with_its_site():
    c = Conference(7, "Giao ban", HOST, ROSTER)
    snapshot = c.snapshot()
    c.restore(
        ConferenceSnapshot(
            sites=(SiteSnapshot(2, False, 4, False),),
            hands=4,
            floor=None,
            shown=snapshot.shown,
        )
    )
    c.handle(RemoveFromRoster(2, "account:vp"))
    c.handle(AddToRoster(NEW[2], "account:vp"))
    c.handle(Join(2))
    assert c.site(2).hand_seq is None  # back on the roster afresh: no old hand


def test_the_host_looks_at_another_hall_when_the_one_it_saw_is_taken_off():
    c = joined(1, 2, 3)
    assert c.shown.site_id == HOST and c.shown.previous == 2
    events = c.handle(RemoveFromRoster(2, "account:vp"))
    assert c.shown.previous == 3
    assert any(isinstance(e, ShownChanged) for e in events)


# ---- properties ----------------------------------------------------------------------

SITES = [1, 2, 3, 4, 5, 6]
staff = st.just("account:op")
commands = st.one_of(
    st.builds(Join, st.sampled_from(SITES)),
    st.builds(MediaConnected, st.sampled_from(SITES)),
    st.builds(Leave, st.sampled_from(SITES)),
    st.builds(Mute, st.sampled_from(SITES), staff),
    st.builds(RaiseHand, st.sampled_from(SITES)),
    st.builds(GiveFloor, st.sampled_from(SITES), staff),
    st.builds(ShowSite, st.sampled_from(SITES), staff),
    st.builds(RemoveSite, st.sampled_from(SITES), staff),
    st.builds(AddToRoster, st.sampled_from(list(NEW.values())), staff),
    st.builds(RemoveFromRoster, st.sampled_from(SITES), staff),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(commands, max_size=50))
def test_the_roster_keeps_its_order_the_host_and_no_trace_of_a_removed_site(sequence):
    c = Conference(7, "Giao ban", HOST, ROSTER)
    order = [s.id for s in ROSTER]  # the model: the order the store would keep
    for command in sequence:
        try:
            events = c.handle(command)
        except (UnknownSite, SiteOffline, HostSite):
            events = []
            if isinstance(command, RemoveFromRoster):
                # refused: the host, or a site not on the roster; nothing changed
                assert command.site_id == HOST or command.site_id not in order
        else:
            if isinstance(command, AddToRoster) and command.site.id not in order:
                order.append(command.site.id)
            if isinstance(command, RemoveFromRoster):
                order.remove(command.site_id)
        on_roster = {s.id for s in c.roster()}
        for event in events:
            if isinstance(event, SiteChanged) and event.site.id in on_roster:
                assert c.site(event.site.id) == event.site
            if isinstance(event, SitesChanged):
                assert all(c.site(s.id) == s for s in event.sites if s.id in on_roster)
        rosters = [e for e in events if isinstance(e, RosterChanged)]
        if rosters:
            assert list(rosters[-1].sites) == c.roster()
        assert [s.id for s in c.roster()] == order
        assert c.site(HOST).host and sum(s.host for s in c.roster()) == 1
        # nothing of a site off the roster is left anywhere
        assert c.floor is None or c.floor in on_roster
        assert c.shown.site_id in on_roster
        assert c.shown.previous is None or c.shown.previous in on_roster
        assert {s.id for s in c.hands()} <= on_roster
        assert {s.id for s in c.snapshot().sites} == on_roster
