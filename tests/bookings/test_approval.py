"""The approval state machine: every state × action × actor, checked against the rules as
the issue writes them (restated here as a table, not read from the code), then what each
move needs — a reason, a new time, the lead time or an override, no conflict or an override
— and the request's lead-time rule (only the office overrides)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from bridge.bookings.approval import (
    STATE_NAMES,
    Actor,
    BookingAction,
    BookingRefused,
    BookingState,
    Decision,
    allowed_actions,
    check_request,
    decide,
)
from bridge.bookings.conflicts import Conflict
from bridge.bookings.lead_time import LeadTime
from bridge.permissions.roles import Role

S, A = BookingState, BookingAction
NEW_TIME = datetime(2026, 12, 15, 1, tzinfo=UTC)
OK_LEAD = LeadTime(True, date(2026, 12, 10), 3, 0)
SHORT_LEAD = LeadTime(False, date(2026, 12, 10), 3, 1)
CONFLICT = Conflict("session", 7, "Giao ban tháng", (3,), NEW_TIME, NEW_TIME.replace(hour=3), False)

# The rules: action → (from states, to state, who).
OFFICE, OWNER, OFFICE_OR_OWNER = "office", "owner", "office or owner"
RULES: dict[BookingAction, tuple[set[BookingState], BookingState, str]] = {
    A.APPROVE: ({S.REQUESTED}, S.APPROVED, OFFICE),
    A.RESCHEDULE: ({S.REQUESTED}, S.RESCHEDULED, OFFICE),
    A.REJECT: ({S.REQUESTED, S.RESCHEDULED}, S.REJECTED, OFFICE),
    A.ACCEPT: ({S.RESCHEDULED}, S.APPROVED, OWNER),
    A.DECLINE: ({S.RESCHEDULED}, S.REQUESTED, OWNER),
    A.CANCEL: ({S.REQUESTED, S.RESCHEDULED, S.APPROVED}, S.CANCELLED, OFFICE_OR_OWNER),
}
ACTORS = [Actor(role, owns) for role in Role for owns in (False, True)]


def permitted(who: str, actor: Actor) -> bool:
    office = actor.role in (Role.OFFICE, Role.ADMIN)
    owner = actor.owns and actor.role in (Role.ORGANISER, Role.OFFICE, Role.ADMIN)
    return {OFFICE: office, OWNER: owner, OFFICE_OR_OWNER: office or owner}[who]


def everything(state: BookingState, action: BookingAction, actor: Actor) -> Decision:
    """The move with all it could need given (a reason, a time, a met lead time)."""
    return decide(state, action, actor, reason="Lý do", proposed_starts_at=NEW_TIME, lead=OK_LEAD)


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    list(itertools.product(BookingState, BookingAction, ACTORS)),
    ids=lambda v: v.value if hasattr(v, "value") else f"{v.role}{'-own' if v.owns else ''}",
)
def test_every_state_action_and_actor(
    state: BookingState, action: BookingAction, actor: Actor
) -> None:
    sources, target, who = RULES[action]
    if not permitted(who, actor):
        with pytest.raises(BookingRefused) as caught:
            everything(state, action, actor)
        assert caught.value.code == "forbidden"
        assert action not in allowed_actions(state, actor)
        assert caught.value.text("vi").startswith("Bạn không có quyền")
        assert caught.value.text("en").startswith("You may not")
    elif state not in sources:
        with pytest.raises(BookingRefused) as caught:
            everything(state, action, actor)
        assert caught.value.code == "booking_state"
        assert action not in allowed_actions(state, actor)
        assert STATE_NAMES[state][0] in caught.value.text("vi")
        assert STATE_NAMES[state][1] in caught.value.text("en")
    else:
        decision = everything(state, action, actor)
        assert (decision.from_state, decision.to, decision.action) == (state, target, action)
        assert action in allowed_actions(state, actor)


def test_final_states_allow_nothing() -> None:
    for state, actor in itertools.product((S.REJECTED, S.CANCELLED), ACTORS):
        assert allowed_actions(state, actor) == []


def test_what_each_move_does() -> None:
    office, organiser = Actor(Role.OFFICE), Actor(Role.ORGANISER, owns=True)
    approve = decide(S.REQUESTED, A.APPROVE, office)
    assert approve.creates_session and not approve.closes_session
    reschedule = decide(
        S.REQUESTED, A.RESCHEDULE, office, reason="Hội trường bận", proposed_starts_at=NEW_TIME
    )
    assert reschedule.sets_proposed_time and reschedule.reason == "Hội trường bận"
    accept = decide(S.RESCHEDULED, A.ACCEPT, organiser)
    assert accept.creates_session and accept.takes_proposed_time and accept.clears_proposed_time
    decline = decide(S.RESCHEDULED, A.DECLINE, organiser, reason="  Giữ giờ cũ ")
    assert decline.clears_proposed_time and not decline.takes_proposed_time
    assert decline.reason == "Giữ giờ cũ" and decline.to is S.REQUESTED
    assert decide(S.RESCHEDULED, A.DECLINE, organiser).reason is None  # the note is optional
    cancel = decide(S.APPROVED, A.CANCEL, organiser, reason="Hoãn")
    assert cancel.closes_session
    assert not decide(S.REQUESTED, A.CANCEL, organiser).closes_session
    assert not decide(S.RESCHEDULED, A.REJECT, office, reason="Không phù hợp").creates_session


@pytest.mark.parametrize(
    ("state", "action", "field"),
    [
        (S.REQUESTED, A.RESCHEDULE, "reason"),
        (S.REQUESTED, A.REJECT, "reason"),
        (S.RESCHEDULED, A.REJECT, "reason"),
        (S.APPROVED, A.CANCEL, "reason"),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_reason_is_required(
    state: BookingState, action: BookingAction, field: str, reason: str | None
) -> None:
    with pytest.raises(BookingRefused) as caught:
        decide(state, action, Actor(Role.ADMIN), reason=reason, proposed_starts_at=NEW_TIME)
    assert (caught.value.code, caught.value.field) == ("reason_required", field)
    assert caught.value.text() == "Cần nêu lý do."
    assert caught.value.text("en") == "A reason is required."


def test_cancelling_before_approval_needs_no_reason() -> None:
    for state in (S.REQUESTED, S.RESCHEDULED):
        assert decide(state, A.CANCEL, Actor(Role.ORGANISER, owns=True)).to is S.CANCELLED


def test_a_reschedule_needs_a_new_time() -> None:
    with pytest.raises(BookingRefused) as caught:
        decide(S.REQUESTED, A.RESCHEDULE, Actor(Role.OFFICE), reason="Hội trường bận")
    assert (caught.value.code, caught.value.field) == ("time_required", "starts_at")


def test_approving_a_short_lead_time_needs_the_offices_reason() -> None:
    office = Actor(Role.OFFICE)
    with pytest.raises(BookingRefused) as caught:
        decide(S.REQUESTED, A.APPROVE, office, lead=SHORT_LEAD, lead_override_reason=" ")
    refused = caught.value
    assert (refused.code, refused.field) == ("lead_time", "starts_at")
    assert refused.params["earliest_day"] == "2026-12-10"
    assert "10/12/2026" in refused.text() and "2026-12-10" in refused.text("en")
    decision = decide(
        S.REQUESTED, A.APPROVE, office, lead=SHORT_LEAD, lead_override_reason="Chỉ đạo khẩn"
    )
    assert decision.lead_override_reason == "Chỉ đạo khẩn" and decision.creates_session
    # An override not needed is not recorded.
    met = decide(S.REQUESTED, A.APPROVE, office, lead=OK_LEAD, lead_override_reason="x")
    assert met.lead_override_reason is None


def test_approving_over_a_conflict_needs_a_reason() -> None:
    office = Actor(Role.OFFICE)
    with pytest.raises(BookingRefused) as caught:
        decide(S.REQUESTED, A.APPROVE, office, conflicts=[CONFLICT])
    refused = caught.value
    assert refused.code == "conflict" and refused.conflicts == (CONFLICT,)
    assert "«Giao ban tháng»" in refused.text() and '"Giao ban tháng"' in refused.text("en")
    decision = decide(
        S.REQUESTED,
        A.APPROVE,
        office,
        conflicts=[CONFLICT],
        conflict_override_reason="Điểm cầu 3 dự cả hai",
    )
    assert decision.conflict_override_reason == "Điểm cầu 3 dự cả hai"
    assert decision.conflicts == (CONFLICT,)
    clear = decide(S.REQUESTED, A.APPROVE, office, conflict_override_reason="x")
    assert clear.conflict_override_reason is None and clear.conflicts == ()


def test_the_lead_time_is_checked_before_conflicts() -> None:
    with pytest.raises(BookingRefused) as caught:
        decide(S.REQUESTED, A.APPROVE, Actor(Role.ADMIN), lead=SHORT_LEAD, conflicts=[CONFLICT])
    assert caught.value.code == "lead_time"


def test_forbidden_is_said_before_the_state() -> None:
    # A stranger learns nothing of the booking's state.
    with pytest.raises(BookingRefused) as caught:
        decide(S.CANCELLED, A.APPROVE, Actor(Role.OPERATOR))
    assert caught.value.code == "forbidden"
    assert caught.value.text() == "Bạn không có quyền phê duyệt đăng ký này."
    assert caught.value.text("en") == "You may not approve this booking."


def test_refusals_say_the_state_in_both_languages() -> None:
    with pytest.raises(BookingRefused) as caught:
        decide(S.APPROVED, A.REJECT, Actor(Role.OFFICE), reason="x")
    assert caught.value.text() == "Đăng ký đang ở trạng thái «đã duyệt»: không thể từ chối."
    assert caught.value.text("en") == "The booking is approved: it cannot be rejected now."


def test_states_and_actions_may_be_given_as_their_words() -> None:
    decision = decide("requested", "approve", Actor(Role.OFFICE))  # type: ignore[arg-type]
    assert decision.to is S.APPROVED
    with pytest.raises(ValueError):
        decide("pending", "approve", Actor(Role.OFFICE))  # type: ignore[arg-type]


@pytest.mark.parametrize("role", list(Role))
def test_the_request_lead_time_rule(role: Role) -> None:
    actor = Actor(role, owns=True)
    office = role in (Role.OFFICE, Role.ADMIN)
    assert check_request(actor, OK_LEAD) is None
    with pytest.raises(BookingRefused) as caught:
        check_request(actor, SHORT_LEAD)
    assert (caught.value.code, caught.value.field) == ("lead_time", "starts_at")
    if office:
        assert check_request(actor, SHORT_LEAD, " Chỉ đạo khẩn ") == "Chỉ đạo khẩn"
        assert check_request(actor, OK_LEAD, "not needed") is None
    else:
        # Organisers cannot override, whatever the lead time.
        for lead in (SHORT_LEAD, OK_LEAD):
            with pytest.raises(BookingRefused) as caught:
                check_request(actor, lead, "Chỉ đạo khẩn")
            assert (caught.value.code, caught.value.field) == ("forbidden", "lead_override_reason")
            assert "văn phòng" in caught.value.text() and "office" in caught.value.text("en")
        assert check_request(actor, OK_LEAD, "  ") is None
