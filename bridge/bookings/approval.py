"""A booking's approval: who may move it from which state to which, and what each move
needs (a reason, a new time, the lead time or an override, no conflict or an override).

    office/admin  approve     requested → approved (a scheduled session is created)
    office/admin  reschedule  requested → rescheduled (a proposed time and a reason)
    office/admin  reject      requested | rescheduled → rejected (a reason)
    its organiser accept      rescheduled → approved (the proposed time becomes the time)
    its organiser decline     rescheduled → requested (its own time kept; an optional note)
    organiser (its own) or office/admin
                  cancel      requested | rescheduled | approved → cancelled (a reason
                              when approved: halls and people were already told)

Rejected and cancelled are final: a new request starts again. Why a table and one
``decide``: the API, the office page's buttons (``allowed_actions``) and the tests read the
same rules, so what the page offers is what the server accepts.

Refusals raise ``BookingRefused(code, field)``: ``forbidden`` (not this actor — checked
first, so a refusal does not tell a stranger the booking's state), ``booking_state`` (not
from this state), ``reason_required``, ``time_required`` (a reschedule without a time),
``lead_time`` (approving too short a notice without ``lead_override_reason``) and
``conflict`` (approving over a hall conflict without ``conflict_override_reason``). Each
says itself in Vietnamese and English (``text``). Pure: states in, a decision out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from bridge.bookings.conflicts import Conflict
from bridge.bookings.lead_time import LeadTime
from bridge.permissions.roles import Role


class BookingState(StrEnum):
    REQUESTED = "requested"  # chờ duyệt
    APPROVED = "approved"  # đã duyệt
    RESCHEDULED = "rescheduled"  # đề nghị đổi lịch
    REJECTED = "rejected"  # từ chối
    CANCELLED = "cancelled"  # đã hủy


class BookingAction(StrEnum):
    APPROVE = "approve"
    RESCHEDULE = "reschedule"
    REJECT = "reject"
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"


STATE_NAMES: dict[BookingState, tuple[str, str]] = {
    BookingState.REQUESTED: ("chờ duyệt", "requested"),
    BookingState.APPROVED: ("đã duyệt", "approved"),
    BookingState.RESCHEDULED: ("đề nghị đổi lịch", "rescheduled"),
    BookingState.REJECTED: ("từ chối", "rejected"),
    BookingState.CANCELLED: ("đã hủy", "cancelled"),
}
ACTION_NAMES: dict[BookingAction, tuple[str, str]] = {
    BookingAction.APPROVE: ("phê duyệt", "approve"),
    BookingAction.RESCHEDULE: ("đề nghị đổi lịch", "reschedule"),
    BookingAction.REJECT: ("từ chối", "reject"),
    BookingAction.ACCEPT: ("chấp nhận lịch mới", "accept the new time of"),
    BookingAction.DECLINE: ("không nhận lịch mới", "decline the new time of"),
    BookingAction.CANCEL: ("hủy", "cancel"),
}

DECIDERS = frozenset({Role.OFFICE, Role.ADMIN})  # the office's decisions
BOOKERS = frozenset({Role.ORGANISER, Role.OFFICE, Role.ADMIN})  # who may own a booking

# action → (the states it leaves, the state it reaches)
TRANSITIONS: dict[BookingAction, tuple[frozenset[BookingState], BookingState]] = {
    BookingAction.APPROVE: (frozenset({BookingState.REQUESTED}), BookingState.APPROVED),
    BookingAction.RESCHEDULE: (frozenset({BookingState.REQUESTED}), BookingState.RESCHEDULED),
    BookingAction.REJECT: (
        frozenset({BookingState.REQUESTED, BookingState.RESCHEDULED}),
        BookingState.REJECTED,
    ),
    BookingAction.ACCEPT: (frozenset({BookingState.RESCHEDULED}), BookingState.APPROVED),
    BookingAction.DECLINE: (frozenset({BookingState.RESCHEDULED}), BookingState.REQUESTED),
    BookingAction.CANCEL: (
        frozenset({BookingState.REQUESTED, BookingState.RESCHEDULED, BookingState.APPROVED}),
        BookingState.CANCELLED,
    ),
}
FINAL = frozenset({BookingState.REJECTED, BookingState.CANCELLED})

RefusalCode = Literal[
    "booking_state", "forbidden", "reason_required", "time_required", "lead_time", "conflict"
]


@dataclass(frozen=True)
class Actor:
    """Who acts: an account's role, and whether it is the booking's organiser."""

    role: Role
    owns: bool = False


def may(action: BookingAction, actor: Actor) -> bool:
    """Whether ``actor`` may ever take ``action`` on this booking (whatever its state)."""
    if action in (BookingAction.APPROVE, BookingAction.RESCHEDULE, BookingAction.REJECT):
        return actor.role in DECIDERS
    if action in (BookingAction.ACCEPT, BookingAction.DECLINE):
        return actor.owns and actor.role in BOOKERS
    return actor.role in DECIDERS or (actor.owns and actor.role in BOOKERS)


def allowed_actions(state: BookingState, actor: Actor) -> list[BookingAction]:
    """The actions ``actor`` may take from ``state`` (the buttons a page shows)."""
    return [a for a in BookingAction if may(a, actor) and state in TRANSITIONS[a][0]]


class BookingRefused(Exception):
    """A move the rules refuse: a stable ``code``, the ``field`` at fault (None when it is
    not one field's), ``params`` for the message, and the ``conflicts`` behind a
    ``conflict`` refusal (the API lists them)."""

    def __init__(
        self,
        code: RefusalCode,
        field: str | None = None,
        params: dict[str, object] | None = None,
        conflicts: Sequence[Conflict] = (),
        lead: LeadTime | None = None,
    ) -> None:
        super().__init__(f"{code}" + (f" ({field})" if field else ""))
        self.code: RefusalCode = code
        self.field = field
        self.params: dict[str, object] = dict(params or {})
        self.conflicts = tuple(conflicts)
        self.lead = lead

    def text(self, lang: str = "vi") -> str:
        """The refusal in a sentence, in Vietnamese (default) or English."""
        en = lang.lower().startswith("en")
        i = 1 if en else 0
        state = self.params.get("state")
        action = self.params.get("action")
        state_name = STATE_NAMES[BookingState(str(state))][i] if state else ""
        action_name = ACTION_NAMES[BookingAction(str(action))][i] if action else ""
        if self.code == "booking_state":
            if en:
                return f"The booking is {state_name}: you cannot {action_name} it now."
            return f"Đăng ký đang ở trạng thái «{state_name}»: không thể {action_name}."
        if self.code == "forbidden":
            if self.field == "lead_override_reason":
                if en:
                    return "Only the office can book with less than the lead time."
                return "Chỉ văn phòng mới được đăng ký khi không đủ thời hạn đăng ký trước."
            if en:
                return f"You may not {action_name} this booking."
            return f"Bạn không có quyền {action_name} đăng ký này."
        if self.code == "reason_required":
            return "A reason is required." if en else "Cần nêu lý do."
        if self.code == "time_required":
            return "A new time is required." if en else "Cần nêu thời gian mới đề nghị."
        if self.code == "lead_time" and self.lead is not None:
            return self.lead.text(lang)
        if self.code == "conflict" and self.conflicts:
            intro = (
                "The halls are booked elsewhere at that time; give a reason to approve anyway."
                if en
                else "Điểm cầu đã có lịch khác vào thời gian này; cần nêu lý do nếu vẫn duyệt."
            )
            return " ".join([intro, *(c.text(lang) for c in self.conflicts)])
        return self.code


@dataclass(frozen=True)
class Decision:
    """What a permitted move does. ``reason`` is the reason or note to record; the
    override reasons are set only when they were needed (and so are recorded)."""

    action: BookingAction
    from_state: BookingState
    to: BookingState
    reason: str | None = None
    lead_override_reason: str | None = None
    conflict_override_reason: str | None = None
    creates_session: bool = False  # approve, accept: a scheduled session
    closes_session: bool = False  # cancelling an approved booking closes its session
    sets_proposed_time: bool = False  # reschedule: the office's time is proposed
    takes_proposed_time: bool = False  # accept: the proposed time becomes the time
    clears_proposed_time: bool = False  # accept, decline: no proposal any more
    conflicts: tuple[Conflict, ...] = field(default=())  # approved over these


def _given(text: str | None) -> str | None:
    """A reason as recorded: stripped, None when blank (spaces are no reason)."""
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


def decide(
    booking_state: BookingState,
    action: BookingAction,
    actor: Actor,
    *,
    reason: str | None = None,
    proposed_starts_at: datetime | None = None,
    lead: LeadTime | None = None,
    lead_override_reason: str | None = None,
    conflicts: Sequence[Conflict] = (),
    conflict_override_reason: str | None = None,
) -> Decision:
    """The decision for ``actor`` taking ``action`` on a booking in ``booking_state``, or
    ``BookingRefused``. ``lead`` and ``conflicts`` are the booking's current check (only
    approve reads them); ``reason`` is the reason (reschedule, reject, cancel) or the note
    (decline)."""
    state = BookingState(booking_state)
    action = BookingAction(action)
    params: dict[str, object] = {"state": state.value, "action": action.value}
    if not may(action, actor):
        raise BookingRefused("forbidden", None, params)
    sources, target = TRANSITIONS[action]
    if state not in sources:
        raise BookingRefused("booking_state", None, params)
    why = _given(reason)
    needs_reason = action in (BookingAction.RESCHEDULE, BookingAction.REJECT) or (
        action is BookingAction.CANCEL and state is BookingState.APPROVED
    )
    if needs_reason and why is None:
        raise BookingRefused("reason_required", "reason", params)
    if action is BookingAction.RESCHEDULE and proposed_starts_at is None:
        raise BookingRefused("time_required", "starts_at", params)
    decision = Decision(action, state, target, reason=why)
    if action is BookingAction.APPROVE:
        return _approve(
            decision, params, lead, lead_override_reason, conflicts, conflict_override_reason
        )
    return _effects(decision)


def _approve(
    decision: Decision,
    params: dict[str, object],
    lead: LeadTime | None,
    lead_override_reason: str | None,
    conflicts: Sequence[Conflict],
    conflict_override_reason: str | None,
) -> Decision:
    lead_why = _given(lead_override_reason)
    conflict_why = _given(conflict_override_reason)
    short = lead is not None and not lead.ok
    if short and lead_why is None:
        assert lead is not None
        raise BookingRefused(
            "lead_time",
            "starts_at",
            {**params, "earliest_day": lead.earliest_day.isoformat()},
            lead=lead,
        )
    if conflicts and conflict_why is None:
        raise BookingRefused(
            "conflict",
            None,
            {**params, "titles": [c.title for c in conflicts]},
            conflicts=conflicts,
        )
    return Decision(
        decision.action,
        decision.from_state,
        decision.to,
        reason=decision.reason,
        lead_override_reason=lead_why if short else None,
        conflict_override_reason=conflict_why if conflicts else None,
        creates_session=True,
        conflicts=tuple(conflicts),
    )


def _effects(decision: Decision) -> Decision:
    """What a move other than approve does besides changing the state."""
    action = decision.action
    return Decision(
        action,
        decision.from_state,
        decision.to,
        reason=decision.reason,
        creates_session=action is BookingAction.ACCEPT,
        closes_session=action is BookingAction.CANCEL
        and decision.from_state is BookingState.APPROVED,
        sets_proposed_time=action is BookingAction.RESCHEDULE,
        takes_proposed_time=action is BookingAction.ACCEPT,
        clears_proposed_time=action in (BookingAction.ACCEPT, BookingAction.DECLINE),
    )


def check_request(
    actor: Actor, lead: LeadTime, lead_override_reason: str | None = None
) -> str | None:
    """Whether ``actor`` may request a booking with this lead time: the override reason to
    record (None when the lead time is met), or ``BookingRefused`` — ``forbidden`` on
    ``lead_override_reason`` when anyone but the office gives one (organisers cannot
    override, whatever the lead time), ``lead_time`` on ``starts_at`` when short without
    one."""
    why = _given(lead_override_reason)
    if why is not None and actor.role not in DECIDERS:
        raise BookingRefused("forbidden", "lead_override_reason", lead=lead)
    if lead.ok:
        return None
    if why is None:
        raise BookingRefused(
            "lead_time", "starts_at", {"earliest_day": lead.earliest_day.isoformat()}, lead=lead
        )
    return why
