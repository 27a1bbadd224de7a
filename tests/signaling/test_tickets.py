"""Download tickets (bridge/signaling/tickets.py): once, for one recording, within their
time, kept hashed, and never more than the table holds."""

from __future__ import annotations

import re

from bridge.signaling.tickets import TICKET_PATTERN, DownloadTickets


def test_a_ticket_is_good_once_for_its_recording_within_its_time() -> None:
    tickets = DownloadTickets(ttl_s=60)
    ticket = tickets.issue(7, "bearer-a", now=100.0)
    assert re.fullmatch(TICKET_PATTERN, ticket)
    assert tickets.redeem(ticket, 7, now=159.0) == "bearer-a"
    assert tickets.redeem(ticket, 7, now=159.0) is None, "used up"

    other = tickets.issue(7, "bearer-a", now=100.0)
    assert tickets.redeem(other, 8, now=101.0) is None, "another recording's"
    assert tickets.redeem(other, 7, now=101.0) is None, "spent by the wrong try too"

    late = tickets.issue(7, "bearer-b", now=100.0)
    assert tickets.redeem(late, 7, now=160.5) is None, "expired"
    assert len(tickets) == 0


def test_tickets_are_kept_hashed_and_bounded() -> None:
    tickets = DownloadTickets(ttl_s=60, limit=3)
    issued = [tickets.issue(1, f"bearer-{i}", now=float(i)) for i in range(5)]
    assert len(tickets) == 3
    assert not any(t in repr(tickets._held) for t in issued), "only digests are kept"
    assert tickets.redeem(issued[0], 1, now=5.0) is None, "the oldest gave way"
    assert tickets.redeem(issued[4], 1, now=5.0) == "bearer-4"
    tickets.issue(1, "x", now=200.0)  # the others have expired meanwhile
    assert len(tickets) == 1
