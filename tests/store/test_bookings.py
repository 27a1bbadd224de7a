"""``store.bookings``, ``store.office_days``, ``store.notifications`` and ``store.emails`` on
real SQLite files, and the booking use cases over them (bridge/bookings_use.py): requests
and series, the approval state machine's writes, conflicts, notifications and e-mails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bridge import bookings_use as use
from bridge.bookings import BookingRefused, Weekly
from bridge.permissions import Role
from bridge.store import (
    AccountRole,
    Conflict,
    InvalidInput,
    NotFound,
    SessionState,
    SiteLevel,
    Store,
)
from bridge.store.bookings import NewBooking, Times, due_sessions, sessions_between
from bridge.store.office import NewNotification, OfficeDay
from tests.store.conftest import Clock

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
# The clock of tests/store/conftest.py reads Saturday 2025-03-01; the request day is
# Monday 2025-03-03, 09:00 office time.
MONDAY = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
RULES = use.Rules()


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ICT)


@pytest.fixture
def world(store: Store, clock: Clock) -> dict[str, int]:
    clock.now = MONDAY
    central = store.sites.create("Trung ương", SiteLevel.CENTRAL)
    a = store.sites.create("Lào Cai", SiteLevel.PROVINCE, central.id)
    b = store.sites.create("Cà Mau", SiteLevel.PROVINCE, central.id)
    organiser = store.accounts.create("to.chuc", "password1", AccountRole.ORGANISER)
    office = store.accounts.create("van.phong", "password2", AccountRole.OFFICE)
    store.emails.set_account(organiser.id, "tochuc@so.example")
    store.emails.set_site(a.id, "laocai@tinh.example")
    return {"central": central.id, "a": a.id, "b": b.id, "organiser": organiser.id,
            "office": office.id}  # fmt: skip


def organiser(world: dict[str, int]) -> use.Who:
    return use.Who("account:to.chuc", Role.ORGANISER, world["organiser"])


def office(world: dict[str, int]) -> use.Who:
    return use.Who("account:van.phong", Role.OFFICE, world["office"])


def draft(world: dict[str, int], day: date, title: str = "Giao ban", *sites: str) -> use.Draft:
    roster = tuple(world[s] for s in sites or ("a",))
    return use.Draft(title, world["central"], roster, Times(at(day, 9), at(day, 11)))


def test_bookings_are_stored_with_roster_history_and_series(store: Store, world: dict) -> None:
    new = NewBooking("Giao ban", world["central"], (world["a"],),
                     Times(at(date(2025, 3, 6), 9), at(date(2025, 3, 6), 11)), world["organiser"],
                     "Chương trình", "Ghi chú")  # fmt: skip
    made = store.bookings.create(new, "account:to.chuc")
    assert made.roster == (world["central"], world["a"]) and made.state == "requested"
    assert made.times.starts_at == datetime(2025, 3, 6, 2, tzinfo=UTC)
    assert [(h.action, h.from_state, h.to_state) for h in made.history] == [
        ("request", None, "requested")
    ]
    assert store.bookings.get(made.id) == made
    changed = store.bookings.change(
        made.id,
        expected="requested",
        to_state="rejected",
        by="account:van.phong",
        action="reject",
        reason=" Trùng ",
    )
    assert changed.reason == "Trùng" and len(changed.history) == 2
    with pytest.raises(Conflict):  # decided on a state that is not the booking's any more
        store.bookings.change(made.id, expected="requested", to_state="approved", by="x",
                              action="approve")  # fmt: skip
    with pytest.raises(NotFound):
        store.bookings.get(999)
    with pytest.raises(InvalidInput) as bad:
        store.bookings.create(NewBooking("x", world["central"], (world["a"], world["a"]),
                                         new.times, None), "x")  # fmt: skip
    assert bad.value.field == "roster"
    many = store.bookings.create_many([new, new], "x", series=({"rule": {"kind": "weekly",
                                      "weekday": 3}}, [date(2025, 3, 13)], {}))  # fmt: skip
    assert many[0].series_id == many[1].series_id is not None
    assert store.bookings.series(many[0].series_id).skip == (date(2025, 3, 13),)
    assert [b.id for b in store.bookings.list(state="requested")] == [b.id for b in many]
    assert store.bookings.list(organiser_id=world["office"]) == []


def test_office_days_notifications_and_emails(store: Store, world: dict, clock: Clock) -> None:
    store.office_days.declare([OfficeDay(date(2025, 3, 5), "off", "Nghỉ bù"),
                               OfficeDay(date(2025, 3, 8), "working", "")])  # fmt: skip
    assert [d.kind for d in store.office_days.list(2025)] == ["off", "working"]
    store.office_days.declare([OfficeDay(date(2025, 3, 5), "working", "Làm bù")])
    assert [(d.day.day, d.kind) for d in store.office_days.list()] == [
        (5, "working"),
        (8, "working"),
    ]
    store.office_days.declare([], replace_year=2025)
    assert store.office_days.list() == []
    with pytest.raises(InvalidInput):
        store.office_days.declare([OfficeDay(date(2025, 3, 5), "holiday", "")])
    with pytest.raises(InvalidInput):
        store.office_days.declare([OfficeDay(date(2026, 1, 1), "off", "")], replace_year=2025)

    ids = store.notifications.add(
        [
            NewNotification("k", "vi 1", "en 1", account_id=world["office"]),
            NewNotification("k", "vi 2", "en 2", site_id=world["a"]),
        ]
    )
    assert len(ids) == 2
    clock.advance(timedelta(minutes=1))
    read = store.notifications.mark_read(ids[0], account_id=world["office"])
    assert read.read_at == clock.now
    with pytest.raises(NotFound):
        store.notifications.mark_read(ids[0], account_id=world["organiser"])
    assert [n.vi for n in store.notifications.for_site(world["a"])] == ["vi 2"]

    assert store.emails.accounts([world["organiser"], world["office"]]) == {
        world["organiser"]: "tochuc@so.example"
    }
    with pytest.raises(InvalidInput):
        store.emails.set_site(world["b"], "not an address")
    store.emails.set_site(world["a"], None)
    assert store.emails.sites([world["a"]]) == {}


def test_request_lead_time_and_series(store: Store, world: dict) -> None:
    # Requested Monday 2025-03-03: the earliest start is Thursday 03-06.
    with pytest.raises(BookingRefused) as short:
        use.request(store, organiser(world), draft(world, date(2025, 3, 5)), RULES)
    assert short.value.code == "lead_time" and short.value.lead.earliest_day == date(2025, 3, 6)
    with pytest.raises(BookingRefused) as forbidden:
        use.request(store, organiser(world), draft(world, date(2025, 3, 5)), RULES,
                    lead_override_reason="Khẩn")  # fmt: skip
    assert forbidden.value.code == "forbidden"
    urgent = use.request(store, office(world), draft(world, date(2025, 3, 5)), RULES,
                         lead_override_reason="Khẩn")  # fmt: skip
    assert urgent.booking.lead_override_reason == "Khẩn"
    # A declared day off moves the earliest day on.
    store.office_days.declare([OfficeDay(date(2025, 3, 4), "off", "Nghỉ bù")])
    with pytest.raises(BookingRefused) as later:
        use.request(store, organiser(world), draft(world, date(2025, 3, 6)), RULES)
    assert later.value.lead.earliest_day == date(2025, 3, 7)

    repeat = use.Repeat(Weekly(0), count=4, skip=frozenset({date(2025, 3, 17)}))
    series = use.request(store, organiser(world), draft(world, date(2025, 3, 10)), RULES,
                         repeat=repeat)  # fmt: skip
    days = [b.times.starts_at.astimezone(ICT).date() for b in series.bookings]
    assert days == [date(2025, 3, 10), date(2025, 3, 24), date(2025, 3, 31)]
    assert len({b.series_id for b in series.bookings}) == 1
    # One notification per account for the whole series, not one per meeting.
    assert {n.account_id for n in series.notifications} == {world["organiser"], world["office"]}
    assert "3" in series.notifications[0].vi and [m.to for m in series.mails] == [
        "tochuc@so.example"
    ]


def test_approve_conflicts_and_cancel(store: Store, world: dict) -> None:
    day = date(2025, 3, 10)
    first = use.request(store, organiser(world), draft(world, day, "Họp A"), RULES).booking
    approved = use.approve(store, office(world), first.id, RULES)
    session = approved.session
    assert session is not None and session.state is SessionState.SCHEDULED
    assert (
        session.roster == (world["central"], world["a"])
        and session.organiser_id == world["organiser"]
    )
    assert store.sessions.schedule(session.id).starts_at == at(day, 9).astimezone(UTC)
    assert approved.booking.session_id == session.id
    assert {n.site_id for n in approved.notifications if n.site_id} == {
        world["central"],
        world["a"],
    }
    assert sorted(m.to for m in approved.mails) == ["laocai@tinh.example", "tochuc@so.example"]

    clash = use.request(store, organiser(world), draft(world, day, "Họp B", "b"), RULES)
    assert [(c.kind, c.id) for c in clash.check.conflicts] == [("session", session.id)]
    with pytest.raises(BookingRefused) as refused:
        use.approve(store, office(world), clash.booking.id, RULES)
    assert refused.value.code == "conflict" and refused.value.conflicts[0].title == "Họp A"
    with pytest.raises(BookingRefused) as not_organisers:
        use.approve(store, organiser(world), clash.booking.id, RULES)
    assert not_organisers.value.code == "forbidden"
    done = use.approve(store, office(world), clash.booking.id, RULES,
                       conflict_override_reason="Hai phòng")  # fmt: skip
    assert done.booking.conflict_override_reason == "Hai phòng"

    with pytest.raises(BookingRefused) as no_reason:
        use.cancel(store, organiser(world), first.id, None, RULES)
    assert no_reason.value.code == "reason_required"
    cancelled = use.cancel(store, organiser(world), first.id, "Hoãn", RULES)
    assert cancelled.closed_session_id == session.id
    assert store.sessions.get(session.id).state is SessionState.CLOSED


def test_sessions_between_and_due(store: Store, world: dict, clock: Clock) -> None:
    s = store.sessions.create("Họp", world["central"], [world["a"]])
    store.sessions.set_schedule(s.id, MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=3))
    found = sessions_between(store.db, MONDAY, MONDAY + timedelta(days=1))
    assert [x.id for x in found] == [s.id]
    assert due_sessions(store.db, MONDAY) == []
    assert due_sessions(store.db, MONDAY + timedelta(hours=1)) == [s.id]
    assert due_sessions(store.db, MONDAY + timedelta(hours=3)) == []  # its time went by
    store.sessions.set_state(s.id, SessionState.OPEN)
    assert due_sessions(store.db, MONDAY + timedelta(hours=2)) == []
