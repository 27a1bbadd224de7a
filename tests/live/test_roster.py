"""The roster of a live session changing under it, in process: a real ``Conference``, fake
participants and media. A hall added is told to everyone at once and can join; a hall
taken off is removed by the removal path first, then dropped, and nothing of it is kept."""

from __future__ import annotations

import pytest

from bridge.conference import GiveFloor, HostSite, RosterSite, UnknownSite
from bridge.live import Ending
from bridge.live.audit import AuditLog, AuditRecord
from tests.live.fakes import FakeParticipant
from tests.live.test_session import CA_MAU, HOST, LAO_CAI, join, make_live

NEW = RosterSite(7, "Điểm cầu huyện Bát Xát", "district")


async def test_an_added_hall_is_sent_to_everyone_at_once_and_can_join():
    live, media = make_live()
    host = await join(live, HOST)
    console = FakeParticipant("console")
    live.attach_operator(console)
    assert live.add_to_roster(NEW, "account:van.phong")
    assert not live.add_to_roster(NEW, "account:van.phong")  # on it already: nothing
    for who in (host, console):
        roster = [m for m in who.sent if m["type"] == "roster"]
        assert len(roster) == 1
        assert [s["id"] for s in roster[0]["sites"]] == [HOST, LAO_CAI, 3, CA_MAU, NEW.id]
        assert roster[0]["sites"][-1]["name"] == NEW.name
    hall = await join(live, NEW.id)
    media.transports[-1].connect()
    assert live.conference.site(NEW.id).state == "connected"
    assert hall.ended is None and any(m["type"] == "profile" for m in hall.sent)
    live.detach_operator(console)


async def test_a_connected_hall_taken_off_hears_removed_first_and_leaves_no_trace():
    journal: list = []
    live, media = make_live()
    await join(live, HOST, journal)
    hall = await join(live, LAO_CAI, journal)
    media.transports[-1].connect()
    live.command(GiveFloor(LAO_CAI, "account:dieu.hanh"))
    journal.clear()
    await live.remove_from_roster(LAO_CAI, "account:to.chuc")
    assert journal[0] == ("site2", "end", Ending.REMOVED)
    assert hall.ended is Ending.REMOVED
    assert all(who != "site2" for who, _, _ in journal[1:])  # told nothing after
    heard = [m for who, what, m in journal if who == "site1" and what == "send"]
    assert heard[-1]["type"] in ("roster", "shown")
    roster = [m for m in heard if m["type"] == "roster"][-1]
    assert LAO_CAI not in [s["id"] for s in roster["sites"]]
    assert media.transports[1].closed
    assert live.conference.floor is None and LAO_CAI not in live.connected_sites()
    with pytest.raises(UnknownSite):
        live.conference.site(LAO_CAI)
    assert LAO_CAI not in [s["id"] for s in live.devices.statuses()]


async def test_an_offline_hall_is_dropped_and_the_host_is_refused_with_nothing_changed():
    live, _ = make_live()
    host = await join(live, HOST)
    await live.remove_from_roster(CA_MAU, "account:to.chuc")
    assert [s.id for s in live.conference.roster()] == [HOST, LAO_CAI, 3]
    before = list(host.sent)
    with pytest.raises(HostSite):
        await live.remove_from_roster(HOST, "account:to.chuc")
    with pytest.raises(UnknownSite):
        await live.remove_from_roster(99, "account:to.chuc")
    assert host.sent == before and host.ended is None


async def test_roster_changes_are_left_to_the_boundary_in_the_audit_log():
    # The HTTP route records roster_add / roster_remove itself (live or not): the live
    # session's event would make it twice. The removal of a connected hall is recorded.
    live, _ = make_live()
    written: list[AuditRecord] = []
    audit = AuditLog(written.extend)
    audit.subscribe(live)
    await join(live, LAO_CAI)
    live.add_to_roster(NEW, "account:van.phong")
    await live.remove_from_roster(LAO_CAI, "account:van.phong")
    await audit.flush()
    actions = [r.action for r in written]
    assert "add_to_roster" not in actions and "remove_from_roster" not in actions
    removal = [r for r in written if r.action == "remove_site"]
    assert removal and removal[0].by == "account:van.phong"
    assert removal[0].detail["site_id"] == LAO_CAI
