"""What HTTP (and any other shell) does to a booking: the office's rules
(``bridge.bookings``, pure) applied to the store. Synchronous, like the store: async callers
run each function in a thread.

Every change writes the booking's history line (the store does, with the state it was
decided on, so two decisions racing on one booking cannot both land) and the
notifications of everyone involved — the organiser, the office's accounts and, once a
session exists, the roster's halls — and returns them with the e-mails to send, for the
caller to queue (``bridge.mail``) and to audit. Refusals are the domain's
``BookingRefused`` and the store's errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bridge.bookings import (
    DEFAULT_LEAD_DAYS,
    Actor,
    BookingAction,
    BookingState,
    Conflict,
    Decision,
    LeadTime,
    Occupancy,
    OfficeCalendar,
    Rule,
    check_lead_time,
    check_request,
    decide,
    find_conflicts,
    occurrences,
)
from bridge.permissions import Role
from bridge.readiness.window import OFFICE_TIMEZONE, ScheduleError, check_schedule
from bridge.store import AccountRole, InvalidInput, Session, SessionState, Store
from bridge.store.bookings import (
    Booking,
    NewBooking,
    Times,
    sessions_between,
)
from bridge.store.office import NewNotification
from bridge.use_cases import close_session

# Sessions and bookings starting this long after a candidate's end may still hold its
# halls before it through their test window (the default opens the working day before,
# and Tết can put ten days between two working days).
TEST_WINDOW_REACH = timedelta(days=12)
SUBJECT_PREFIX = "[Bridge] "


@dataclass(frozen=True)
class Who:
    """Who acts: the principal as the audit log names it, its role and its account."""

    by: str
    role: Role
    account_id: int | None

    def actor(self, booking: Booking | None = None) -> Actor:
        owns = booking is None or (
            self.account_id is not None and booking.organiser_id == self.account_id
        )
        return Actor(self.role, owns=owns)


@dataclass(frozen=True)
class Rules:
    """The office's settings the rules read."""

    tz: str = OFFICE_TIMEZONE
    lead_days: int = DEFAULT_LEAD_DAYS


@dataclass(frozen=True)
class Draft:
    """A booking as requested (or checked), before it is one."""

    title: str
    host_site_id: int
    roster: tuple[int, ...]
    times: Times
    agenda: str = ""
    notes: str = ""

    @property
    def site_ids(self) -> frozenset[int]:
        return frozenset((self.host_site_id, *self.roster))


@dataclass(frozen=True)
class Repeat:
    """A series: the rule, its end (a day or a number of meetings) and the days skipped."""

    rule: Rule
    until: date | None = None
    count: int | None = None
    skip: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Check:
    lead: LeadTime
    conflicts: tuple[Conflict, ...]
    working_day: bool
    holiday: str | None


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@dataclass
class Outcome:
    """What a change did: the booking(s), the session made or closed, what to tell whom."""

    booking: Booking
    bookings: list[Booking] = field(default_factory=list)
    session: Session | None = None
    closed_session_id: int | None = None
    check: Check | None = None
    notifications: list[NewNotification] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)


# ---- reading -----------------------------------------------------------------------------


def office_calendar(store: Store) -> OfficeCalendar:
    """The office's working days: the holiday library's and the declared ones."""
    return store.office_days.calendar()


def occupancy_of(
    kind: str,
    ident: int,
    title: str,
    sites: Iterable[int],
    times: Times,
    calendar: OfficeCalendar,
    tz: str,
) -> Occupancy:
    return Occupancy.scheduled(
        kind,  # type: ignore[arg-type]
        ident,
        title,
        sites,
        times.starts_at,
        times.ends_at,
        times.test_from,
        times.test_until,
        calendar,
        tz,
    )


def booking_times(booking: Booking) -> Times:
    """The time a booking holds its halls at: a rescheduled one, the office's proposal."""
    if booking.state == BookingState.RESCHEDULED and booking.proposed is not None:
        return booking.proposed
    return booking.times


def occupancies(
    store: Store, since: datetime, until: datetime, calendar: OfficeCalendar, tz: str
) -> list[Occupancy]:
    """Every session (scheduled or open) and pending booking that may hold halls in
    [since, until)."""
    found = [
        Occupancy.scheduled(
            "session",
            s.id,
            s.title,
            s.roster,
            s.starts_at,
            s.ends_at,
            s.test_from,
            s.test_until,
            calendar,
            tz,
        )
        for s in sessions_between(store.db, since, until + TEST_WINDOW_REACH)
    ]
    for b in store.bookings.pending_between(since, until + TEST_WINDOW_REACH):
        found.append(
            occupancy_of("booking", b.id, b.title, b.roster, booking_times(b), calendar, tz)
        )
    return found


def conflicts_of(
    store: Store,
    sites: Iterable[int],
    times: Times,
    calendar: OfficeCalendar,
    tz: str,
    *,
    me: tuple[str, int] = ("booking", 0),
    title: str = "",
) -> tuple[Conflict, ...]:
    candidate = occupancy_of(me[0], me[1], title, sites, times, calendar, tz)
    spans = candidate.occupied()
    others = occupancies(store, spans[0][0], spans[-1][1], calendar, tz)
    return tuple(find_conflicts(candidate, others))


def check_times(
    store: Store,
    sites: Iterable[int],
    times: Times,
    rules: Rules,
    *,
    requested_at: datetime | None = None,
    me: tuple[str, int] = ("booking", 0),
    calendar: OfficeCalendar | None = None,
) -> Check:
    """The lead time (from ``requested_at``, now by default), the conflicts and the start
    day's kind, nothing saved."""
    calendar = calendar or office_calendar(store)
    _check_schedule(times, calendar, rules.tz)
    asked = requested_at or store.db.clock()
    lead = check_lead_time(asked, times.starts_at, rules.tz, calendar, rules.lead_days)
    conflicts = conflicts_of(store, sites, times, calendar, rules.tz, me=me)
    day = times.starts_at.astimezone(ZoneInfo(rules.tz)).date()
    return Check(lead, conflicts, calendar.is_working_day(day), calendar.holiday_name(day))


def check_booking(store: Store, booking: Booking, rules: Rules) -> Check:
    """A stored booking's lead time (from when it was requested) and conflicts now."""
    return check_times(
        store,
        booking.roster,
        booking_times(booking),
        rules,
        requested_at=booking.requested_at,
        me=("booking", booking.id),
    )


def _check_schedule(times: Times, calendar: OfficeCalendar, tz: str) -> None:
    try:
        check_schedule(
            times.starts_at, times.ends_at, times.test_from, times.test_until, calendar, tz
        )
    except ScheduleError as exc:
        raise InvalidInput(
            str(exc), field=exc.field, problem=exc.problem, params=exc.params
        ) from None


# ---- requesting --------------------------------------------------------------------------


def series_drafts(draft: Draft, repeat: Repeat, calendar: OfficeCalendar, tz: str) -> list[Draft]:
    """One draft per meeting of the series, the first on the draft's own day; each keeps
    the draft's test window at the same distance from its start."""
    zone = ZoneInfo(tz)
    local = draft.times.starts_at.astimezone(zone)
    start_time = time(local.hour, local.minute, local.second)
    duration = draft.times.ends_at - draft.times.starts_at
    found = occurrences(
        repeat.rule,
        local.date(),
        start_time,
        duration,
        tz,
        calendar,
        until=repeat.until,
        count=repeat.count,
        skip=set(repeat.skip),
    )
    drafts = []
    for meeting in found:
        shift = meeting.starts_at - draft.times.starts_at
        times = Times(
            meeting.starts_at,
            meeting.ends_at,
            None if draft.times.test_from is None else draft.times.test_from + shift,
            None if draft.times.test_until is None else draft.times.test_until + shift,
        )
        drafts.append(replace(draft, times=times))
    return drafts


def request(
    store: Store,
    who: Who,
    draft: Draft,
    rules: Rules,
    *,
    repeat: Repeat | None = None,
    lead_override_reason: str | None = None,
) -> Outcome:
    """Book ``draft`` (``requested``), or a series of it (one booking per meeting, one
    series). A short lead time is refused (``lead_time`` naming the earliest day) unless
    the office gives a reason; conflicts are found and told, not refused (the office
    decides at approval)."""
    calendar = office_calendar(store)
    drafts = [draft] if repeat is None else series_drafts(draft, repeat, calendar, rules.tz)
    if not drafts:
        raise InvalidInput("the series has no meeting", field="repeat", problem="invalid")
    first = min(drafts, key=lambda d: d.times.starts_at)
    check = check_times(store, first.site_ids, first.times, rules, calendar=calendar)
    override = check_request(who.actor(), check.lead, lead_override_reason)
    news = [
        NewBooking(
            d.title,
            d.host_site_id,
            d.roster,
            d.times,
            who.account_id,
            d.agenda,
            d.notes,
            override,
        )
        for d in drafts
    ]
    series: tuple[dict[str, Any], list[date], dict[date, datetime]] | None = None
    if repeat is not None:
        rule = {
            "rule": repeat.rule.to_json(),
            "until": None if repeat.until is None else repeat.until.isoformat(),
            "count": repeat.count,
        }
        series = (rule, sorted(repeat.skip), {})
    made = store.bookings.create_many(news, who.by, series=series)
    booking = made[0]
    outcome = Outcome(booking, made, check=check)
    what = (
        ("", "")
        if repeat is None
        else (
            f" (chuỗi {len(made)} phiên: {repeat.rule.describe('vi')})",
            f" (a series of {len(made)}: {repeat.rule.describe('en')})",
        )
    )
    vi = f"Đăng ký {_name_vi(booking, rules.tz)}{what[0]} đã được gửi, chờ văn phòng phê duyệt."
    en = f"Booking {_name_en(booking, rules.tz)}{what[1]} was requested; it awaits approval."
    if override is not None:
        vi += f" Không đủ thời hạn đăng ký trước; văn phòng cho phép: {override}."
        en += f" Short of the lead time; allowed by the office: {override}."
    _tell(store, outcome, "booking_requested", vi, en, sites=False)
    outcome.audit = {
        "booking_ids": [b.id for b in made],
        "series_id": booking.series_id,
        "lead_override_reason": override,
        "conflicts": [c.id for c in check.conflicts],
    }
    return outcome


# ---- deciding ----------------------------------------------------------------------------


def _moved(store: Store, who: Who, booking: Booking, decision: Decision, **change: Any) -> Booking:
    """Store ``decision``'s move of ``booking`` — refused if someone moved it first (the
    state it was read in is expected) — with its history line."""
    return store.bookings.change(
        booking.id,
        expected=booking.state,
        to_state=decision.to,
        by=who.by,
        action=decision.action,
        **change,
    )


def _decided(
    store: Store, who: Who, booking_id: int, action: BookingAction, reason: str | None
) -> tuple[Booking, Decision, Booking]:
    """A move that needs only a reason (decline, reject, cancel): the booking as it was,
    the decision, the booking as it is now (any proposed time dropped)."""
    booking = store.bookings.get(booking_id)
    decision = decide(BookingState(booking.state), action, who.actor(booking), reason=reason)
    changed = _moved(store, who, booking, decision, reason=decision.reason, clear_proposed=True)
    return booking, decision, changed


def approve(
    store: Store,
    who: Who,
    booking_id: int,
    rules: Rules,
    *,
    lead_override_reason: str | None = None,
    conflict_override_reason: str | None = None,
) -> Outcome:
    """Approve: a scheduled session with the booking's roster, host, organiser, schedule
    and test window, linked to the booking. A lead time short of the rule needs the
    office's reason (unless given at request), a conflict too (``conflict``, naming the
    other session)."""
    booking = store.bookings.get(booking_id)
    check = check_booking(store, booking, rules)
    decision = decide(
        BookingState(booking.state),
        BookingAction.APPROVE,
        who.actor(booking),
        lead=check.lead,
        lead_override_reason=lead_override_reason or booking.lead_override_reason,
        conflicts=check.conflicts,
        conflict_override_reason=conflict_override_reason,
    )
    changed = _moved(
        store,
        who,
        booking,
        decision,
        reason=decision.conflict_override_reason or decision.lead_override_reason,
        lead_override_reason=decision.lead_override_reason,
        conflict_override_reason=decision.conflict_override_reason,
    )
    return _with_session(store, who, changed, decision, check, rules)


def _with_session(
    store: Store, who: Who, booking: Booking, decision: Decision, check: Check, rules: Rules
) -> Outcome:
    """The booking just approved gets its scheduled session (and is linked to it)."""
    calendar = office_calendar(store)
    session = store.sessions.create(
        booking.title,
        booking.host_site_id,
        booking.roster,
        SessionState.SCHEDULED,
        organiser_id=booking.organiser_id,
    )
    t = booking.times
    store.sessions.set_schedule(
        session.id,
        t.starts_at,
        t.ends_at,
        t.test_from,
        t.test_until,
        calendar=calendar,
        tz=rules.tz,
    )
    linked = store.bookings.link_session(booking.id, session.id)
    outcome = Outcome(linked, [linked], session=session, check=check)
    vi = (
        f"Đăng ký {_name_vi(linked, rules.tz)} đã được phê duyệt: phiên họp số {session.id} "
        "đã được lên lịch."
    )
    en = f"Booking {_name_en(linked, rules.tz)} was approved: session {session.id} is scheduled."
    if decision.conflict_override_reason:
        vi += f" Trùng lịch điểm cầu, văn phòng vẫn duyệt: {decision.conflict_override_reason}."
        en += f" Despite a hall conflict, approved: {decision.conflict_override_reason}."
    kind = "booking_approved" if decision.action is BookingAction.APPROVE else "booking_accepted"
    _tell(store, outcome, kind, vi, en, sites=True)
    outcome.audit = {
        "booking_id": linked.id,
        "lead_override_reason": decision.lead_override_reason,
        "conflict_override_reason": decision.conflict_override_reason,
        "conflicts": [c.id for c in decision.conflicts],
    }
    return outcome


def reschedule(
    store: Store, who: Who, booking_id: int, proposed: Times, reason: str | None, rules: Rules
) -> Outcome:
    """Propose another time (the office), with a reason; the organiser accepts or declines."""
    booking = store.bookings.get(booking_id)
    decision = decide(
        BookingState(booking.state),
        BookingAction.RESCHEDULE,
        who.actor(booking),
        reason=reason,
        proposed_starts_at=proposed.starts_at,
    )
    calendar = office_calendar(store)
    _check_schedule(proposed, calendar, rules.tz)
    changed = _moved(
        store,
        who,
        booking,
        decision,
        reason=decision.reason,
        proposed=proposed,
    )
    outcome = Outcome(changed, [changed])
    vi = (
        f"Văn phòng đề nghị đổi lịch đăng ký {_name_vi(booking, rules.tz)} sang "
        f"{_when_vi(proposed.starts_at, rules.tz)}: {decision.reason}."
    )
    en = (
        f"The office proposes to move booking {_name_en(booking, rules.tz)} to "
        f"{_when_en(proposed.starts_at, rules.tz)}: {decision.reason}."
    )
    _tell(store, outcome, "booking_rescheduled", vi, en, sites=False)
    outcome.audit = {
        "booking_id": booking.id,
        "reason": decision.reason,
        "starts_at": proposed.starts_at.isoformat(),
        "ends_at": proposed.ends_at.isoformat(),
    }
    return outcome


def accept(store: Store, who: Who, booking_id: int, rules: Rules) -> Outcome:
    """The organiser takes the office's proposed time: approved, with its session."""
    booking = store.bookings.get(booking_id)
    decision = decide(BookingState(booking.state), BookingAction.ACCEPT, who.actor(booking))
    assert booking.proposed is not None, "a rescheduled booking has a proposal"
    changed = _moved(
        store,
        who,
        booking,
        decision,
        times=booking.proposed,
        clear_proposed=True,
        keep_reason=True,
    )
    check = check_booking(store, changed, rules)
    return _with_session(store, who, changed, decision, check, rules)


def decline(store: Store, who: Who, booking_id: int, note: str | None, rules: Rules) -> Outcome:
    """The organiser keeps its own time: back to requested, the proposal dropped."""
    booking, decision, changed = _decided(store, who, booking_id, BookingAction.DECLINE, note)
    outcome = Outcome(changed, [changed])
    name_vi, name_en = _name_vi(changed, rules.tz), _name_en(changed, rules.tz)
    vi = f"Đơn vị tổ chức không nhận lịch đề nghị cho {name_vi}, giữ lịch đã đăng ký."
    en = f"The organiser declined the proposed time of {name_en}, keeping its own."
    if decision.reason:
        vi += f" Ghi chú: {decision.reason}."
        en += f" Note: {decision.reason}."
    _tell(store, outcome, "booking_declined", vi, en, sites=False)
    outcome.audit = {"booking_id": booking.id, "note": decision.reason}
    return outcome


def reject(store: Store, who: Who, booking_id: int, reason: str | None, rules: Rules) -> Outcome:
    booking, decision, changed = _decided(store, who, booking_id, BookingAction.REJECT, reason)
    outcome = Outcome(changed, [changed])
    vi = f"Đăng ký {_name_vi(changed, rules.tz)} bị từ chối: {decision.reason}."
    en = f"Booking {_name_en(changed, rules.tz)} was rejected: {decision.reason}."
    _tell(store, outcome, "booking_rejected", vi, en, sites=False)
    outcome.audit = {"booking_id": booking.id, "reason": decision.reason}
    return outcome


def cancel(store: Store, who: Who, booking_id: int, reason: str | None, rules: Rules) -> Outcome:
    """Cancel (the organiser its own, or the office); an approved booking's session is
    closed, and its halls are told."""
    booking, decision, changed = _decided(store, who, booking_id, BookingAction.CANCEL, reason)
    outcome = Outcome(changed, [changed])
    if decision.closes_session and changed.session_id is not None:
        session = store.sessions.get(changed.session_id)
        if session.state is not SessionState.CLOSED:
            outcome.session = close_session(store, session.id)
            outcome.closed_session_id = session.id
    vi = f"Đăng ký {_name_vi(changed, rules.tz)} đã bị hủy"
    en = f"Booking {_name_en(changed, rules.tz)} was cancelled"
    if outcome.closed_session_id is not None:
        vi += f" (phiên họp số {outcome.closed_session_id} đã đóng)"
        en += f" (session {outcome.closed_session_id} is closed)"
    vi += f": {decision.reason}." if decision.reason else "."
    en += f": {decision.reason}." if decision.reason else "."
    _tell(
        store,
        outcome,
        "booking_cancelled",
        vi,
        en,
        sites=decision.from_state is BookingState.APPROVED,
    )
    outcome.audit = {
        "booking_id": booking.id,
        "reason": decision.reason,
        "closed_session_id": outcome.closed_session_id,
    }
    return outcome


# ---- telling -----------------------------------------------------------------------------


def office_account_ids(store: Store) -> list[int]:
    return [a.id for a in store.accounts.list() if a.role is AccountRole.OFFICE]


def _tell(store: Store, outcome: Outcome, kind: str, vi: str, en: str, *, sites: bool) -> None:
    """Notify everyone involved: the organiser, the office's accounts, and (``sites``)
    the roster's halls — a row each, and an e-mail to each address set."""
    booking = outcome.booking
    session_id = outcome.session.id if outcome.session is not None else booking.session_id
    accounts = list(
        dict.fromkeys(
            [
                *([booking.organiser_id] if booking.organiser_id is not None else []),
                *office_account_ids(store),
            ]
        )
    )
    halls = list(booking.roster) if sites else []
    notes = [
        NewNotification(kind, vi, en, account_id=a, session_id=session_id, booking_id=booking.id)
        for a in accounts
    ] + [
        NewNotification(kind, vi, en, site_id=s, session_id=session_id, booking_id=booking.id)
        for s in halls
    ]
    store.notifications.add(notes)
    outcome.notifications = notes
    addresses = [
        *store.emails.accounts(accounts).values(),
        *store.emails.sites(halls).values(),
    ]
    subject = SUBJECT_PREFIX + _subject(vi)
    body = f"{vi}\n\n{en}\n"
    outcome.mails = [Mail(a, subject, body) for a in dict.fromkeys(addresses)]


def _subject(text: str) -> str:
    """The first sentence, short enough for a subject line."""
    first = text.split(": ")[0].split(". ")[0].rstrip(".")
    return first if len(first) <= 120 else first[:119] + "…"


def _when_vi(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%H:%M ngày %d/%m/%Y")


def _when_en(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _name_vi(booking: Booking, tz: str) -> str:
    return f"«{booking.title}» ({_when_vi(booking.times.starts_at, tz)})"


def _name_en(booking: Booking, tz: str) -> str:
    return f"“{booking.title}” ({_when_en(booking.times.starts_at, tz)})"


def visible(bookings: Sequence[Booking], who: Who) -> list[Booking]:
    """What the caller may see: the office and admin everything, an organiser its own."""
    if who.role in (Role.OFFICE, Role.ADMIN):
        return list(bookings)
    return [b for b in bookings if who.account_id is not None and b.organiser_id == who.account_id]
