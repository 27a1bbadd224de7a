"""`bridge serve`, the HTTP API and the CLI, as an operator and a script would use them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx

from endpoints.session import SiteClient
from tests.conftest import ROOT, start_bridge


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_first_start_prints_everything_and_a_restart_keeps_the_data(tmp_path):
    database = tmp_path / "var" / "bridge.sqlite3"
    first = start_bridge(database)
    try:
        text = "\n".join(first.output)
        assert f"{first.url}/console" in text
        assert f"{first.url}/office" in text
        assert first.password and len(first.password) >= 12
        assert len(first.links) == 4 and "Hội trường Trung ương" in first.links
        old_link = first.links["Điểm cầu tỉnh Lào Cai"]
    finally:
        assert first.stop() == 0, "Ctrl-C did not stop the bridge cleanly"

    second = start_bridge(database)
    try:
        assert second.password is None  # stored hashed: it cannot be printed again
        assert "bridge operator set-password admin" in "\n".join(second.output)
        token = second.login(first.password)
        sessions = httpx.get(f"{second.url}/api/sessions", headers=auth(token)).json()
        assert [s["id"] for s in sessions["sessions"]] == [1]  # no second demo
        site = SiteClient(old_link.replace(str(first.port), str(second.port)))
        try:
            joined = await site.join()
            assert joined["site"]["name"] == "Điểm cầu tỉnh Lào Cai"
        finally:
            await site.close()
    finally:
        assert second.stop() == 0


def test_api_creates_sites_and_sessions_and_issues_working_links(bridge):
    url = bridge.url
    assert httpx.get(f"{url}/api/sites").json()["error"]["code"] == "unauthorized"
    wrong = httpx.post(f"{url}/api/login", json={"username": "admin", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_credentials"
    bad = httpx.get(f"{url}/api/sites", headers=auth("forged"))
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "login_invalid"

    h = auth(bridge.login())
    province = httpx.post(
        f"{url}/api/sites",
        headers=h,
        json={"name": "Điểm cầu tỉnh Sơn La", "level": "province", "parent_id": 1},
    )
    assert province.status_code == 201
    pid = province.json()["site"]["id"]
    commune = httpx.post(
        f"{url}/api/sites",
        headers=h,
        json={"name": "Xã Mường La", "level": "commune", "parent_id": pid},
    ).json()
    session = httpx.post(
        f"{url}/api/sessions",
        headers=h,
        json={
            "title": "Giao ban tháng 11",
            "host_site_id": 1,
            "roster": [1, pid, commune["site"]["id"]],
            "state": "open",
        },
    ).json()["session"]
    assert session["roster"] == [1, pid, commune["site"]["id"]]
    links = httpx.post(f"{url}/api/sessions/{session['id']}/links", headers=h, json={}).json()
    assert [link["site_id"] for link in links["links"]] == session["roster"]
    assert all(f"/site/{session['id']}#token=" in link["url"] for link in links["links"])
    live = httpx.get(f"{url}/api/sessions/{session['id']}/live", headers=h).json()
    assert [s["state"] for s in live["sites"]] == ["offline"] * 3

    invalid = httpx.post(
        f"{url}/api/sites",
        headers={**h, "Accept-Language": "en"},
        json={"name": "X", "level": "galaxy"},
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"] == {
        "code": "invalid_input",
        "message": "Field “level” must be one of: central, province, district, commune.",
        "field": "level",
        "problem": "not_allowed",
    }
    extra = httpx.post(
        f"{url}/api/sites", headers=h, json={"name": "X", "level": "commune", "colour": 1}
    )
    assert extra.json()["error"]["code"] == "invalid_input"
    hierarchy = httpx.post(
        f"{url}/api/sites",
        headers=h,
        json={"name": "Tỉnh dưới xã", "level": "province", "parent_id": commune["site"]["id"]},
    )
    assert hierarchy.status_code == 422
    missing = httpx.get(f"{url}/api/sessions/999", headers=h)
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "Không tìm thấy."
    garbage = httpx.post(f"{url}/api/sites", headers=h, content=b"{not json")
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "invalid_json"
    huge = httpx.post(f"{url}/api/sites", headers=h, content=b" " * 200_000)
    assert huge.status_code == 413

    httpx.post(f"{url}/api/logout", headers=h).raise_for_status()
    assert httpx.get(f"{url}/api/sites", headers=h).status_code == 401


def test_pages_are_served_with_a_strict_content_security_policy(bridge):
    for path in ("/console", "/site/1", "/api/sites", "/static/css/common.css"):
        response = httpx.get(bridge.url + path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, path
        assert response.headers["x-frame-options"] == "DENY"
    assert httpx.get(bridge.url + "/site/1").text.lstrip().lower().startswith("<!doctype html")
    # Plain HTTP sends no HSTS; behind a reverse proxy on loopback that says the hall used
    # https, it does (docs/deployment.md).
    assert "strict-transport-security" not in httpx.get(bridge.url + "/site/1").headers
    proxied = httpx.get(bridge.url + "/site/1", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["strict-transport-security"] == "max-age=31536000"


def bridge_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_scripts_sites_sessions_links_and_operators_with_json(tmp_path):
    db = str(tmp_path / "cli.sqlite3")
    central = json.loads(
        bridge_cli(
            "site", "create", "Trung ương", "--level", "central", "--db", db, "--json"
        ).stdout
    )["site"]
    province = json.loads(
        bridge_cli(
            "site",
            "create",
            "Tỉnh Điện Biên",
            "--level",
            "province",
            "--parent",
            str(central["id"]),
            "--db",
            db,
            "--json",
        ).stdout
    )["site"]
    session = json.loads(
        bridge_cli(
            "session",
            "create",
            "Giao ban quý IV",
            "--host",
            str(central["id"]),
            "--roster",
            f"{central['id']},{province['id']}",
            "--open",
            "--db",
            db,
            "--json",
        ).stdout
    )["session"]
    assert session["state"] == "open" and session["roster"] == [central["id"], province["id"]]
    links = json.loads(
        bridge_cli(
            "session",
            "links",
            str(session["id"]),
            "--db",
            db,
            "--json",
            "--public-url",
            "https://cau.example.gov.vn",
        ).stdout
    )["links"]
    assert [link["site_name"] for link in links] == ["Trung ương", "Tỉnh Điện Biên"]
    assert links[0]["url"].startswith(f"https://cau.example.gov.vn/site/{session['id']}#token=")
    made = bridge_cli(
        "operator",
        "create",
        "vanthu",
        "--password-stdin",
        "--db",
        db,
        "--json",
        stdin="mat-khau-du-dai\n",
    )
    assert json.loads(made.stdout)["operator"]["role"] == "operator"
    dup = bridge_cli(
        "operator", "create", "vanthu", "--password-stdin", "--db", db, stdin="x" * 9 + "\n"
    )
    assert dup.returncode == 1 and "conflict" in dup.stderr
    bad = bridge_cli("session", "create", "X", "--host", "999", "--db", db)
    assert bad.returncode == 1 and bad.stderr.startswith("bridge: error:")


async def test_a_session_closed_from_the_command_line_ends_for_the_joined_sites(bridge):
    site = SiteClient(bridge.links["Điểm cầu tỉnh Lào Cai"])
    try:
        await site.join()
        closed = bridge_cli("session", "close", "1", "--db", str(bridge.database), "--json")
        assert closed.returncode == 0, closed.stderr
        # The running server notices the store's change and ends the live session.
        assert await site.wait_until_ended(timeout=6) in ("session_closed", "disconnected")
        # The error frame and the close follow the session's state change.
        await asyncio.wait_for(site.channel.closed.wait(), 5)
        assert site.closed_error().code == "session_closed"
    finally:
        await site.close()


async def test_logs_are_quiet_by_default_and_say_more_at_debug(tmp_path):
    """A join, a page and its static files leave no line per request or ICE check; with
    ``--log-level debug`` both appear."""

    async def use(running) -> None:
        for path in ("/site/1", "/static/css/common.css"):
            httpx.get(running.url + path).raise_for_status()
        site = SiteClient(running.links["Điểm cầu tỉnh Lào Cai"])
        try:
            await site.join()
            await site.start_media()
            await asyncio.sleep(1.0)
        finally:
            await site.close()
        await asyncio.sleep(0.5)

    quiet = start_bridge(tmp_path / "quiet" / "bridge.sqlite3")
    try:
        await use(quiet)
    finally:
        assert quiet.stop() == 0
    noisy_words = ("GET /", "aioice", "Uvicorn running")
    assert [line for line in quiet.output if any(w in line for w in noisy_words)] == []

    loud = start_bridge(tmp_path / "loud" / "bridge.sqlite3", None, "--log-level", "debug")
    try:
        await use(loud)
    finally:
        assert loud.stop() == 0
    text = "\n".join(loud.output)
    assert "GET /static/css/common.css" in text and "aioice" in text
