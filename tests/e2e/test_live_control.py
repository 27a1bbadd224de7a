"""The operator's session controls with real aiortc peers against a real `bridge serve`:
hands, the floor, mute all / unmute all, removal, ending, link quality. What is asserted is
what arrives: messages, and the tones a headless listener hears (FFT)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from endpoints.audio import ToneTrack
from endpoints.operator import OperatorClient
from endpoints.session import AgentError, SiteClient
from tests.audio_analysis import tone_level_db
from tests.conftest import RunningBridge

AMPLITUDE = 0.1
SENT_DB = tone_level_db(ToneTrack(440, AMPLITUDE, paced=False).next_samples(48_000), 440)
HOST = "Hội trường Trung ương"
PROVINCES = ("Điểm cầu tỉnh Lào Cai", "Điểm cầu tỉnh Quảng Trị")
LISTENER = "Điểm cầu tỉnh Cà Mau"
TONES = {HOST: 440.0, PROVINCES[0]: 660.0, PROVINCES[1]: 880.0}


@contextlib.asynccontextmanager
async def briefing(
    bridge: RunningBridge,
) -> AsyncIterator[tuple[dict[str, SiteClient], OperatorClient]]:
    """The host and two provinces send tones, Cà Mau only listens; one operator."""
    names = [*TONES, LISTENER]
    clients = {name: SiteClient(bridge.links[name], record_seconds=20) for name in names}
    operator = OperatorClient(bridge.url, session_id=1, token=bridge.login())
    try:
        for client in clients.values():
            await client.join()
        await asyncio.gather(
            *(
                c.start_media(ToneTrack(TONES[name], AMPLITUDE) if name in TONES else None)
                for name, c in clients.items()
            )
        )
        await operator.connect()
        yield clients, operator
    finally:
        await operator.close()
        for client in clients.values():
            await client.close()


def site_id(client: SiteClient) -> int:
    assert client.site is not None
    return int(client.site["id"])


async def listen(client: SiteClient, seconds: float) -> object:
    return await client.wait_audio(seconds, timeout=seconds + 10)


def levels(audio: object) -> dict[str, float]:
    return {name: tone_level_db(audio, hz) for name, hz in TONES.items()}  # type: ignore[arg-type]


async def test_mute_all_except_host_leaves_only_the_host_audible_and_unmute_all_restores(bridge):
    async with briefing(bridge) as (sites, operator):
        listener = sites[LISTENER]
        await asyncio.sleep(1.0)
        before = levels(await listen(listener, 2.0))
        mark = listener.channel.seq
        await operator.mute_all_except_host()
        # One batch, not one message per site.
        batch = await listener.expect("sites", after=mark, timeout=10)
        muted = {s["id"] for s in batch["sites"] if s["muted"]}
        host_id = site_id(sites[HOST])
        assert host_id not in muted
        assert {site_id(sites[n]) for n in (*PROVINCES, LISTENER)} == muted
        assert [m for m in listener.messages if m.seq > mark and m.message["type"] == "site"] == []
        await asyncio.sleep(0.5)  # what was already in flight
        during = levels(await listen(listener, 2.0))

        await operator.unmute_all()
        await operator.expect_site(site_id(sites[PROVINCES[0]]), lambda s: not s["muted"])
        await asyncio.sleep(0.5)
        after = levels(await listen(listener, 2.0))
    assert all(level > SENT_DB - 6 for level in before.values()), before
    assert during[HOST] > SENT_DB - 6, f"the host is no longer heard: {during}"
    for name in PROVINCES:
        assert during[name] < SENT_DB - 20, f"{name} still heard after mute all: {during}"
    assert all(level > SENT_DB - 6 for level in after.values()), after


async def test_a_raised_hand_is_announced_and_giving_the_floor_unmutes_lowers_and_shows(bridge):
    async with briefing(bridge) as (sites, operator):
        lao_cai = sites[PROVINCES[0]]
        lc = site_id(lao_cai)
        await operator.mute(lc)
        await operator.expect_site(lc, lambda s: s["muted"])
        await lao_cai.raise_hand()
        raised = await operator.expect_site(lc, lambda s: s["hand_raised"])
        assert isinstance(raised["hand_seq"], int)
        await lao_cai.expect_site(lc, lambda s: s["hand_raised"])  # the hall sees its own hand
        # A second hall asks after it: the queue keeps the order.
        qt = site_id(sites[PROVINCES[1]])
        await sites[PROVINCES[1]].raise_hand()
        second = await operator.expect_site(qt, lambda s: s["hand_raised"])
        assert second["hand_seq"] > raised["hand_seq"]

        mark = sites[LISTENER].channel.seq
        await operator.give_floor(lc)
        entry = await operator.expect_site(lc, lambda s: not s["muted"])
        assert not entry["hand_raised"]
        floor = await sites[LISTENER].expect("floor", after=mark, timeout=5)
        assert floor["site_id"] == lc
        shown = await sites[LISTENER].expect(
            "shown", after=mark, where=lambda m: m["site_id"] == lc, timeout=5
        )
        assert shown["mode"] == "manual"
        await asyncio.sleep(0.5)
        heard = levels(await listen(sites[LISTENER], 2.0))
        assert heard[PROVINCES[0]] > SENT_DB - 6, f"the floor holder is not heard: {heard}"

        # The operator lowers the other hand; a site lowers nothing but its own.
        await operator.lower_hand(qt)
        await operator.expect_site(qt, lambda s: not s["hand_raised"])
        # Passing the floor leaves the previous holder's microphone as it was.
        await operator.give_floor(qt)
        await sites[LISTENER].expect("floor", where=lambda m: m["site_id"] == qt, timeout=5)
        assert not next(s for s in sites[LISTENER].roster if s["id"] == lc)["muted"]
        # A new console gets the floor right after the roster and the shown site.
        late = OperatorClient(bridge.url, session_id=1, token=bridge.login())
        try:
            await late.connect()
            assert (await late.expect("floor"))["site_id"] == qt
        finally:
            await late.close()


async def test_operator_only_messages_from_a_site_and_bad_site_ids_get_structured_errors(bridge):
    async with briefing(bridge) as (sites, operator):
        hall = sites[PROVINCES[0]]
        for message in (
            {"type": "give_floor", "site_id": 1, "id": "g"},
            {"type": "mute_all_except_host", "id": "a"},
            {"type": "unmute_all", "id": "u"},
            {"type": "remove", "site_id": 1, "id": "r"},
            {"type": "end_session", "id": "e"},
            {"type": "lower_hand", "site_id": 1, "id": "l"},
        ):
            mark = hall.channel.seq
            await hall.send(message)
            error = await hall.expect("error", after=mark)
            assert (error["code"], error["ref_id"]) == ("forbidden", message["id"])
            assert error["message"]  # in the connection's language
        mark = operator.channel.seq
        await operator.send({"type": "hand", "raised": True, "id": "h"})
        assert (await operator.expect("error", after=mark))["code"] == "forbidden"
        for message, code in (
            ({"type": "give_floor", "site_id": 999, "id": 1}, "unknown_site"),
            ({"type": "remove", "site_id": 999, "id": 2}, "unknown_site"),
            ({"type": "lower_hand", "site_id": 999, "id": 3}, "unknown_site"),
            ({"type": "give_floor", "site_id": "x", "id": 4}, "invalid_message"),
            ({"type": "hand", "id": 5}, "invalid_message"),
            ({"type": "mute_all_except_host", "extra": 1, "id": 6}, "invalid_message"),
        ):
            mark = operator.channel.seq
            await operator.send(message)
            error = await operator.expect("error", after=mark)
            assert (error["code"], error["ref_id"]) == (code, message["id"]), message
        # The session goes on: nothing was closed.
        await hall.send({"type": "ping", "id": "still"})
        assert (await hall.expect("pong"))["ref_id"] == "still"


async def test_an_offline_site_cannot_be_given_the_floor_or_removed(bridge):
    token = bridge.login()
    async with OperatorClient(bridge.url, session_id=1, token=token) as operator:
        await operator.connect()
        roster = await operator.expect("roster")
        offline = roster["sites"][1]["id"]
        for message in (
            {"type": "give_floor", "site_id": offline},
            {"type": "remove", "site_id": offline},
        ):
            mark = operator.channel.seq
            await operator.send(message)
            assert (await operator.expect("error", after=mark))["code"] == "site_offline"


async def test_a_removed_site_hears_why_is_closed_and_its_audio_leaves_the_mix(bridge):
    async with briefing(bridge) as (sites, operator):
        removed = sites[PROVINCES[1]]
        rid = site_id(removed)
        listener = sites[LISTENER]
        await asyncio.sleep(1.0)
        assert levels(await listen(listener, 1.5))[PROVINCES[1]] > SENT_DB - 6
        await removed.raise_hand()
        await operator.expect_site(rid, lambda s: s["hand_raised"])
        await operator.remove(rid)
        error = await removed.expect("error", timeout=5)
        assert error["code"] == "removed"
        await asyncio.wait_for(removed.channel.closed.wait(), 5)
        assert removed.closed_error().code == "removed"
        entry = await operator.expect_site(rid, lambda s: s["state"] == "offline")
        assert entry["removed"] and not entry["hand_raised"]
        await asyncio.sleep(0.5)
        after = levels(await listen(listener, 2.0))
        assert after[PROVINCES[1]] < SENT_DB - 20, f"a removed site is still heard: {after}"
        assert after[HOST] > SENT_DB - 6

        # Its link still works for a deliberate rejoin, and the mark goes.
        again = SiteClient(bridge.links[PROVINCES[1]])
        try:
            joined = await again.join()
            assert not joined["site"]["removed"]
            await operator.expect_site(rid, lambda s: s["state"] != "offline" and not s["removed"])
        finally:
            await again.close()


async def test_ending_the_session_from_the_console_ends_it_for_everyone_and_in_the_store(bridge):
    async with briefing(bridge) as (sites, operator):
        await operator.end_session()
        for client in sites.values():
            assert await client.wait_until_ended(10) == "session_closed"
        error = await operator.expect("error", where=lambda m: m["code"] == "session_closed")
        assert error["code"] == "session_closed"
        async with httpx.AsyncClient(base_url=bridge.url) as http:
            headers = {"Authorization": f"Bearer {bridge.login()}"}
            session = (await http.get("/api/sessions/1", headers=headers)).json()["session"]
        assert session["state"] == "closed"
        late = SiteClient(bridge.links[HOST])
        try:
            with pytest.raises(AgentError) as info:
                await late.join()
            assert info.value.code == "session_closed"
        finally:
            await late.close()


async def test_consoles_get_each_sites_link_quality_about_once_a_second(bridge):
    async with briefing(bridge) as (sites, operator):
        ids = {site_id(c) for c in sites.values()}
        start = asyncio.get_running_loop().time()
        first = await operator.expect("quality", timeout=5)
        # RTT needs a sender report and the site's answer to it: give it a few seconds.
        latest = first
        deadline = start + 15
        while asyncio.get_running_loop().time() < deadline:
            latest = await operator.expect("quality", timeout=5, after=operator.channel.seq)
            if (
                all(e["rtt_ms"] is not None for e in latest["sites"])
                and {e["id"] for e in latest["sites"]} == ids
            ):
                break
        count = sum(1 for m in operator.channel.history if m.message.get("type") == "quality")
        elapsed = asyncio.get_running_loop().time() - start
        assert count <= elapsed + 2, f"{count} quality messages in {elapsed:.1f} s"
        by_id = {e["id"]: e for e in latest["sites"]}
        assert set(by_id) == ids, json.dumps(latest)
        for entry in by_id.values():
            # Loopback: a good link, measured both ways.
            assert entry["grade"] == "good", entry
            assert entry["rtt_ms"] is not None and 0 <= entry["rtt_ms"] < 50, entry
            assert entry["loss_in_pct"] is not None and entry["loss_in_pct"] < 1, entry
            assert entry["jitter_in_ms"] is not None and entry["jitter_in_ms"] < 30, entry
        # Sites never get it.
        assert not any(
            m.message.get("type") == "quality" for c in sites.values() for m in c.messages
        )


async def test_a_site_toggling_its_hand_in_a_loop_is_refused_and_consoles_are_not_flooded(bridge):
    hall = SiteClient(bridge.links[PROVINCES[0]])
    operator = OperatorClient(bridge.url, session_id=1, token=bridge.login())
    try:
        await hall.join()
        await operator.connect()
        mark = operator.channel.seq
        for n in range(20):
            await hall.send({"type": "hand", "raised": n % 2 == 0, "id": n})
        await hall.send({"type": "ping", "id": "after"})
        assert (await hall.expect("pong"))["ref_id"] == "after"
        refused = [m.message for m in hall.channel.history if m.message.get("type") == "error"]
        assert [e["code"] for e in refused] == ["too_many_requests"] * 15
        assert [e["ref_id"] for e in refused] == list(range(5, 20))
        await asyncio.sleep(0.5)  # anything the bridge sent the console has arrived
        hand_events = [
            m.message
            for m in operator.channel.history
            if m.seq > mark
            and m.message.get("type") == "site"
            and m.message["site"]["id"] == site_id(hall)
        ]
        assert len(hand_events) == 5  # the allowed changes only
        assert hand_events[-1]["site"]["hand_raised"] is True  # the fifth raised it
    finally:
        await operator.close()
        await hall.close()
