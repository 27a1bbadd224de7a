from hypothesis import given
from hypothesis import strategies as st

from bridge.permissions import (
    INFO,
    Action,
    Forbidden,
    Principal,
    Role,
    SessionScope,
    allowed_actions,
    authorize,
    require,
)

A = Action
ORGANISER = Principal(Role.ORGANISER, 10, "to.chuc")
OPERATOR = Principal(Role.OPERATOR, 20, "dieu.hanh")
OBSERVER = Principal(Role.OBSERVER, 30, "quan.sat")
OFFICE = Principal(Role.OFFICE, 40, "van.phong")
ADMIN = Principal(Role.ADMIN, 50, "admin")
HALL = Principal(Role.SITE, None, "", site_id=3, session_id=7)
SESSION = SessionScope(
    7, organiser_id=10, operator_ids=frozenset({20}), observer_ids=frozenset({30})
)
OTHER = SessionScope(8, organiser_id=11, operator_ids=frozenset({21}), observer_ids=frozenset({31}))
CONTROLS = {
    A.SITE_MUTE,
    A.SITE_UNMUTE,
    A.SITE_SHOW,
    A.VOICE_SET,
    A.HAND_LOWER,
    A.FLOOR_GIVE,
    A.MUTE_ALL_EXCEPT_HOST,
    A.UNMUTE_ALL,
    A.SITE_REMOVE,
}
HALL_ACTIONS = {A.SITE_JOIN, A.SITE_MEDIA, A.SITE_HAND, A.SITE_LEAVE}


READS = {
    A.SESSION_VIEW,
    A.SESSION_LIVE,
    A.SESSION_AUDIT,
    A.SESSION_PROFILES,
    A.READINESS_VIEW,
    A.CONSOLE_JOIN,
    A.CONSOLE_PREVIEWS,
}
PROFILE_READ = {A.PROFILE_LIST, A.PROFILE_VIEW, A.SITE_PROFILE_VIEW}
PROFILE_EDIT = {A.PROFILE_CREATE, A.PROFILE_UPDATE, A.PROFILE_DELETE}
PROFILE_ASSIGN = {A.SITE_PROFILE_ASSIGN, A.SITE_PROFILE_UNASSIGN}
RUN = {A.SESSION_OPEN, A.SESSION_CLOSE, A.SESSION_LINKS, A.SESSION_END}
ANYONE = {A.LOGIN, A.PING}
BOOKING = {
    A.BOOKING_LIST,
    A.BOOKING_REQUEST,
    A.BOOKING_VIEW,
    A.BOOKING_RESPOND,
    A.BOOKING_CANCEL,
    A.CALENDAR_VIEW,
    A.NOTIFICATION_LIST,
}
# D (issue 13): notices — a hall reads its own, every console reads them, the organiser posts.
HALL_ACTIONS = HALL_ACTIONS | {A.SITE_NOTICES}
READS = READS | {A.NOTICE_VIEW}
# Issue 14: attendance is read by every console; the roll call is the operator's and the
# organiser's (and the office's and admin's).
READS = READS | {A.ATTENDANCE_VIEW}
RUN = RUN | {A.ATTENDANCE_ROLL_CALL}
# Issue 14: recordings — every console lists them; the session's runners start and stop
# recording; only the organiser (own), the office and admin download.
READS = READS | {A.RECORDING_LIST}
# Issue 14: a session's report is read by every console of it; the period report is the
# office's, admin's and (over its own sessions) an organiser's.
READS = READS | {A.REPORTS_SESSION}


def test_each_role_gets_exactly_its_actions_on_a_session_it_is_tied_to():
    staff = set(Action) - HALL_ACTIONS
    accounts = {A.ACCOUNT_LIST, A.ACCOUNT_CREATE}
    expected = {
        ADMIN: staff,
        OFFICE: staff - accounts,
        ORGANISER: ANYONE
        | {A.LOGOUT, A.SITE_LIST, A.SESSION_LIST, A.SESSION_CREATE, A.SESSION_STAFF}
        | {A.SESSION_SCHEDULE, A.SITE_TESTS_VIEW}
        | {A.SESSION_ROSTER}
        | {A.SESSION_INVITATIONS}
        | READS
        | RUN
        | PROFILE_READ
        | BOOKING
        | {A.NOTICE_POST}
        | {A.RECORDING_CONTROL, A.RECORDING_DOWNLOAD}
        | {A.REPORTS_PERIOD},
        OPERATOR: ANYONE
        | {A.LOGOUT, A.SITE_LIST, A.SESSION_LIST}
        | {A.READINESS_TEST, A.SITE_TESTS_VIEW}
        | READS
        | RUN
        | CONTROLS
        | PROFILE_READ
        | PROFILE_ASSIGN
        | {A.RECORDING_CONTROL},
        OBSERVER: ANYONE | {A.LOGOUT, A.SESSION_LIST} | READS | PROFILE_READ,
        HALL: ANYONE | HALL_ACTIONS,
    }
    for principal, actions in expected.items():
        assert allowed_actions(principal, SESSION) == actions, principal.role


def test_without_a_session_only_the_unscoped_actions_remain():
    assert allowed_actions(OBSERVER, None) == ANYONE | {A.LOGOUT, A.SESSION_LIST} | PROFILE_READ
    assert allowed_actions(HALL, None) == ANYONE
    assert A.SESSION_LIST in allowed_actions(ORGANISER, None)
    assert not INFO[A.SESSION_LIST].scoped  # the caller filters the list by session.view


def test_metrics_are_for_admin_and_office_only():
    for principal in (ADMIN, OFFICE):
        assert {A.METRICS_VIEW, A.METRICS_RESET} <= allowed_actions(principal, None)
    for principal in (ORGANISER, OPERATOR, OBSERVER, HALL):
        assert authorize(principal, A.METRICS_VIEW, None).reason == "role"
        assert authorize(principal, A.METRICS_RESET, None).reason == "role"


def test_profiles_are_read_by_all_staff_kept_by_admin_and_office_assigned_by_operators_too():
    for principal in (ADMIN, OFFICE, ORGANISER, OPERATOR, OBSERVER):
        assert allowed_actions(principal, None) >= PROFILE_READ, principal.role
    for principal in (ADMIN, OFFICE):
        assert allowed_actions(principal, None) >= PROFILE_EDIT | PROFILE_ASSIGN
    # The operator tunes the halls: it assigns, on any site, but keeps no catalogue.
    assert allowed_actions(OPERATOR, None) >= PROFILE_ASSIGN
    assert not PROFILE_EDIT & allowed_actions(OPERATOR, None)
    for principal in (ORGANISER, OBSERVER, HALL):
        assert not (PROFILE_EDIT | PROFILE_ASSIGN) & allowed_actions(principal, SESSION)
    assert not PROFILE_READ & allowed_actions(HALL, SESSION)
    # A session's profiles screen is a console read: only for who is tied to the session.
    assert authorize(OBSERVER, A.SESSION_PROFILES, OTHER).reason == "not_assigned"


def test_connection_tests_board_read_by_all_tied_staff_run_by_operators_scheduled_by_owners():
    for principal in (ADMIN, OFFICE, ORGANISER, OPERATOR, OBSERVER):
        assert A.READINESS_VIEW in allowed_actions(principal, SESSION), principal.role
    assert authorize(OBSERVER, A.READINESS_VIEW, OTHER).reason == "not_assigned"
    assert authorize(ORGANISER, A.READINESS_VIEW, OTHER).reason == "not_organiser"
    # Running a test: the technician's, as the live controls are.
    for principal in (ADMIN, OFFICE, OPERATOR):
        assert A.READINESS_TEST in allowed_actions(principal, SESSION), principal.role
    for principal in (ORGANISER, OBSERVER, HALL):
        assert authorize(principal, A.READINESS_TEST, SESSION).reason == "role"
    assert authorize(OPERATOR, A.READINESS_TEST, OTHER).reason == "not_assigned"
    # The schedule is booking: the organiser's, admin's and office's.
    for principal in (ADMIN, OFFICE, ORGANISER):
        assert A.SESSION_SCHEDULE in allowed_actions(principal, SESSION), principal.role
    for principal in (OPERATOR, OBSERVER, HALL):
        assert authorize(principal, A.SESSION_SCHEDULE, SESSION).reason == "role"
    assert authorize(ORGANISER, A.SESSION_SCHEDULE, OTHER).reason == "not_organiser"
    # A site's results over sessions: the staff who see the sites.
    for principal in (ADMIN, OFFICE, ORGANISER, OPERATOR):
        assert A.SITE_TESTS_VIEW in allowed_actions(principal, None), principal.role
    for principal in (OBSERVER, HALL):
        assert authorize(principal, A.SITE_TESTS_VIEW, None).reason == "role"


def test_the_roster_is_its_organisers_the_offices_and_an_admins_never_an_operators():
    assert INFO[A.SESSION_ROSTER].scoped and INFO[A.SESSION_ROSTER].writes
    for principal in (ADMIN, OFFICE, ORGANISER):
        assert authorize(principal, A.SESSION_ROSTER, SESSION), principal.role
    for principal in (ADMIN, OFFICE):  # every session, whoever organises it
        assert authorize(principal, A.SESSION_ROSTER, OTHER), principal.role
    # An organiser changes only the roster of a session it organises.
    assert authorize(ORGANISER, A.SESSION_ROSTER, OTHER).reason == "not_organiser"
    # Running a session (even assigned to it) is not owning its roster.
    for principal in (OPERATOR, OBSERVER, HALL):
        assert authorize(principal, A.SESSION_ROSTER, SESSION).reason == "role", principal.role
    operated = SessionScope(9, organiser_id=20, operator_ids=frozenset({20}))
    assert authorize(OPERATOR, A.SESSION_ROSTER, operated).reason == "role"


def test_an_observer_may_watch_a_session_it_operates():
    scope = SessionScope(9, operator_ids=frozenset({30}))
    assert allowed_actions(OBSERVER, scope) >= READS
    assert authorize(OBSERVER, A.SESSION_VIEW, SessionScope(9)).reason == "not_assigned"


def test_an_operator_is_not_tied_by_being_an_observer_or_the_organiser():
    assert not authorize(OPERATOR, A.SITE_MUTE, SessionScope(9, observer_ids=frozenset({20})))
    assert not authorize(OPERATOR, A.SITE_MUTE, SessionScope(9, organiser_id=20))


def test_an_organiser_is_not_tied_by_an_assignment():
    assigned = SessionScope(9, operator_ids=frozenset({10}), observer_ids=frozenset({10}))
    assert authorize(ORGANISER, A.SESSION_VIEW, assigned).reason == "not_organiser"


def test_an_account_without_an_id_is_tied_to_no_session():
    nobody = Principal(Role.ORGANISER, None, "x")
    assert not authorize(nobody, A.SESSION_VIEW, SessionScope(9))
    assert not authorize(Principal(Role.OPERATOR), A.SITE_MUTE, SessionScope(9))


def test_a_hall_token_without_a_session_joins_nothing():
    assert authorize(Principal(Role.SITE, site_id=3), A.SITE_JOIN, SESSION).reason == (
        "other_session"
    )


def test_the_principal_names_itself_for_the_audit_log():
    assert OPERATOR.by == "account:dieu.hanh"
    assert HALL.by == "site:3"


def test_action_values_are_the_wire_strings():
    # The console and the audit log know actions by these strings: a rename breaks them.
    assert {a.value for a in Action} == {
        *("login", "logout", "account.list", "account.create", "site.list", "site.create"),
        *("session.list", "session.create", "session.view", "session.live", "session.audit"),
        *("session.open", "session.close", "session.links", "session.staff"),
        *("metrics.view", "metrics.reset"),
        *("console.join", "console.previews", "site.mute", "site.unmute", "site.show"),
        *("voice.set", "hand.lower", "floor.give", "mute.all_except_host", "unmute.all"),
        *("site.remove", "session.end"),
        *("profile.list", "profile.view", "profile.create", "profile.update", "profile.delete"),
        *("site.profile.view", "site.profile.assign", "site.profile.unassign"),
        "session.profiles",
        *("session.schedule", "readiness.view", "readiness.test", "site.tests.view"),
        *("site.join", "site.media", "site.hand", "site.leave"),
        "ping",
        "session.roster",
        # Issue 13 B: bookings.
        *("booking.list", "booking.request", "booking.view", "booking.decide"),
        *("booking.respond", "booking.cancel", "calendar.view", "office_days.edit"),
        "notification.list",
        "session.invitations",
        # D (issue 13): notices.
        *("notice.post", "notice.view", "site.notices"),
        # Issue 14: attendance and the roll call.
        *("attendance.view", "attendance.roll_call"),
        # Issue 14: recording.
        *("recording.control", "recording.list", "recording.download"),
        # Issue 14: reports.
        *("reports.session", "reports.period"),
    }


def test_a_hall_may_only_send_its_own_media_hand_and_leave_in_its_own_session():
    assert allowed_actions(HALL, SESSION) == HALL_ACTIONS | {A.LOGIN, A.PING}
    assert authorize(HALL, A.SITE_MEDIA, OTHER).reason == "other_session"
    assert authorize(HALL, A.SITE_MUTE, SESSION).reason == "role"


def test_an_operator_operates_only_the_sessions_it_is_assigned_to():
    assert CONTROLS | {A.SESSION_END, A.CONSOLE_JOIN} <= allowed_actions(OPERATOR, SESSION)
    assert authorize(OPERATOR, A.SITE_MUTE, OTHER).reason == "not_assigned"
    assert not authorize(OPERATOR, A.SESSION_CREATE, None)
    assert not authorize(OPERATOR, A.SESSION_STAFF, SESSION)


def test_an_organiser_owns_its_sessions_but_does_not_operate_them():
    mine = allowed_actions(ORGANISER, SESSION)
    assert {A.SESSION_STAFF, A.SESSION_LINKS, A.SESSION_END, A.CONSOLE_JOIN} <= mine
    assert not mine & CONTROLS
    assert authorize(ORGANISER, A.SESSION_VIEW, OTHER).reason == "not_organiser"
    assert authorize(ORGANISER, A.SESSION_CREATE, None)


def test_an_observer_only_reads_what_it_is_assigned_to():
    mine = allowed_actions(OBSERVER, SESSION)
    assert A.CONSOLE_JOIN in mine and A.SESSION_AUDIT in mine
    assert not any(INFO[a].writes for a in mine)
    assert not allowed_actions(OBSERVER, OTHER) & {A.SESSION_VIEW, A.CONSOLE_JOIN}


def test_office_runs_every_session_but_not_the_accounts_and_admin_does_everything_staff():
    assert allowed_actions(OFFICE, OTHER) >= CONTROLS
    assert authorize(OFFICE, A.ACCOUNT_CREATE, None).reason == "role"
    assert authorize(ADMIN, A.ACCOUNT_CREATE, None)
    assert not allowed_actions(ADMIN, OTHER) & HALL_ACTIONS  # staff are not halls


def test_a_session_action_without_a_session_is_refused():
    assert authorize(OFFICE, A.SESSION_VIEW, None).reason == "no_session"


def test_require_raises_forbidden_naming_the_action():
    require(OPERATOR, A.SITE_MUTE, SESSION)
    try:
        require(OBSERVER, A.SITE_MUTE, SESSION)
    except Forbidden as exc:
        assert exc.action is A.SITE_MUTE and exc.reason == "role"
    else:  # pragma: no cover
        raise AssertionError("not refused")


ids = st.integers(1, 6)
principals = st.builds(
    Principal,
    role=st.sampled_from(Role),
    account_id=st.one_of(st.none(), ids),
    name=st.just("x"),
    site_id=st.one_of(st.none(), ids),
    session_id=st.one_of(st.none(), ids),
)
scopes = st.builds(
    SessionScope,
    id=ids,
    organiser_id=st.one_of(st.none(), ids),
    operator_ids=st.frozensets(ids, max_size=3),
    observer_ids=st.frozensets(ids, max_size=3),
)


@given(principals, st.one_of(st.none(), scopes))
def test_allowed_actions_agrees_with_authorize(principal, scope):
    allowed = allowed_actions(principal, scope)
    for action in Action:
        assert (action in allowed) == authorize(principal, action, scope).allowed


@given(principals, scopes)
def test_only_halls_take_hall_actions_and_halls_take_nothing_else(principal, scope):
    allowed = allowed_actions(principal, scope) - {A.LOGIN, A.PING}
    if principal.role is Role.SITE:
        assert allowed <= HALL_ACTIONS
    else:
        assert not allowed & HALL_ACTIONS


@given(principals, scopes)
def test_an_account_tied_to_nothing_gets_no_session_action_unless_admin_or_office(p, scope):
    untied = SessionScope(scope.id)
    scoped = {a for a in allowed_actions(p, untied) if INFO[a].scoped}
    if p.role in (Role.ADMIN, Role.OFFICE):
        assert scoped
    elif p.role is not Role.SITE:
        assert not scoped


@given(principals, scopes, ids)
def test_withdrawing_an_assignment_never_grants_more(principal, scope, account):
    fewer = SessionScope(
        scope.id,
        scope.organiser_id,
        scope.operator_ids - {account},
        scope.observer_ids - {account},
    )
    assert allowed_actions(principal, fewer) <= allowed_actions(principal, scope)


@given(principals, scopes)
def test_observers_never_write(principal, scope):
    if principal.role is Role.OBSERVER:
        assert not any(INFO[a].writes for a in allowed_actions(principal, scope))


def test_every_action_has_its_metadata():
    assert set(INFO) == set(Action)


@given(principals, st.one_of(st.none(), scopes))
def test_office_never_exceeds_admin_and_no_account_role_exceeds_office(principal, scope):
    office = allowed_actions(Principal(Role.OFFICE, principal.account_id, "o"), scope)
    admin = allowed_actions(Principal(Role.ADMIN, principal.account_id, "a"), scope)
    assert office <= admin
    if principal.role not in (Role.ADMIN, Role.SITE):
        assert allowed_actions(principal, scope) <= office


@given(principals, st.sampled_from(Action), st.one_of(st.none(), scopes))
def test_require_raises_exactly_when_authorize_refuses(principal, action, scope):
    decision = authorize(principal, action, scope)
    try:
        require(principal, action, scope)
    except Forbidden as exc:
        assert not decision.allowed and exc.action is action and exc.reason == decision.reason
    else:
        assert decision.allowed and decision.reason == "ok"


@given(principals, st.sampled_from([a for a in Action if INFO[a].scoped]))
def test_a_session_action_without_a_session_is_always_refused(principal, action):
    assert not authorize(principal, action, None)


def test_bookings_are_the_organisers_and_the_offices_never_an_operators_or_observers():
    decide = {A.BOOKING_DECIDE, A.OFFICE_DAYS_EDIT}
    for principal in (ADMIN, OFFICE):
        assert allowed_actions(principal, None) >= BOOKING | decide, principal.role
    assert allowed_actions(ORGANISER, None) >= BOOKING
    for action in decide:
        assert authorize(ORGANISER, action, None).reason == "role"
    for principal in (OPERATOR, OBSERVER, HALL):
        for action in BOOKING | decide:
            assert authorize(principal, action, None).reason == "role", (principal, action)
    assert not any(INFO[a].scoped for a in BOOKING | decide)


def test_invitations_are_sent_by_the_sessions_owners_only():
    for principal in (ADMIN, OFFICE, ORGANISER):
        assert A.SESSION_INVITATIONS in allowed_actions(principal, SESSION), principal.role
    for principal in (OPERATOR, OBSERVER, HALL):
        assert authorize(principal, A.SESSION_INVITATIONS, SESSION).reason == "role"
    assert authorize(ORGANISER, A.SESSION_INVITATIONS, OTHER).reason == "not_organiser"


def test_notices_are_posted_by_the_organiser_office_and_admin_and_read_by_every_console():
    for principal in (ORGANISER, OFFICE, ADMIN):
        assert authorize(principal, A.NOTICE_POST, SESSION).allowed, principal
        assert authorize(principal, A.NOTICE_VIEW, SESSION).allowed, principal
    for principal in (OPERATOR, OBSERVER, HALL):
        assert authorize(principal, A.NOTICE_POST, SESSION).reason == "role", principal
    for principal in (OPERATOR, OBSERVER):
        assert authorize(principal, A.NOTICE_VIEW, SESSION).allowed, principal
    # Tied to the session: another organiser's, another session's hall.
    assert authorize(ORGANISER, A.NOTICE_POST, OTHER).reason == "not_organiser"
    assert authorize(OPERATOR, A.NOTICE_VIEW, OTHER).reason == "not_assigned"
    assert authorize(HALL, A.SITE_NOTICES, SESSION).allowed
    assert authorize(HALL, A.SITE_NOTICES, OTHER).reason == "other_session"
    assert authorize(HALL, A.NOTICE_VIEW, SESSION).reason == "role"


def test_the_roll_call_is_taken_by_who_runs_the_session_and_read_by_every_console():
    for principal in (ADMIN, OFFICE, ORGANISER, OPERATOR):
        assert authorize(principal, A.ATTENDANCE_ROLL_CALL, SESSION).allowed, principal
    for principal in (ADMIN, OFFICE, ORGANISER, OPERATOR, OBSERVER):
        assert authorize(principal, A.ATTENDANCE_VIEW, SESSION).allowed, principal
    assert authorize(OBSERVER, A.ATTENDANCE_ROLL_CALL, SESSION).reason == "role"
    for action in (A.ATTENDANCE_VIEW, A.ATTENDANCE_ROLL_CALL):
        assert authorize(HALL, action, SESSION).reason == "role"
    assert authorize(ORGANISER, A.ATTENDANCE_ROLL_CALL, OTHER).reason == "not_organiser"
    assert authorize(OPERATOR, A.ATTENDANCE_VIEW, OTHER).reason == "not_assigned"


def test_a_recording_is_downloaded_only_by_its_organiser_the_office_and_admin():
    for principal in (ORGANISER, OFFICE, ADMIN):
        assert authorize(principal, A.RECORDING_DOWNLOAD, SESSION).allowed, principal.role
    for principal in (OPERATOR, OBSERVER, HALL):
        assert not authorize(principal, A.RECORDING_DOWNLOAD, SESSION).allowed, principal.role
    # Another organiser's session's recording is not one's own.
    assert authorize(ORGANISER, A.RECORDING_DOWNLOAD, OTHER).reason == "not_organiser"
    # Starting and stopping: the session's operator too, never an observer or a hall.
    assert authorize(OPERATOR, A.RECORDING_CONTROL, SESSION).allowed
    assert not authorize(OPERATOR, A.RECORDING_CONTROL, OTHER).allowed
    assert not authorize(OBSERVER, A.RECORDING_CONTROL, SESSION).allowed
    assert not authorize(HALL, A.RECORDING_CONTROL, SESSION).allowed


def test_reports_by_role():
    for principal in (ADMIN, OFFICE, ORGANISER, OPERATOR, OBSERVER):
        assert authorize(principal, A.REPORTS_SESSION, SESSION).allowed, principal
    assert authorize(ORGANISER, A.REPORTS_SESSION, OTHER).reason == "not_organiser"
    assert authorize(OBSERVER, A.REPORTS_SESSION, OTHER).reason == "not_assigned"
    assert authorize(HALL, A.REPORTS_SESSION, SESSION).reason == "role"
    for principal in (ADMIN, OFFICE, ORGANISER):
        assert authorize(principal, A.REPORTS_PERIOD, None).allowed, principal
    for principal in (OPERATOR, OBSERVER, HALL):
        assert authorize(principal, A.REPORTS_PERIOD, None).reason == "role", principal
