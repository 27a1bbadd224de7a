import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.conference import (
    CloseSession,
    Conference,
    ConnectionState,
    Join,
    Leave,
    MediaConnected,
    MediaLost,
    Mute,
    RosterSite,
    SessionChanged,
    ShownChanged,
    SiteChanged,
    UnknownSite,
    Unmute,
)

ROSTER = [
    RosterSite(1, "Trung ương", "central"),
    RosterSite(2, "Lào Cai", "province"),
    RosterSite(3, "Cà Mau", "province"),
]


def conference() -> Conference:
    return Conference(7, "Giao ban", 1, ROSTER)


def test_roster_keeps_order_and_marks_the_host():
    roster = conference().roster()
    assert [s.id for s in roster] == [1, 2, 3]
    assert [s.host for s in roster] == [True, False, False]
    assert all(s.state is ConnectionState.OFFLINE and not s.muted for s in roster)


def test_join_then_media_connects_the_site():
    c = conference()
    [e1] = c.handle(Join(2))
    [e2, *offered] = c.handle(MediaConnected(2))
    assert isinstance(e1, SiteChanged) and e1.site.state is ConnectionState.CONNECTING
    assert isinstance(e2, SiteChanged) and e2.site.state is ConnectionState.CONNECTED
    # the host, shown at the start, is offered the first connected hall to look at
    [shown] = offered
    assert isinstance(shown, ShownChanged) and shown.shown.previous == 2


def test_mute_is_announced_once_and_survives_rejoin():
    c = conference()
    c.handle(Join(2))
    assert len(c.handle(Mute(2, "op"))) == 1
    assert c.handle(Mute(2, "op")) == []  # no change, no news
    c.handle(Leave(2))
    c.handle(Join(2))
    assert c.is_muted(2)
    [event] = c.handle(Unmute(2, "op"))
    assert isinstance(event, SiteChanged) and not event.site.muted


def test_media_lost_returns_a_joined_site_to_connecting_but_not_an_offline_one():
    c = conference()
    assert c.handle(MediaLost(3)) == []
    c.handle(Join(3))
    c.handle(MediaConnected(3))
    [event] = c.handle(MediaLost(3))
    assert isinstance(event, SiteChanged) and event.site.state is ConnectionState.CONNECTING


def test_a_site_off_the_roster_is_refused():
    with pytest.raises(UnknownSite):
        conference().handle(Mute(99, "op"))


def test_closing_ends_everything_and_later_commands_do_nothing():
    c = conference()
    c.handle(Join(1))
    events = c.handle(CloseSession("op"))
    assert events[0] == SessionChanged("closed")
    assert c.site(1).state is ConnectionState.OFFLINE
    assert c.handle(Join(2)) == [] and c.handle(Mute(2, "op")) == []


commands = st.one_of(
    *(
        st.builds(kind, st.sampled_from([1, 2, 3]))
        for kind in (Join, Leave, MediaConnected, MediaLost)
    ),
    st.builds(Mute, st.sampled_from([1, 2, 3]), st.just("op")),
    st.builds(Unmute, st.sampled_from([1, 2, 3]), st.just("op")),
)


@given(st.lists(commands, max_size=40))
def test_events_always_describe_the_state_that_results(sequence):
    c = conference()
    for command in sequence:
        for event in c.handle(command):
            if isinstance(event, ShownChanged):
                assert event.shown == c.shown.state
                continue
            assert isinstance(event, SiteChanged)
            assert c.site(event.site.id) == event.site
    # the last mute command for a site decides its mute state, whatever came between
    for site in (1, 2, 3):
        last = [x for x in sequence if isinstance(x, Mute | Unmute) and x.site_id == site]
        assert c.is_muted(site) == (bool(last) and isinstance(last[-1], Mute))


def test_events_carry_who_caused_them_when_and_by_which_command():
    from datetime import UTC, datetime

    from bridge.conference import Join, Mute, MuteAllExceptHost

    c = Conference(
        7,
        "Giao ban",
        1,
        [RosterSite(1, "Trung ương", "central"), RosterSite(2, "Tỉnh A", "province")],
    )
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    [joined] = c.handle(Join(2), at)
    assert (joined.by, joined.at, joined.cause) == ("site:2", at, "join")
    [muted] = c.handle(Mute(2, "account:thu.ky"), at)
    assert (muted.by, muted.cause) == ("account:thu.ky", "mute")
    assert c.handle(MuteAllExceptHost("account:thu.ky"), at) == []  # nothing changed
