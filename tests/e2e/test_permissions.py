"""The whole permission matrix against a running bridge: every role × every HTTP route and
every WebSocket message, ownership included (an organiser of another session, an operator
not assigned). Each answer is checked: ``forbidden`` with its stable code, or not.

The expectations below are written out by hand from the roles' definitions (docs/api.md,
"Roles"), not computed with the policy they test.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import RunningBridge

ROLES = (
    "admin",
    "office",
    "organiser",
    "other_organiser",
    "operator",
    "other_operator",
    "observer",
)
PASSWORD = "mật khẩu thử nghiệm"

# What each account may do on the session under test ("own"): organiser owns it, operator
# and observer are assigned to it; the "other_" accounts own or are assigned to nothing.
ALL = set(ROLES)
STAFF_READ = {"admin", "office", "organiser", "operator", "observer"}
RUNS = {"admin", "office", "organiser", "operator"}
CONTROLS = {"admin", "office", "operator"}
HTTP_EXPECTED: dict[str, set[str]] = {
    "account.list": {"admin"},
    "site.list": ALL - {"observer"},
    "session.list": ALL,
    "session.create": {"admin", "office", "organiser", "other_organiser"},
    "session.view": STAFF_READ,
    "session.live": STAFF_READ,
    "session.audit": STAFF_READ,
    "session.links": RUNS,
    "session.staff": {"admin", "office", "organiser"},
    "metrics.view": {"admin", "office"},
    "metrics.reset": {"admin", "office"},
    "site.create": {"admin", "office"},
    "session.open": RUNS,
    "session.close": RUNS,
    # Hardware profiles: every account reads them; admin and office keep the catalogue;
    # the operator (the halls' technician) assigns them too, on any site.
    "profile.list": STAFF_READ | {"other_organiser", "other_operator"},
    "profile.view": STAFF_READ | {"other_organiser", "other_operator"},
    "site.profile.view": STAFF_READ | {"other_organiser", "other_operator"},
    "profile.create": {"admin", "office"},
    "profile.update": {"admin", "office"},
    "profile.delete": {"admin", "office"},
    "site.profile.assign": {"admin", "office", "operator", "other_operator"},
    "site.profile.unassign": {"admin", "office", "operator", "other_operator"},
    # A session's profiles screen: a console read, for who is tied to the session.
    "session.profiles": STAFF_READ,
    # Connection tests: the board is a console read; the schedule is booking (the
    # organiser's); a site's results over sessions are for the staff who list sites.
    "readiness.view": STAFF_READ,
    "session.schedule": {"admin", "office", "organiser"},
    "site.tests.view": {
        "admin",
        "office",
        "organiser",
        "other_organiser",
        "operator",
        "other_operator",
    },
    # Issue 13, part C: the roster is its organiser's, the office's and an admin's.
    "session.roster": {"admin", "office", "organiser"},
    # Issue 14: recording — the session's runners start and stop it; consoles list them.
    "recording.control": RUNS,
    "recording.list": STAFF_READ,
}
WS_EXPECTED: dict[str, set[str]] = {
    "console.join": STAFF_READ,
    "mute": CONTROLS,
    "unmute": CONTROLS,
    "show": CONTROLS,
    "voice_activated": CONTROLS,
    "lower_hand": CONTROLS,
    "give_floor": CONTROLS,
    "mute_all_except_host": CONTROLS,
    "unmute_all": CONTROLS,
    "remove": CONTROLS,
    "end_session": RUNS,
    "record": RUNS,  # issue 14
}


class World:
    def __init__(self, bridge: RunningBridge) -> None:
        self.bridge = bridge
        self.http = httpx.Client(base_url=bridge.url, timeout=10)
        self.admin = bridge.login()
        self.tokens: dict[str, str] = {"admin": self.admin}
        self.ids: dict[str, int] = {}

    def call(self, token: str, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}", "accept-language": "en"}
        return self.http.request(method, path, json=body, headers=headers)

    def setup(self) -> None:
        for role in ROLES[1:]:
            kind = role.removeprefix("other_")
            reply = self.call(
                self.admin,
                "POST",
                "/api/accounts",
                {"username": role, "password": PASSWORD, "role": kind},
            )
            assert reply.status_code == 201, reply.text
            self.ids[role] = reply.json()["account"]["id"]
            login = self.http.post("/api/login", json={"username": role, "password": PASSWORD})
            assert login.status_code == 200, login.text
            self.tokens[role] = login.json()["token"]
        sites = self.call(self.admin, "GET", "/api/sites").json()["sites"]
        self.sites = [s["id"] for s in sites]

    def session(self, *, state: str = "open") -> int:
        """A session organised by ``organiser`` with ``operator`` and ``observer`` on it;
        ``other_organiser`` organises a session of its own."""
        reply = self.call(
            self.tokens["organiser"],
            "POST",
            "/api/sessions",
            {
                "title": "Giao ban",
                "host_site_id": self.sites[0],
                "roster": self.sites[:3],
                "state": state,
            },
        )
        assert reply.status_code == 201, reply.text
        session_id = int(reply.json()["session"]["id"])
        for role, duty in (("operator", "operator"), ("observer", "observer")):
            staffed = self.call(
                self.tokens["organiser"],
                "POST",
                f"/api/sessions/{session_id}/staff",
                {"account_id": self.ids[role], "duty": duty},
            )
            assert staffed.status_code == 200, staffed.text
        return session_id


def assert_answer(role: str, action: str, reply: httpx.Response, allowed: bool) -> None:
    if allowed:
        assert reply.status_code < 400, (role, action, reply.status_code, reply.text)
    else:
        assert reply.status_code == 403, (role, action, reply.status_code, reply.text)
        assert reply.json()["error"]["code"] == "forbidden"


@pytest.fixture
def world(bridge: RunningBridge) -> World:
    w = World(bridge)
    w.setup()
    return w


def test_every_role_on_every_http_route(world: World) -> None:
    session_id = world.session()
    world.session()  # another of the same organiser's, so lists are not trivially equal
    other = world.call(
        world.tokens["other_organiser"],
        "POST",
        "/api/sessions",
        {"title": "Khác", "host_site_id": world.sites[0], "roster": world.sites[:2]},
    )
    assert other.status_code == 201
    other_id = other.json()["session"]["id"]
    reads = {
        "account.list": ("GET", "/api/accounts", None),
        "site.list": ("GET", "/api/sites", None),
        "session.list": ("GET", "/api/sessions", None),
        "session.view": ("GET", f"/api/sessions/{session_id}", None),
        "session.live": ("GET", f"/api/sessions/{session_id}/live", None),
        "session.audit": ("GET", f"/api/sessions/{session_id}/audit", None),
        "session.links": ("POST", f"/api/sessions/{session_id}/links", {}),
        "session.staff": (
            "POST",
            f"/api/sessions/{session_id}/staff",
            {"account_id": world.ids["observer"], "duty": "observer"},
        ),
        "metrics.view": ("GET", "/api/metrics", None),
        "profile.list": ("GET", "/api/profiles", None),
        "profile.view": ("GET", "/api/profiles/laptop", None),
        "site.profile.view": ("GET", f"/api/sites/{world.sites[1]}/profile", None),
        "site.profile.assign": (
            "PUT",
            f"/api/sites/{world.sites[1]}/profile",
            {"profile_id": "laptop", "locked": ["speaker"]},
        ),
        "site.profile.unassign": ("DELETE", f"/api/sites/{world.sites[1]}/profile", None),
        "session.profiles": ("GET", f"/api/sessions/{session_id}/profiles", None),
        "readiness.view": ("GET", f"/api/sessions/{session_id}/readiness", None),
        "session.schedule": (
            "PUT",
            f"/api/sessions/{session_id}/schedule",
            {"starts_at": "2026-12-14T09:00:00+07:00"},
        ),
        "site.tests.view": ("GET", f"/api/sites/{world.sites[1]}/connection-tests", None),
        "recording.list": ("GET", f"/api/sessions/{session_id}/recordings", None),
        "recording.control": ("POST", f"/api/sessions/{session_id}/recording", {"on": False}),
        "metrics.reset": ("POST", "/api/metrics/reset", None),
        "session.create": (
            "POST",
            "/api/sessions",
            {"title": "Mới", "host_site_id": world.sites[0], "roster": []},
        ),
    }
    for role in ROLES:
        token = world.tokens[role]
        for action, (method, path, body) in reads.items():
            reply = world.call(token, method, path, body)
            assert_answer(role, action, reply, role in HTTP_EXPECTED[action])
        # The board as CSV is the same read as the board; reading the schedule, a view.
        csv = world.call(token, "GET", f"/api/sessions/{session_id}/readiness.csv")
        assert_answer(role, "readiness.view", csv, role in HTTP_EXPECTED["readiness.view"])
        schedule = world.call(token, "GET", f"/api/sessions/{session_id}/schedule")
        assert_answer(role, "session.view", schedule, role in HTTP_EXPECTED["session.view"])
        # Open and close change the session: each role gets its own.
        for action, verb in (("session.open", "open"), ("session.close", "close")):
            target = world.session(state="scheduled")
            reply = world.call(token, "POST", f"/api/sessions/{target}/{verb}")
            assert_answer(role, action, reply, role in HTTP_EXPECTED[action])
        # The roster: each role adds a hall to a fresh session and takes one off it.
        target = world.session()
        added = world.call(
            token, "POST", f"/api/sessions/{target}/roster", {"site_id": world.sites[3]}
        )
        assert_answer(role, "session.roster", added, role in HTTP_EXPECTED["session.roster"])
        gone = world.call(token, "DELETE", f"/api/sessions/{target}/roster/{world.sites[1]}")
        assert_answer(role, "session.roster", gone, role in HTTP_EXPECTED["session.roster"])
        made = world.call(
            token,
            "POST",
            "/api/sites",
            {"name": f"Điểm cầu xã thử {role}", "level": "commune", "parent_id": world.sites[1]},
        )
        assert_answer(role, "site.create", made, role in HTTP_EXPECTED["site.create"])
        # Profiles: each role creates its own, and changes and deletes one of admin's.
        profile = {"name": {"vi": "Thử", "en": "Test"}, "summary": {"vi": "Thử", "en": "Test"}}
        mine = role.replace("_", "-")
        made = world.call(token, "POST", "/api/profiles", {"id": f"p-{mine}", **profile})
        assert_answer(role, "profile.create", made, role in HTTP_EXPECTED["profile.create"])
        target = world.call(world.admin, "POST", "/api/profiles", {"id": f"a-{mine}", **profile})
        assert target.status_code == 201, target.text
        changed = world.call(token, "PUT", f"/api/profiles/a-{mine}", {"name": profile["name"]})
        assert_answer(role, "profile.update", changed, role in HTTP_EXPECTED["profile.update"])
        gone = world.call(token, "DELETE", f"/api/profiles/a-{mine}")
        assert_answer(role, "profile.delete", gone, role in HTTP_EXPECTED["profile.delete"])
        # A session organised by someone else is another's, whatever the route.
        if role not in ("admin", "office", "other_organiser"):
            reply = world.call(token, "GET", f"/api/sessions/{other_id}")
            assert reply.status_code == 403, (role, reply.text)
        # Lists show only the sessions the role may see.
        listed = {s["id"] for s in world.call(token, "GET", "/api/sessions").json()["sessions"]}
        assert (session_id in listed) == (role in HTTP_EXPECTED["session.view"]), role
        assert (other_id in listed) == (role in {"admin", "office", "other_organiser"}), role
    # Admin-only: accounts.
    for role in ROLES[1:]:
        reply = world.call(
            world.tokens[role],
            "POST",
            "/api/accounts",
            {"username": f"x{role}", "password": PASSWORD, "role": "operator"},
        )
        assert_answer(role, "account.create", reply, False)
    # Without a token, or with a hall's join token, nothing but login.
    assert world.http.get("/api/sessions").status_code == 401
    # Every account may log out, and its token is then refused.
    for role in ROLES:
        assert world.call(world.tokens[role], "POST", "/api/logout").status_code == 200, role
        reply = world.call(world.tokens[role], "GET", "/api/sessions")
        assert reply.status_code == 401, role


async def _console(world: World, role: str, session_id: int) -> Any:
    ws = await websockets.connect(world.bridge.url.replace("http", "ws") + "/ws")
    await ws.send(
        json.dumps(
            {
                "type": "operator",
                "session_id": session_id,
                "token": world.tokens[role],
                "lang": "en",
                "id": "j",
            }
        )
    )
    first = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return ws, first


async def _answer(ws: Any, ref: str, wait: float = 0.6) -> dict[str, Any] | None:
    """The error that refers to ``ref``, if one comes within ``wait`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while (left := deadline - loop.time()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except (TimeoutError, websockets.ConnectionClosed):
            return None
        if message.get("type") == "error" and message.get("ref_id") == ref:
            return message
    return None


async def test_every_role_on_every_websocket_message(world: World) -> None:
    province = world.sites[1]
    messages = {
        "mute": {"site_id": province},
        "unmute": {"site_id": province},
        "show": {"site_id": province},
        "voice_activated": {"enabled": False},
        "lower_hand": {"site_id": province},
        "give_floor": {"site_id": province},
        "mute_all_except_host": {},
        "unmute_all": {},
        "remove": {"site_id": province},
        "record": {"on": False},  # issue 14: nothing changes, but who may is checked
    }
    for role in ROLES:
        session_id = world.session()
        ws, first = await _console(world, role, session_id)
        try:
            if role not in WS_EXPECTED["console.join"]:
                assert first["type"] == "error" and first["code"] == "forbidden", (role, first)
                await asyncio.wait_for(ws.wait_closed(), 5)
                assert ws.close_code == 4403
                continue
            assert first["type"] == "ready", (role, first)
            expected_actions = {a for a, who in WS_EXPECTED.items() if role in who}
            told = set(first["actions"])
            for action, message_type in (
                ("site.mute", "mute"),
                ("site.show", "show"),
                ("session.end", "end_session"),
            ):
                assert (action in told) == (message_type in expected_actions), (role, action)
            # Previews: allowed for every console, so a bad offer is the media's refusal.
            await ws.send(json.dumps({"type": "offer", "sdp": "v=0", "id": "offer"}))
            error = await _answer(ws, "offer", 3.0)
            assert error is not None and error["code"] == "invalid_sdp", (role, error)
            for kind, body in messages.items():
                await ws.send(json.dumps({"type": kind, "id": kind, **body}))
                error = await _answer(ws, kind)
                if role in WS_EXPECTED[kind]:
                    # Allowed: the policy lets it through (the domain may still refuse an
                    # offline site with its own code).
                    assert error is None or error["code"] != "forbidden", (role, kind, error)
                else:
                    assert error is not None and error["code"] == "forbidden", (role, kind)
            await ws.send(json.dumps({"type": "end_session", "id": "end"}))
            error = await _answer(ws, "end", 1.0)
            if role in WS_EXPECTED["end_session"]:
                assert error is None or error["code"] == "session_closed", (role, error)
            else:
                assert error is not None and error["code"] == "forbidden", role
        finally:
            await ws.close()


async def test_a_hall_may_send_only_its_own_messages(world: World, bridge: RunningBridge) -> None:
    link = next(iter(bridge.links.values()))
    session_id = int(link.split("/site/")[1].split("#")[0])
    token = link.split("#token=")[1]
    async with websockets.connect(bridge.url.replace("http", "ws") + "/ws") as ws:
        await ws.send(json.dumps({"type": "join", "session_id": session_id, "token": token}))
        assert json.loads(await ws.recv())["type"] == "joined"
        for kind in ("mute", "show", "give_floor", "remove", "end_session", "unmute_all", "record"):
            body = {} if kind in ("end_session", "unmute_all") else {"site_id": 1}
            body = {"on": True} if kind == "record" else body
            await ws.send(json.dumps({"type": kind, "id": kind, **body}))
            error = await _answer(ws, kind)
            assert error is not None and error["code"] == "forbidden", kind
        await ws.send(json.dumps({"type": "hand", "raised": True, "id": "hand"}))
        assert await _answer(ws, "hand") is None
    # A join token is not a login.
    reply = httpx.get(f"{bridge.url}/api/sessions", headers={"authorization": f"Bearer {token}"})
    assert reply.status_code == 401
