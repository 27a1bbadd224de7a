"""Roster ownership against a real `bridge serve` with real headless halls (aiortc peers
over loopback) and a console: a hall added to a live session appears on the console at once,
joins with the link the answer carries and is heard (FFT); a connected hall taken off hears
``removed``, is disconnected and its link no longer joins; an operator's attempt is
``forbidden`` and changes nothing; every change is in the audit log."""

from __future__ import annotations

import asyncio
from typing import Any

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
LAO_CAI = "Điểm cầu tỉnh Lào Cai"
SESSION = 1  # the demo session `bridge serve` opens on its first start
PASSWORD = "mật khẩu thử nghiệm"


class Api:
    def __init__(self, bridge: RunningBridge, token: str) -> None:
        self.http = httpx.Client(base_url=bridge.url, timeout=10)
        self.token = token

    def call(self, method: str, path: str, body: Any = None, token: str = "") -> httpx.Response:
        headers = {"authorization": f"Bearer {token or self.token}", "accept-language": "en"}
        return self.http.request(method, path, json=body, headers=headers)

    def site_named(self, name: str) -> int:
        sites = self.call("GET", "/api/sites").json()["sites"]
        return int(next(s["id"] for s in sites if s["name"] == name))

    def new_site(self, name: str) -> int:
        parent = self.site_named(LAO_CAI)
        reply = self.call(
            "POST", "/api/sites", {"name": name, "level": "district", "parent_id": parent}
        )
        assert reply.status_code == 201, reply.text
        return int(reply.json()["site"]["id"])

    def roster(self, session_id: int = SESSION) -> list[int]:
        reply = self.call("GET", f"/api/sessions/{session_id}")
        assert reply.status_code == 200, reply.text
        return list(reply.json()["session"]["roster"])

    def audit(self, session_id: int = SESSION) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/api/sessions/{session_id}/audit").json()["entries"])

    def account(self, username: str, role: str) -> tuple[int, str]:
        made = self.call(
            "POST", "/api/accounts", {"username": username, "password": PASSWORD, "role": role}
        )
        assert made.status_code == 201, made.text
        login = self.http.post("/api/login", json={"username": username, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return int(made.json()["account"]["id"]), str(login.json()["token"])


@pytest.fixture
def api(bridge: RunningBridge) -> Api:
    return Api(bridge, bridge.login())


async def listen(client: SiteClient, seconds: float) -> Any:
    return await client.wait_audio(seconds, timeout=seconds + 10)


async def test_a_hall_added_to_a_live_session_is_on_the_console_at_once_joins_and_is_heard(
    bridge: RunningBridge, api: Api
) -> None:
    new_id = await asyncio.to_thread(api.new_site, "Điểm cầu huyện Bát Xát")
    host = SiteClient(bridge.links[HOST], record_seconds=20)
    operator = OperatorClient(bridge.url, session_id=SESSION, token=api.token)
    hall: SiteClient | None = None
    try:
        await host.join()
        await host.start_media(ToneTrack(440, AMPLITUDE))
        await operator.connect()
        await operator.expect("roster")
        mark, host_mark = operator.channel.seq, host.channel.seq
        reply = await asyncio.to_thread(
            api.call, "POST", f"/api/sessions/{SESSION}/roster", {"site_id": new_id}
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["session"]["roster"][-1] == new_id
        link = body["link"]
        assert link["site_id"] == new_id and link["site_name"] == "Điểm cầu huyện Bát Xát"
        # The console (and the halls) are sent the new roster straight away.
        roster = await operator.expect(
            "roster", after=mark, where=lambda m: new_id in [s["id"] for s in m["sites"]]
        )
        entry = roster["sites"][-1]
        assert (entry["id"], entry["state"], entry["host"]) == (new_id, "offline", False)
        await host.expect("roster", after=host_mark, timeout=5)

        # The link in the answer joins at once, and the hall is heard.
        hall = SiteClient(link["url"], record_seconds=20)
        joined = await hall.join()
        assert joined["site"]["id"] == new_id
        await hall.start_media(ToneTrack(660, AMPLITUDE))
        await operator.expect_site(new_id, lambda s: s["state"] == "connected", timeout=15)
        await asyncio.sleep(1.0)  # jitter buffers settle
        host_hears, hall_hears = await asyncio.gather(listen(host, 2.0), listen(hall, 2.0))
    finally:
        await operator.close()
        await host.close()
        if hall is not None:
            await hall.close()
    assert tone_level_db(host_hears, 660) > SENT_DB - 6, "the added hall is not heard"
    assert tone_level_db(hall_hears, 440) > SENT_DB - 6, "the added hall does not hear the host"
    entries = await asyncio.to_thread(api.audit)
    added = [e for e in entries if e["action"] == "roster_add"]
    assert [(e["by"], e["detail"]) for e in added] == [("account:admin", {"site_id": new_id})]
    assert added[0]["at"]


async def test_a_connected_hall_taken_off_is_disconnected_and_its_link_no_longer_joins(
    bridge: RunningBridge, api: Api
) -> None:
    lao_cai = await asyncio.to_thread(api.site_named, LAO_CAI)
    host = SiteClient(bridge.links[HOST], record_seconds=20)
    removed = SiteClient(bridge.links[LAO_CAI], record_seconds=20)
    operator = OperatorClient(bridge.url, session_id=SESSION, token=api.token)
    try:
        await host.join()
        await removed.join()
        await asyncio.gather(
            host.start_media(ToneTrack(440, AMPLITUDE)),
            removed.start_media(ToneTrack(660, AMPLITUDE)),
        )
        await operator.connect()
        await operator.expect("roster")
        await asyncio.sleep(1.0)
        before = await listen(host, 1.5)
        mark = operator.channel.seq
        reply = await asyncio.to_thread(
            api.call, "DELETE", f"/api/sessions/{SESSION}/roster/{lao_cai}"
        )
        assert reply.status_code == 200, reply.text
        assert lao_cai not in reply.json()["session"]["roster"]
        # The hall hears why, and its connection ends (the console's removal path).
        error = await removed.expect("error", timeout=5)
        assert error["code"] == "removed"
        await asyncio.wait_for(removed.channel.closed.wait(), 5)
        assert removed.closed_error().code == "removed"
        roster = await operator.expect(
            "roster", after=mark, where=lambda m: lao_cai not in [s["id"] for s in m["sites"]]
        )
        assert roster["sites"][0]["host"]
        await asyncio.sleep(0.5)
        after = await listen(host, 2.0)

        # Its link is revoked: reloading the page does not bring it back.
        again = SiteClient(bridge.links[LAO_CAI])
        try:
            with pytest.raises(AgentError) as refused:
                await again.join()
            assert refused.value.code == "invalid_token"
        finally:
            await again.close()
        # Issuing links now gives none for it; the session goes on for the others.
        links = await asyncio.to_thread(api.call, "POST", f"/api/sessions/{SESSION}/links", {})
        assert lao_cai not in [x["site_id"] for x in links.json()["links"]]
        await host.send({"type": "ping", "id": "still"})
        assert (await host.expect("pong"))["ref_id"] == "still"
    finally:
        await operator.close()
        await host.close()
        await removed.close()
    assert tone_level_db(before, 660) > SENT_DB - 6
    assert tone_level_db(after, 660) < SENT_DB - 20, "a hall taken off is still heard"
    entries = await asyncio.to_thread(api.audit)
    gone = [e for e in entries if e["action"] == "roster_remove"]
    assert [(e["by"], e["detail"]) for e in gone] == [("account:admin", {"site_id": lao_cai})]
    assert any(e["action"] == "remove_site" and e["detail"]["site_id"] == lao_cai for e in entries)


async def test_an_operator_or_observer_is_forbidden_and_nothing_changes(
    bridge: RunningBridge, api: Api
) -> None:
    new_id = await asyncio.to_thread(api.new_site, "Điểm cầu huyện Sa Pa")
    lao_cai = await asyncio.to_thread(api.site_named, LAO_CAI)
    hall = SiteClient(bridge.links[LAO_CAI])
    try:
        await hall.join()
        for role in ("operator", "observer"):
            account_id, token = await asyncio.to_thread(api.account, f"x.{role}", role)
            staffed = await asyncio.to_thread(
                api.call,
                "POST",
                f"/api/sessions/{SESSION}/staff",
                {"account_id": account_id, "duty": role},
            )
            assert staffed.status_code == 200, staffed.text
            before = await asyncio.to_thread(api.roster)
            for method, path, body in (
                ("POST", f"/api/sessions/{SESSION}/roster", {"site_id": new_id}),
                ("DELETE", f"/api/sessions/{SESSION}/roster/{lao_cai}", None),
            ):
                reply = await asyncio.to_thread(api.call, method, path, body, token)
                assert reply.status_code == 403, (role, reply.text)
                assert reply.json()["error"]["code"] == "forbidden"
            assert await asyncio.to_thread(api.roster) == before
        # The hall was never disturbed, and nothing was recorded as changed.
        await hall.send({"type": "ping", "id": "still"})
        assert (await hall.expect("pong"))["ref_id"] == "still"
        assert not hall.channel.closed.is_set()
    finally:
        await hall.close()
    entries = await asyncio.to_thread(api.audit)
    assert not [e for e in entries if e["action"].startswith("roster_")]


def test_an_organiser_owns_its_roster_before_the_session_and_the_refusals_say_why(
    bridge: RunningBridge, api: Api
) -> None:
    host_id = api.site_named(HOST)
    lao_cai = api.site_named(LAO_CAI)
    new_id = api.new_site("Điểm cầu huyện Mường Khương")
    _, organiser = api.account("to.chuc", "organiser")
    _, other = api.account("to.chuc.khac", "organiser")
    made = api.call(
        "POST",
        "/api/sessions",
        {"title": "Họp", "host_site_id": host_id, "roster": [lao_cai], "state": "scheduled"},
        organiser,
    )
    assert made.status_code == 201, made.text
    sid = made.json()["session"]["id"]
    path = f"/api/sessions/{sid}/roster"
    # Another organiser's session is not its to change.
    assert api.call("POST", path, {"site_id": new_id}, other).status_code == 403
    added = api.call("POST", path, {"site_id": new_id}, organiser)
    assert added.status_code == 200, added.text
    assert added.json()["session"]["roster"] == [host_id, lao_cai, new_id]
    assert added.json()["link"]["url"].startswith(f"{bridge.url}/site/{sid}#token=")
    # Refusals, each with its code and field.
    twice = api.call("POST", path, {"site_id": new_id}, organiser)
    assert twice.status_code == 409, twice.text
    assert twice.json()["error"] | {"message": ""} == {
        "code": "conflict",
        "field": "site_id",
        "problem": "on_roster",
        "message": "",
    }
    nothing = api.call("POST", path, {"site_id": 999_999}, organiser)
    assert nothing.status_code == 422 and nothing.json()["error"]["problem"] == "not_found"
    chair = api.call("DELETE", f"{path}/{host_id}", None, organiser)
    assert chair.status_code == 409 and chair.json()["error"]["problem"] == "host"
    assert "host" in chair.json()["error"]["message"]
    assert api.call("DELETE", f"{path}/{new_id}", None, organiser).status_code == 200
    off = api.call("DELETE", f"{path}/{new_id}", None, organiser)
    assert off.status_code == 404 and off.json()["error"]["field"] == "site_id"
    assert api.roster(sid) == [host_id, lao_cai]
    # A closed session's roster is kept as it was.
    assert api.call("POST", f"/api/sessions/{sid}/close", None, organiser).status_code == 200
    for method, target, body in (
        ("POST", path, {"site_id": new_id}),
        ("DELETE", f"{path}/{lao_cai}", None),
    ):
        closed = api.call(method, target, body, organiser)
        assert closed.status_code == 409 and closed.json()["error"]["code"] == "session_closed"
    assert api.roster(sid) == [host_id, lao_cai]
    actions = [(e["action"], e["by"], e["detail"]) for e in api.audit(sid)]
    assert ("roster_add", "account:to.chuc", {"site_id": new_id}) in actions
    assert ("roster_remove", "account:to.chuc", {"site_id": new_id}) in actions
