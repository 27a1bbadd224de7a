"""A live session's snapshot: what a restarted bridge takes up again, and how it behaves."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.conference import (
    Conference,
    ConferenceError,
    ConnectionState,
    DominantTalker,
    GiveFloor,
    Join,
    Leave,
    LowerHand,
    MediaConnected,
    MediaLost,
    Mute,
    MuteAllExceptHost,
    RaiseHand,
    RemoveSite,
    RosterSite,
    SetVoiceActivated,
    ShownMode,
    ShowSite,
    SiteChanged,
    Unmute,
    UnmuteAll,
)
from bridge.conference.snapshot import (
    ConferenceSnapshot,
    SnapshotError,
    from_json,
    to_json,
)

ROSTER = [
    RosterSite(1, "Trung ương", "central"),
    RosterSite(2, "Lào Cai", "province"),
    RosterSite(3, "Cà Mau", "province"),
    RosterSite(4, "Xã Tả Van", "commune"),
]


def fresh() -> Conference:
    return Conference(7, "Giao ban", 1, ROSTER)


def restored(snapshot: ConferenceSnapshot, roster: list[RosterSite] = ROSTER) -> Conference:
    """A restarted bridge: a new conference from the roster, then the stored snapshot,
    through its JSON form as the store keeps it."""
    conference = Conference(7, "Giao ban", 1, roster)
    conference.restore(from_json(json.loads(json.dumps(to_json(snapshot)))))
    return conference


def joined(*sites: int) -> Conference:
    c = fresh()
    for site in sites:
        c.handle(Join(site))
        c.handle(MediaConnected(site))
    return c


def test_mutes_floor_shown_site_and_mode_come_back_and_sites_are_offline():
    c = joined(1, 2, 3, 4)
    c.handle(Mute(3, "op"))
    c.handle(GiveFloor(2, "op"))
    c.handle(ShowSite(4, "op"))
    c.handle(SetVoiceActivated(True, "op", hold_s=3.5))
    back = restored(c.snapshot())
    assert [s.state for s in back.roster()] == [ConnectionState.OFFLINE] * 4
    assert [s.muted for s in back.roster()] == [False, False, True, False]
    assert back.floor == 2
    assert back.shown.state == c.shown.state
    assert back.shown.mode is ShownMode.VOICE and back.shown.hold_s == 3.5
    # A muted hall that rejoins is still muted: nobody has to mute it again.
    back.handle(Join(3))
    assert back.site(3).muted and back.site(3).state is ConnectionState.CONNECTING


def test_hands_are_held_back_while_offline_and_return_in_their_places():
    c = joined(1, 2, 3, 4)
    c.handle(RaiseHand(4))
    c.handle(RaiseHand(2))
    back = restored(c.snapshot())
    assert back.hands() == []  # an offline site never has its hand up
    assert back.handle(Join(2)) == [SiteChanged(back.site(2))]
    assert back.site(2).hand_raised
    back.handle(Join(4))
    back.handle(Join(3))
    back.handle(RaiseHand(3))  # asked after the restart: queues behind the restored hands
    assert [s.id for s in back.hands()] == [4, 2, 3]


def test_a_held_hand_lowered_by_an_operator_stays_down():
    c = joined(1, 2)
    c.handle(RaiseHand(2))
    back = restored(c.snapshot())
    assert back.handle(LowerHand(2, "op")) == []  # nothing to tell: it was not up
    assert back.snapshot().sites[1].hand_seq is None
    back.handle(Join(2))
    assert not back.site(2).hand_raised


def test_a_removed_site_is_still_marked_removed_until_it_joins():
    c = joined(1, 2)
    c.handle(RemoveSite(2, "op"))
    back = restored(c.snapshot())
    assert back.site(2).removed
    back.handle(Join(2))
    assert not back.site(2).removed


def test_a_voice_hold_in_progress_starts_over_after_a_restart():
    c = joined(1, 2, 3)
    c.handle(SetVoiceActivated(True, "op", hold_s=2.0))
    c.handle(DominantTalker(3, 10.0))
    back = restored(c.snapshot())
    # Site 3 had been dominant for 1.9 s; after the restart it needs a whole hold again.
    assert back.handle(DominantTalker(3, 11.9)) == []
    assert back.handle(DominantTalker(3, 13.0)) == []
    assert back.handle(DominantTalker(3, 13.9)) != []
    assert back.shown.site_id == 3


def test_what_no_longer_fits_the_roster_is_left_out():
    c = joined(1, 2, 3, 4)
    c.handle(Mute(2, "op"))
    c.handle(GiveFloor(4, "op"))  # shows 4 too
    smaller = [r for r in ROSTER if r.id != 4]
    back = restored(c.snapshot(), smaller)
    assert back.floor is None
    assert back.shown.site_id == 1  # the host
    assert [s.muted for s in back.roster()] == [False, True, False]


def test_a_snapshot_survives_its_json_form_exactly():
    c = joined(1, 2, 3)
    c.handle(RaiseHand(3))
    c.handle(ShowSite(2, "op"))
    snapshot = c.snapshot()
    assert from_json(json.loads(json.dumps(to_json(snapshot)))) == snapshot


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(version=99),
        lambda d: d.update(sites="all"),
        lambda d: d["sites"][0].update(muted="yes"),
        lambda d: d["sites"][0].update(id=True),
        lambda d: d.update(floor=1.5),
        lambda d: d["shown"].update(mode="random"),
        lambda d: d["shown"].update(hold_s=-1),
        lambda d: d["shown"].update(hold_s=float("nan")),
        lambda d: d.pop("shown"),
    ],
)
def test_a_damaged_snapshot_is_refused_with_a_reason(damage):
    data = to_json(joined(1, 2).snapshot())
    damage(data)
    with pytest.raises(SnapshotError):
        from_json(data)
    assert not isinstance(SnapshotError("x"), ConferenceError)  # the store's problem
    with pytest.raises(SnapshotError):
        from_json([1, 2])


# ---- properties ----------------------------------------------------------------------

SITES = st.sampled_from([1, 2, 3, 4])
MOMENTS = st.floats(min_value=0, max_value=30, allow_nan=False)
before_restart = st.one_of(
    st.builds(Join, SITES),
    st.builds(Leave, SITES),
    st.builds(MediaConnected, SITES),
    st.builds(MediaLost, SITES),
    st.builds(Mute, SITES, st.just("op")),
    st.builds(Unmute, SITES, st.just("op")),
    st.builds(RaiseHand, SITES),
    st.builds(LowerHand, SITES, st.just("op")),
    st.builds(GiveFloor, SITES, st.just("op")),
    st.builds(RemoveSite, SITES, st.just("op")),
    st.builds(ShowSite, SITES, st.just("op")),
    st.builds(
        SetVoiceActivated,
        st.booleans(),
        st.just("op"),
        st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.5])),
    ),
    st.builds(DominantTalker, st.one_of(st.none(), SITES), MOMENTS),
    st.builds(MuteAllExceptHost, st.just("op")),
    st.builds(UnmuteAll, st.just("op")),
)
# After the restart, everything but voice observations, whose hold starts over on purpose.
after_restart = before_restart.filter(lambda c: not isinstance(c, DominantTalker))


def run(conference: Conference, commands: list) -> list:
    outcomes = []
    for command in commands:
        try:
            outcomes.append(conference.handle(command))
        except ConferenceError as exc:
            outcomes.append(type(exc))
    return outcomes


def rejoin_as_before(back: Conference, before: Conference) -> None:
    """Every site that was in the session before the restart comes back to the same
    connection state (what the halls' reconnecting does)."""
    for site in before.roster():
        if site.state is not ConnectionState.OFFLINE:
            back.handle(Join(site.id))
        if site.state is ConnectionState.CONNECTED:
            back.handle(MediaConnected(site.id))


@settings(max_examples=300)
@given(st.lists(before_restart, max_size=40))
def test_snapshot_restore_snapshot_is_the_identity(sequence):
    c = fresh()
    run(c, sequence)
    snapshot = c.snapshot()
    again = restored(snapshot)
    assert again.snapshot() == snapshot
    assert restored(again.snapshot()).snapshot() == snapshot


@settings(max_examples=300)
@given(st.lists(before_restart, max_size=40), st.lists(after_restart, max_size=25))
def test_once_its_sites_rejoin_a_restored_conference_is_the_lost_one(sequence, following):
    lost = fresh()
    run(lost, sequence)
    back = restored(lost.snapshot())
    rejoin_as_before(back, lost)
    assert back.roster() == lost.roster()
    assert back.hands() == lost.hands()
    assert back.floor == lost.floor
    assert back.shown.state == lost.shown.state
    # ... and it answers every later command as the lost one would have.
    assert run(back, following) == run(lost, following)
    assert back.snapshot() == lost.snapshot()
