"""The live session's rules, in process: a real ``Conference``, fake participants and a fake
media side. What is checked is what each participant is told, in which order, and what the
media side is asked to do."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bridge.conference import Conference, Mute, RaiseHand, RosterSite, ShowSite
from bridge.conference.video import VideoSend
from bridge.live import Ending, LiveSession, Replaced
from bridge.live.audit import AuditLog, AuditRecord
from bridge.signaling import broadcast
from tests.live.fakes import FakeMedia, FakeParticipant

HOST, LAO_CAI, QUANG_TRI, CA_MAU = 1, 2, 3, 4
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def make_live() -> tuple[LiveSession, FakeMedia]:
    roster = [
        RosterSite(HOST, "Hội trường Trung ương", "central"),
        RosterSite(LAO_CAI, "Điểm cầu tỉnh Lào Cai", "province"),
        RosterSite(QUANG_TRI, "Điểm cầu tỉnh Quảng Trị", "province"),
        RosterSite(CA_MAU, "Điểm cầu tỉnh Cà Mau", "province"),
    ]
    media = FakeMedia()
    live = LiveSession(Conference(9, "Giao ban", HOST, roster), media, [], now=lambda: NOW)
    broadcast.attach(live)
    return live, media


async def join(live: LiveSession, site_id: int, journal: list | None = None) -> FakeParticipant:
    p = FakeParticipant(f"site{site_id}", journal)
    live.attach_site(site_id, p, f"site:{site_id}")
    live.welcome(site_id)
    await live.offer(site_id, p, "offer")
    return p


def types(p: FakeParticipant) -> list[str]:
    return [str(m["type"]) for m in p.sent]


async def test_only_the_shown_site_and_the_one_it_sees_send_full_the_others_pause():
    live, media = make_live()
    sites = {s: await join(live, s) for s in (HOST, LAO_CAI, QUANG_TRI)}
    assert sites[HOST].videos[-1] is VideoSend.FULL
    assert sites[LAO_CAI].videos[-1] is VideoSend.OFF
    live.command(ShowSite(LAO_CAI, "account:thu.ky"))
    assert sites[LAO_CAI].videos[-1] is VideoSend.FULL
    assert sites[HOST].videos[-1] is VideoSend.FULL  # the shown site sees the host
    assert sites[QUANG_TRI].videos[-1] is VideoSend.OFF
    # Every viewer is routed to what the domain says it sees.
    assert media.routes == {HOST: LAO_CAI, LAO_CAI: HOST, QUANG_TRI: LAO_CAI}
    # An instruction is sent only when it changes.
    assert sites[QUANG_TRI].videos == [VideoSend.OFF]


async def test_a_console_watching_previews_turns_the_others_to_preview_and_back_to_off():
    live, media = make_live()
    sites = {s: await join(live, s) for s in (HOST, LAO_CAI)}
    console = FakeParticipant("console")
    live.attach_operator(console)
    await live.console_offer(console, "offer")
    assert sites[LAO_CAI].videos[-1] is VideoSend.PREVIEW
    assert sites[HOST].videos[-1] is VideoSend.FULL
    live.detach_operator(console)
    await asyncio.sleep(0)
    assert sites[LAO_CAI].videos[-1] is VideoSend.OFF
    assert media.consoles[0].closed


async def test_a_removed_site_is_closed_before_the_others_hear_of_its_removal():
    journal: list = []
    live, media = make_live()
    await join(live, HOST, journal)
    await join(live, LAO_CAI, journal)
    journal.clear()
    await live.remove(LAO_CAI, "account:thu.ky")
    assert journal[0] == ("site2", "end", Ending.REMOVED)
    heard = [(who, msg["site"]) for who, what, msg in journal if what == "send"]
    assert heard and all(who != "site2" for who, _ in heard)
    assert heard[0][1]["removed"] and heard[0][1]["state"] == "offline"
    assert media.transports[1].closed  # its audio leaves the mix


async def test_a_second_join_replaces_the_first_connection_and_its_transport():
    live, media = make_live()
    first = await join(live, LAO_CAI)
    second = await join(live, LAO_CAI)
    await asyncio.sleep(0)
    assert first.ended is Ending.REPLACED and second.ended is None
    assert media.transports[0].closed and not media.transports[1].closed
    # The old connection can no longer act for the site, and its leaving changes nothing.
    with pytest.raises(Replaced):
        await live.offer(LAO_CAI, first, "offer")
    await live.detach_site(LAO_CAI, first)
    assert live.conference.site(LAO_CAI).state != "offline"


async def test_media_state_of_a_replaced_transport_is_ignored():
    live, media = make_live()
    await join(live, LAO_CAI)
    old = media.transports[0]
    await join(live, LAO_CAI)
    old.connect()
    assert live.conference.site(LAO_CAI).state == "connecting"
    media.transports[1].connect()
    assert live.conference.site(LAO_CAI).state == "connected"


async def test_a_failed_offer_closes_its_transport_and_keeps_the_site_joined():
    live, media = make_live()
    site = FakeParticipant("site2")
    live.attach_site(LAO_CAI, site)
    media.fail_next = True
    with pytest.raises(ValueError):
        await live.offer(LAO_CAI, site, "offer")
    assert media.transports[0].closed
    assert live.conference.site(LAO_CAI).state == "connecting"


async def test_mute_reaches_the_mix_before_anyone_is_told():
    live, media = make_live()
    seen: list[bool] = []
    site = await join(live, LAO_CAI)
    live.effects.on_every(lambda event: seen.append(media.muted[LAO_CAI]))
    live.command(Mute(LAO_CAI, "account:thu.ky"))
    assert seen == [True]
    assert site.sent[-1]["type"] == "site" and site.sent[-1]["site"]["muted"]


async def test_halls_hear_that_the_operator_acted_but_not_the_operators_account():
    live, _ = make_live()
    site = await join(live, LAO_CAI)
    other = await join(live, QUANG_TRI)
    console = FakeParticipant("console")
    live.attach_operator(console)
    live.command(Mute(LAO_CAI, "account:thu.ky"))
    assert site.sent[-1]["by"] == other.sent[-1]["by"] == "operator"
    assert console.sent[-1]["by"] == "account:thu.ky"  # the console (and audit) keep who
    live.command(RaiseHand(QUANG_TRI))
    assert site.sent[-1]["by"] == "site:3"  # a site's own doing is said as it is
    live.detach_operator(console)


async def test_every_event_reaches_the_audit_log_with_who_and_when():
    live, media = make_live()
    written: list[AuditRecord] = []
    audit = AuditLog(written.extend)
    audit.subscribe(live)
    await join(live, LAO_CAI)
    live.command(Mute(LAO_CAI, "account:thu.ky"))
    await live.close("account:thu.ky")
    await audit.flush()
    actions = [(r.action, r.by) for r in written]
    assert ("join", "site:2") in actions
    assert ("mute", "account:thu.ky") in actions
    assert ("close_session", "account:thu.ky") in actions
    assert all(r.at == NOW and r.session_id == 9 for r in written)
    assert media.closed


async def test_the_audit_queue_is_bounded_and_drops_rather_than_blocks():
    audit = AuditLog(lambda records: None, limit=3)
    for i in range(5):
        audit.record(1, "account:a", f"act{i}")
    assert audit.dropped == 2
