"""The report routes against a running bridge, every role: a session's report (JSON, CSV,
printable) for its staff, its organiser, the office and admin, refused to the others; the
period report for the office and admin over every closed session, for an organiser over
its own only, refused to operators and observers."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBridge
from tests.e2e.test_permissions import ROLES, World, assert_answer

SESSION_READERS = {"admin", "office", "organiser", "operator", "observer"}
PERIOD_READERS = {"admin", "office", "organiser", "other_organiser"}


@pytest.fixture
def world(bridge: RunningBridge) -> World:
    w = World(bridge)
    w.setup()
    return w


def test_every_role_on_the_report_routes(world: World) -> None:
    sid = world.session()
    closed = world.call(world.tokens["organiser"], "POST", f"/api/sessions/{sid}/close")
    assert closed.status_code == 200, closed.text
    for role in ROLES:
        token = world.tokens[role]
        for suffix in ("", ".csv", ".html"):
            reply = world.call(token, "GET", f"/api/sessions/{sid}/report{suffix}")
            assert_answer(role, "reports.session", reply, role in SESSION_READERS)
        for suffix in ("", ".csv", ".html"):
            reply = world.call(token, "GET", f"/api/reports{suffix}")
            assert_answer(role, "reports.period", reply, role in PERIOD_READERS)
    # The session started now (no schedule): it is in the current quarter, for its
    # organiser and the office, and in no other organiser's report.
    for role, count in (("admin", 1), ("office", 1), ("organiser", 1), ("other_organiser", 0)):
        report = world.call(world.tokens[role], "GET", "/api/reports").json()
        assert [s["session_id"] for s in report["session_list"]] == [sid][:count], role
        assert report["totals"]["places"] == 3 * count, role
