"""The HTTP routes of bookings (docs/api.md, "Bookings"; docs/office.md): requests and
series, their check (lead time, hall conflicts), the office's decisions and the organiser's
answers, the office's calendar and declared days, and each account's notifications.

``BookingRoutes`` is a part of ``api.Api`` (its rows are in ``api.ROUTES``). The rules are
``bridge.bookings`` (pure), applied by ``bridge.bookings_use`` in a thread; the handlers
read the body, call the use case, then audit the change, queue its e-mails and answer.
An organiser sees and acts on its own bookings only (``forbidden`` otherwise, as for a
session it does not organise); operators and observers have none of these actions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from starlette.requests import Request

from bridge import bookings_use as use
from bridge.bookings import (
    BookingRefused,
    BookingState,
    Conflict,
    MonthlyFirstWorkingDayAfter,
    MonthlyNthWeekday,
    SeriesError,
    Weekly,
    allowed_actions,
)
from bridge.bookings.series import Rule
from bridge.live import LiveSessions
from bridge.live.audit import AuditLog
from bridge.mail import Mailer
from bridge.permissions import Role
from bridge.readiness.window import FIRST_YEAR, LAST_YEAR, window
from bridge.settings import Settings
from bridge.signaling import messages as m
from bridge.signaling import schemas as s
from bridge.signaling.errors import ErrorCode, Problem, SignalingError
from bridge.signaling.readiness_api import instant
from bridge.store import Store
from bridge.store.bookings import Booking, Times, sessions_between
from bridge.store.errors import Conflict as StoreConflict
from bridge.store.office import OfficeDay

MAX_ID = 2**53
MAX_CALENDAR_DAYS = 62
# Another organiser's session on an organiser's calendar: its halls are busy, no more.
OTHER_SESSION = "Phiên họp khác / Another session"
T = TypeVar("T")


class BookingError(SignalingError):
    """A refusal of the booking rules, said as the rule says it (the state, the earliest
    day, the other session), with the conflicts behind a ``conflict``."""

    def __init__(
        self,
        code: ErrorCode,
        texts: Callable[[str], str],
        field: str | None = None,
        problem: Problem | None = None,
        params: Mapping[str, Any] | None = None,
        conflicts: list[s.ConflictJson] | None = None,
    ) -> None:
        super().__init__(code, texts("en"), field, problem, params)
        self._texts = texts
        self.conflicts = conflicts

    def message(self, lang: str) -> str:
        return self._texts(lang)

    def body(self, lang: str) -> dict[str, object]:
        body = super().body(lang)
        if self.conflicts is not None:
            body["conflicts"] = self.conflicts
        return body


def refusal(exc: BookingRefused, names: Mapping[int, str]) -> BookingError:
    """The domain's refusal as the API's error."""
    text = exc.text
    if exc.code == "forbidden":
        return BookingError(ErrorCode.FORBIDDEN, text, exc.field)
    if exc.code == "booking_state":
        return BookingError(ErrorCode.BOOKING_STATE, text)
    if exc.code == "reason_required":
        return BookingError(ErrorCode.REASON_REQUIRED, text, "reason", Problem.MISSING)
    if exc.code == "time_required":
        return BookingError(ErrorCode.INVALID_INPUT, text, "starts_at", Problem.MISSING)
    if exc.code == "lead_time":
        earliest = exc.lead.earliest_day.isoformat() if exc.lead is not None else ""
        return BookingError(
            ErrorCode.LEAD_TIME,
            text,
            exc.field or "starts_at",
            Problem.TOO_SMALL,
            {"limit": earliest},
        )
    listed = [conflict_json(c, names) for c in exc.conflicts]
    return BookingError(ErrorCode.CONFLICT, text, conflicts=listed)


def series_error(exc: SeriesError) -> SignalingError:
    field = "repeat." + exc.field if exc.field.startswith("rule") else f"repeat.{exc.field}"
    if exc.field in ("start_time", "duration"):
        field = "starts_at" if exc.field == "start_time" else "ends_at"
    try:
        problem = Problem(exc.problem)
    except ValueError:
        problem = Problem.INVALID
    return BookingError(ErrorCode.INVALID_INPUT, exc.text, field, problem, exc.params)


# ---- JSON --------------------------------------------------------------------------------


def _stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def conflict_json(conflict: Conflict, names: Mapping[int, str]) -> s.ConflictJson:
    return {
        "kind": conflict.kind,
        "id": conflict.id,
        "title": conflict.title,
        "sites": [{"id": i, "name": names.get(i, str(i))} for i in conflict.site_ids],
        "from": conflict.overlap_from.isoformat(),
        "until": conflict.overlap_until.isoformat(),
        "through_test_window": conflict.through_test_window,
    }


def check_json(check: use.Check, names: Mapping[int, str]) -> s.CheckJson:
    return {
        "lead_time": {
            "ok": check.lead.ok,
            "earliest_day": check.lead.earliest_day.isoformat(),
            "days": check.lead.days,
            "short_by": check.lead.short_by,
        },
        "conflicts": [conflict_json(c, names) for c in check.conflicts],
        "working_day": check.working_day,
        "holiday": check.holiday,
    }


def booking_json(
    booking: Booking,
    check: use.Check,
    names: Mapping[int, str],
    usernames: Mapping[int, str],
    who: use.Who,
) -> s.BookingJson:
    t, p = booking.times, booking.proposed
    organiser = booking.organiser_id
    state = BookingState(booking.state)
    return {
        "id": booking.id,
        "title": booking.title,
        "agenda": booking.agenda,
        "notes": booking.notes,
        "host_site_id": booking.host_site_id,
        "roster": list(booking.roster),
        "starts_at": t.starts_at.isoformat(),
        "ends_at": t.ends_at.isoformat(),
        "test_from": _stamp(t.test_from),
        "test_until": _stamp(t.test_until),
        "state": state.value,
        "organiser": (
            None
            if organiser is None
            else {"id": organiser, "username": usernames.get(organiser, "")}
        ),
        "reason": booking.reason,
        "proposed": (
            None
            if p is None
            else {
                "starts_at": p.starts_at.isoformat(),
                "ends_at": p.ends_at.isoformat(),
                "test_from": _stamp(p.test_from),
                "test_until": _stamp(p.test_until),
            }
        ),
        "lead_time": {
            "ok": check.lead.ok,
            "earliest_day": check.lead.earliest_day.isoformat(),
            "days": check.lead.days,
            "override_reason": booking.lead_override_reason,
        },
        # Only where they still matter: a decided booking's halls are its session's.
        "conflicts": (
            [conflict_json(c, names) for c in check.conflicts]
            if state in (BookingState.REQUESTED, BookingState.RESCHEDULED)
            else []
        ),
        "session_id": booking.session_id,
        "series_id": booking.series_id,
        "history": [
            {
                "at": h.at.isoformat(),
                "by": h.by,
                "action": h.action,
                "from": h.from_state,
                "to": h.to_state,
                "reason": h.reason,
            }
            for h in booking.history
        ],
        "actions": [a.value for a in allowed_actions(state, who.actor(booking))],
    }


def notification_json(n: Any) -> s.NotificationJson:
    return {
        "id": n.id,
        "kind": n.kind,
        "vi": n.vi,
        "en": n.en,
        "session_id": n.session_id,
        "booking_id": n.booking_id,
        "created_at": n.created_at.isoformat(),
        "read_at": _stamp(n.read_at),
    }


def _day_json(day: OfficeDay) -> s.OfficeDayJson:
    return {
        "date": day.day.isoformat(),
        "kind": "off" if day.kind == "off" else "working",
        "note": day.note,
    }


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise SignalingError(
            ErrorCode.INVALID_INPUT, f"{field}: not a YYYY-MM-DD day", field, Problem.INVALID
        ) from None
    # The years a schedule may name (the holiday tables, and a day after 9999-12-31)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        low = day.year < FIRST_YEAR
        raise SignalingError(
            ErrorCode.INVALID_INPUT,
            f"{field}: a year from {FIRST_YEAR} to {LAST_YEAR}",
            field,
            Problem.TOO_SMALL if low else Problem.TOO_LARGE,
            {"limit": f"{FIRST_YEAR if low else LAST_YEAR}-{'01-01' if low else '12-31'}"},
        )
    return day


def _times(starts: str, ends: str, test_from: str | None, test_until: str | None) -> Times:
    starts_at, ends_at = instant(starts, "starts_at"), instant(ends, "ends_at")
    assert starts_at is not None and ends_at is not None
    return Times(
        starts_at, ends_at, instant(test_from, "test_from"), instant(test_until, "test_until")
    )


def _rule(body: m.RepeatBody) -> Rule:
    r = body.rule
    if isinstance(r, m.WeeklyRule):
        return Weekly(r.weekday)
    if isinstance(r, m.MonthlyFirstWorkingDayAfterRule):
        return MonthlyFirstWorkingDayAfter(r.day)
    return MonthlyNthWeekday(r.n, r.weekday)


# ---- routes ------------------------------------------------------------------------------


class BookingRoutes:
    """The booking routes of ``api.Api``, which provides these."""

    store: Store
    sessions: LiveSessions
    audit_log: AuditLog
    settings: Settings
    mailer: Mailer

    @property
    def _rules(self) -> use.Rules:
        return use.Rules(self.settings.office_timezone, self.settings.booking_lead_days)

    def _who(self, caller: Any) -> use.Who:
        p = caller.principal
        return use.Who(p.by, p.role, p.account_id)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A use case in a thread, its refusals said as the API's."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except BookingRefused as exc:
            names = await asyncio.to_thread(self._site_names)
            raise refusal(exc, names) from None
        except SeriesError as exc:
            raise series_error(exc) from None
        except StoreConflict as exc:  # another decision landed first
            raise SignalingError(ErrorCode.BOOKING_STATE, str(exc)) from None

    def _site_names(self) -> dict[int, str]:
        return {site.id: site.name for site in self.store.sites.list()}

    def _usernames(self) -> dict[int, str]:
        return {a.id: a.username for a in self.store.accounts.list()}

    def _bookings_json(self, bookings: Iterable[Booking], who: use.Who) -> list[s.BookingJson]:
        """Blocking: each booking with its check now (run in a thread)."""
        names, usernames = self._site_names(), self._usernames()
        return [
            booking_json(b, use.check_booking(self.store, b, self._rules), names, usernames, who)
            for b in bookings
        ]

    async def _booking(self, request: Request, caller: Any) -> Booking:
        """The booking of the path, if the caller may see it."""
        booking_id = int(request.path_params["booking_id"])
        if not 1 <= booking_id <= MAX_ID:
            raise SignalingError(ErrorCode.NOT_FOUND, "booking_id", field="booking_id")
        booking = await asyncio.to_thread(self.store.bookings.get, booking_id)
        if not use.visible([booking], self._who(caller)):
            raise SignalingError(ErrorCode.FORBIDDEN, "not the caller's booking")
        return booking

    async def _told(self, caller: Any, action: str, outcome: use.Outcome) -> None:
        """Audit the change (in the session's log once there is one) and queue its
        e-mails; a session a cancellation closed is closed live too."""
        session_id = outcome.session.id if outcome.session else outcome.booking.session_id
        by = caller.principal.by
        self.audit_log.record(session_id, by, action, **outcome.audit)
        # The session the move made or closed is in its log as the session routes put it.
        if outcome.closed_session_id is not None:
            self.audit_log.record(outcome.closed_session_id, by, "close_session")
        elif outcome.session is not None and action in ("booking_approve", "booking_accept"):
            self.audit_log.record(
                outcome.session.id, by, "create_session", booking_id=outcome.booking.id
            )
        for mail in outcome.mails:
            self.mailer.send([mail.to], mail.subject, mail.body)
        if outcome.closed_session_id is not None:
            await self.sessions.close(outcome.closed_session_id, caller.principal.by)

    async def _reply(self, caller: Any, outcome: use.Outcome) -> s.BookingReply:
        who = self._who(caller)
        found = await asyncio.to_thread(self._bookings_json, [outcome.booking], who)
        return {"booking": found[0]}

    # -- bookings --------------------------------------------------------------------------

    async def list_bookings(self, request: Request, caller: Any, _: None) -> s.BookingsReply:
        """``?state=&from=&until=``: by state, and starting in [from, until] (office days)."""
        state = request.query_params.get("state")
        if state is not None and state not in BookingState.__members__.values():
            raise SignalingError(
                ErrorCode.INVALID_INPUT,
                "state",
                "state",
                Problem.NOT_ALLOWED,
                {"choices": [x.value for x in BookingState]},
            )
        zone = ZoneInfo(self.settings.office_timezone)
        since = _day(request.query_params.get("from"), "from")
        until = _day(request.query_params.get("until"), "until")
        who = self._who(caller)

        def read() -> list[s.BookingJson]:
            found = self.store.bookings.list(
                state=state,
                organiser_id=None if who.role in (Role.OFFICE, Role.ADMIN) else who.account_id,
                starts_from=None
                if since is None
                else datetime.combine(since, datetime.min.time(), zone),
                starts_until=(
                    None
                    if until is None
                    else datetime.combine(until + timedelta(days=1), datetime.min.time(), zone)
                ),
            )
            return self._bookings_json(use.visible(found, who), who)

        return {"bookings": await asyncio.to_thread(read)}

    def _draft(self, body: m.BookingBody) -> use.Draft:
        return use.Draft(
            body.title,
            body.host_site_id,
            tuple(body.roster),
            _times(body.starts_at, body.ends_at, body.test_from, body.test_until),
            body.agenda,
            body.notes,
        )

    async def _check_sites(self, body: m.BookingBody) -> None:
        known = {site.id for site in await asyncio.to_thread(self.store.sites.list)}
        if not body.title.strip():
            raise SignalingError(ErrorCode.INVALID_INPUT, "title", "title", Problem.BLANK)
        if body.host_site_id not in known:
            raise SignalingError(ErrorCode.INVALID_INPUT, "host", "host_site_id", Problem.NOT_FOUND)
        seen: set[int] = set()
        for index, site_id in enumerate(body.roster):
            field = f"roster[{index}]"
            if site_id not in known:
                raise SignalingError(ErrorCode.INVALID_INPUT, field, field, Problem.NOT_FOUND)
            if site_id in seen:
                raise SignalingError(ErrorCode.INVALID_INPUT, field, field, Problem.DUPLICATE)
            seen.add(site_id)

    async def check_booking(
        self, request: Request, caller: Any, body: m.BookingBody
    ) -> s.CheckReply:
        """The lead time and conflicts of a booking as it would be made now."""
        await self._check_sites(body)
        draft = self._draft(body)
        check = await self._run(
            use.check_times, self.store, draft.site_ids, draft.times, self._rules
        )
        names = await asyncio.to_thread(self._site_names)
        return {"check": check_json(check, names)}

    async def request_booking(
        self, request: Request, caller: Any, body: m.BookingRequestBody
    ) -> s.BookingCreatedReply:
        await self._check_sites(body)
        draft = self._draft(body)
        repeat = None
        if body.repeat is not None:
            skip = frozenset(
                d for i, x in enumerate(body.repeat.skip) if (d := _day(x, f"repeat.skip[{i}]"))
            )
            repeat = use.Repeat(
                _rule(body.repeat),
                _day(body.repeat.until, "repeat.until"),
                body.repeat.count,
                skip,
            )
            if repeat.until is None and repeat.count is None:
                raise SignalingError(
                    ErrorCode.INVALID_INPUT, "until or count", "repeat.until", Problem.MISSING
                )
        outcome = await self._run(
            use.request,
            self.store,
            self._who(caller),
            draft,
            self._rules,
            repeat=repeat,
            lead_override_reason=body.lead_override_reason,
        )
        if body.record:  # issue 14: each session made from it is recorded from its opening
            for booking in outcome.bookings:
                await asyncio.to_thread(self.store.recordings.set_booking_record, booking.id, True)
        await self._told(caller, "booking_request", outcome)
        who = self._who(caller)
        made = await asyncio.to_thread(self._bookings_json, outcome.bookings, who)
        names = await asyncio.to_thread(self._site_names)
        assert outcome.check is not None
        return {"booking": made[0], "bookings": made, "check": check_json(outcome.check, names)}

    async def get_booking(self, request: Request, caller: Any, _: None) -> s.BookingReply:
        booking = await self._booking(request, caller)
        found = await asyncio.to_thread(self._bookings_json, [booking], self._who(caller))
        return {"booking": found[0]}

    async def approve_booking(
        self, request: Request, caller: Any, body: m.ApproveBody
    ) -> s.ApprovedReply:
        from bridge.signaling.api import session_json  # api imports this module

        booking = await self._booking(request, caller)
        outcome = await self._run(
            use.approve,
            self.store,
            self._who(caller),
            booking.id,
            self._rules,
            lead_override_reason=body.lead_override_reason,
            conflict_override_reason=body.conflict_override_reason,
        )
        await self._told(caller, "booking_approve", outcome)
        reply = await self._reply(caller, outcome)
        assert outcome.session is not None
        return {"booking": reply["booking"], "session": session_json(outcome.session)}

    async def reschedule_booking(
        self, request: Request, caller: Any, body: m.RescheduleBody
    ) -> s.BookingReply:
        booking = await self._booking(request, caller)
        proposed = _times(body.starts_at, body.ends_at, body.test_from, body.test_until)
        outcome = await self._run(
            use.reschedule,
            self.store,
            self._who(caller),
            booking.id,
            proposed,
            body.reason,
            self._rules,
        )
        await self._told(caller, "booking_reschedule", outcome)
        return await self._reply(caller, outcome)

    async def accept_booking(self, request: Request, caller: Any, _: None) -> s.BookingReply:
        booking = await self._booking(request, caller)
        outcome = await self._run(
            use.accept, self.store, self._who(caller), booking.id, self._rules
        )
        await self._told(caller, "booking_accept", outcome)
        return await self._reply(caller, outcome)

    async def decline_booking(
        self, request: Request, caller: Any, body: m.DeclineBody
    ) -> s.BookingReply:
        booking = await self._booking(request, caller)
        outcome = await self._run(
            use.decline, self.store, self._who(caller), booking.id, body.note, self._rules
        )
        await self._told(caller, "booking_decline", outcome)
        return await self._reply(caller, outcome)

    async def reject_booking(
        self, request: Request, caller: Any, body: m.RejectBody
    ) -> s.BookingReply:
        booking = await self._booking(request, caller)
        outcome = await self._run(
            use.reject, self.store, self._who(caller), booking.id, body.reason, self._rules
        )
        await self._told(caller, "booking_reject", outcome)
        return await self._reply(caller, outcome)

    async def cancel_booking(
        self, request: Request, caller: Any, body: m.CancelBody
    ) -> s.BookingReply:
        booking = await self._booking(request, caller)
        outcome = await self._run(
            use.cancel, self.store, self._who(caller), booking.id, body.reason, self._rules
        )
        await self._told(caller, "booking_cancel", outcome)
        return await self._reply(caller, outcome)

    # -- the calendar and declared days ----------------------------------------------------

    async def calendar(self, request: Request, caller: Any, _: None) -> s.CalendarReply:
        """``?from=&until=`` (at most 62 days; this week from today by default): each day
        and the sessions and pending bookings holding halls in it."""
        tz = self.settings.office_timezone
        zone = ZoneInfo(tz)
        today = datetime.now(UTC).astimezone(zone).date()
        since = _day(request.query_params.get("from"), "from") or today
        until = _day(request.query_params.get("until"), "until") or since + timedelta(days=6)
        if until < since:
            raise SignalingError(
                ErrorCode.INVALID_INPUT,
                "until",
                "until",
                Problem.TOO_SMALL,
                {"limit": since.isoformat()},
            )
        if (until - since).days >= MAX_CALENDAR_DAYS:
            limit = (since + timedelta(days=MAX_CALENDAR_DAYS - 1)).isoformat()
            raise SignalingError(
                ErrorCode.INVALID_INPUT, "until", "until", Problem.TOO_LARGE, {"limit": limit}
            )
        who = self._who(caller)
        return await asyncio.to_thread(self._calendar, since, until, zone, who)

    def _calendar(self, since: date, until: date, zone: ZoneInfo, who: use.Who) -> s.CalendarReply:
        calendar = use.office_calendar(self.store)
        tz = str(zone)
        days: list[s.CalendarDayJson] = []
        day = since
        while day <= until:
            days.append(
                {
                    "date": day.isoformat(),
                    "working": calendar.is_working_day(day),
                    "holiday": calendar.holiday_name(day),
                    "declared": calendar.declared_kind(day),
                }
            )
            day += timedelta(days=1)
        start = datetime.combine(since, datetime.min.time(), zone)
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), zone)
        items: list[s.CalendarItemJson] = []
        everything = who.role in (Role.OFFICE, Role.ADMIN)
        for session in sessions_between(self.store.db, start, end):
            opened = window(session.starts_at, session.test_from, session.test_until, calendar, tz)
            # An organiser sees when halls are busy, to plan around them, but another
            # organiser's session only as that: its title is not its to read.
            own = everything or (
                who.account_id is not None and session.organiser_id == who.account_id
            )
            items.append(
                {
                    "kind": "session",
                    "id": session.id,
                    "title": session.title if own else OTHER_SESSION,
                    "state": session.state,
                    "starts_at": session.starts_at.isoformat(),
                    "ends_at": _stamp(session.ends_at),
                    "test_from": _stamp(opened.opens if opened else None),
                    "test_until": _stamp(opened.closes if opened else None),
                    "site_ids": list(session.roster),
                }
            )
        # Issue 14: the sessions being recorded now are marked.
        recorded = self.store.recordings.recording_now([i["id"] for i in items])
        for item in items:
            item["recording"] = item["id"] in recorded
        pending = use.visible(self.store.bookings.pending_between(start, end), who)
        for booking in pending:
            t = use.booking_times(booking)
            opened = window(t.starts_at, t.test_from, t.test_until, calendar, tz)
            items.append(
                {
                    "kind": "booking",
                    "id": booking.id,
                    "title": booking.title,
                    "state": booking.state,
                    "starts_at": t.starts_at.isoformat(),
                    "ends_at": t.ends_at.isoformat(),
                    "test_from": _stamp(opened.opens if opened else None),
                    "test_until": _stamp(opened.closes if opened else None),
                    "site_ids": list(booking.roster),
                }
            )
        items.sort(key=lambda i: (i["starts_at"], i["kind"], i["id"]))
        return {"days": days, "items": items}

    async def list_office_days(self, request: Request, caller: Any, _: None) -> s.OfficeDaysReply:
        from bridge.signaling.api import _int_param  # api imports this module

        year = _int_param(request, "year")
        found = await asyncio.to_thread(self.store.office_days.list, year)
        return {"days": [_day_json(d) for d in found]}

    async def set_office_days(
        self, request: Request, caller: Any, body: m.OfficeDaysBody
    ) -> s.OfficeDaysReply:
        days = []
        for index, item in enumerate(body.days):
            day = _day(item.date, f"days[{index}].date")
            assert day is not None
            days.append(OfficeDay(day, item.kind, item.note))
        await asyncio.to_thread(self.store.office_days.declare, days, replace_year=body.year)
        self.audit_log.record(
            None,
            caller.principal.by,
            "office_days",
            year=body.year,
            days=[{"date": d.day.isoformat(), "kind": d.kind, "note": d.note} for d in days],
        )
        years = {d.day.year for d in days} | ({body.year} if body.year else set())
        found = [
            d
            for y in sorted(years)
            for d in await asyncio.to_thread(self.store.office_days.list, y)
        ]
        return {"days": [_day_json(d) for d in found]}

    # -- notifications ---------------------------------------------------------------------

    async def list_notifications(
        self, request: Request, caller: Any, _: None
    ) -> s.NotificationsReply:
        account_id = caller.principal.account_id
        found = await asyncio.to_thread(self.store.notifications.for_account, account_id)
        return {"notifications": [notification_json(n) for n in found]}

    async def read_notification(
        self, request: Request, caller: Any, _: None
    ) -> s.NotificationReply:
        notification_id = int(request.path_params["notification_id"])
        if not 1 <= notification_id <= MAX_ID:
            raise SignalingError(ErrorCode.NOT_FOUND, "notification_id", field="notification_id")
        found = await asyncio.to_thread(
            lambda: self.store.notifications.mark_read(
                notification_id, account_id=caller.principal.account_id
            )
        )
        return {"notification": notification_json(found)}
