"""Hardware profiles through a real bridge's HTTP API: create, copy, edit, delete; every
field's bad value refused naming the field (vi and en); a province's profile and lock
inherited by a commune below, with each value's source named; the audit log."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest

from bridge.profiles.schema import field_paths
from tests.conftest import RunningBridge

NAME = {"vi": "Hội trường tỉnh", "en": "Provincial hall"}
SUMMARY = {"vi": "Micrô trần, loa hội trường", "en": "Ceiling array, PA"}


@pytest.fixture
def api(bridge: RunningBridge) -> httpx.Client:
    token = bridge.login()
    return httpx.Client(
        base_url=bridge.url,
        headers={"authorization": f"Bearer {token}", "accept-language": "en"},
        timeout=10,
    )


def ok(reply: httpx.Response, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    return reply.json()


def site(api: httpx.Client, name: str, level: str, parent: int | None) -> int:
    body = {"name": name, "level": level, "parent_id": parent}
    return int(ok(api.post("/api/sites", json=body), 201)["site"]["id"])


def test_create_copy_edit_delete(api: httpx.Client, bridge: RunningBridge) -> None:
    listed = ok(api.get("/api/profiles"))["profiles"]
    assert [p["id"] for p in listed][:4] == ["laptop", "large-hall", "meeting-room", "tv-webcam"]
    assert all(p["builtin"] for p in listed)
    made = ok(
        api.post(
            "/api/profiles",
            json={"id": "tinh", "name": NAME, "summary": SUMMARY,
                  "profile": {"microphone": {"gain_db": 4}}},
        ),
        201,
    )["profile"]  # fmt: skip
    assert made["profile"]["microphone"]["gain_db"] == 4 and not made["builtin"]
    assert made["updated_by"] == "account:admin"
    clash = api.post("/api/profiles", json={"id": "laptop", "name": NAME, "summary": SUMMARY})
    assert clash.status_code == 409 and clash.json()["error"]["field"] == "id"
    missing = api.post("/api/profiles", json={"id": "x"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "name"

    copy = ok(api.post("/api/profiles", json={"id": "sao", "copy_of": "large-hall"}), 201)
    assert copy["profile"]["copied_from"] == "large-hall"
    no_source = api.post("/api/profiles", json={"id": "y", "copy_of": "nope"})
    assert no_source.status_code == 422 and no_source.json()["error"]["field"] == "copy_of"

    edited = ok(api.put("/api/profiles/sao", json={"profile": {"display": {"layout": "grid"}}}))[
        "profile"
    ]
    assert edited["profile"]["display"]["layout"] == "grid"
    assert ok(api.get("/api/profiles/sao"))["profile"] == edited
    built_in = api.put("/api/profiles/laptop", json={"name": NAME})
    assert built_in.status_code == 409
    assert built_in.json()["error"]["problem"] == "built_in"
    assert api.get("/api/profiles/nope").status_code == 404
    assert api.put("/api/profiles/nope", json={}).status_code == 404

    assert ok(api.delete("/api/profiles/sao")) == {"ok": True}
    assert api.delete("/api/profiles/sao").status_code == 404
    assert api.delete("/api/profiles/laptop").status_code == 409

    # Each change is in the audit log, as sites and accounts are (no session).
    with sqlite3.connect(bridge.database) as raw:
        rows = raw.execute("SELECT session_id, by, action FROM audit").fetchall()
    actions = [(s, by, a) for s, by, a in rows if "profile" in a]
    assert actions == [
        (None, "account:admin", "create_profile"),
        (None, "account:admin", "copy_profile"),
        (None, "account:admin", "update_profile"),
        (None, "account:admin", "delete_profile"),
    ]


def test_every_field_with_a_bad_value_is_refused_naming_it(api: httpx.Client) -> None:
    paths = field_paths()
    assert len(paths) == 21
    for path in paths:
        section, name = path.split(".")
        body = {"id": "x", "name": NAME, "summary": SUMMARY, "profile": {section: {name: "x"}}}
        reply = api.post("/api/profiles", json=body)
        assert reply.status_code == 422, (path, reply.text)
        error = reply.json()["error"]
        assert error["field"] == f"profile.{path}", (path, error)
        assert f"“profile.{path}”" in error["message"], error
        # The same field on a site's own override, in Vietnamese.
        reply = api.put(
            "/api/sites/1/profile",
            json={"fields": {section: {name: "x"}}},
            headers={"accept-language": "vi"},
        )
        assert reply.status_code == 422, (path, reply.text)
        error = reply.json()["error"]
        assert error["field"] == f"fields.{path}" and f"«fields.{path}»" in error["message"]
    too_loud = api.post(
        "/api/profiles",
        json={"id": "x", "name": NAME, "summary": SUMMARY,
              "profile": {"microphone": {"gain_db": 21}}},
    )  # fmt: skip
    assert (
        too_loud.json()["error"]["message"]
        == "Field “profile.microphone.gain_db” must be at most 20."
    )
    unknown = api.post("/api/profiles", json={"id": "x", "profile": {"speaker": {"bass": 1}}})
    assert unknown.json()["error"] == {
        "code": "invalid_input",
        "field": "profile.speaker.bass",
        "problem": "unknown_field",
        "message": "Field “profile.speaker.bass” is not a known field.",
    }


def test_a_province_lock_reaches_a_commune_below_with_sources_named(
    api: httpx.Client, bridge: RunningBridge
) -> None:
    central = site(api, "Trung ương thử", "central", None)
    province = site(api, "Lào Cai thử", "province", central)
    commune = site(api, "Tả Van", "commune", province)
    loud = {"microphone": {"gain_db": 6}}
    ok(
        api.post(
            "/api/profiles", json={"id": "tinh", "name": NAME, "summary": SUMMARY, "profile": loud}
        ),
        201,
    )
    given = ok(
        api.put(
            f"/api/sites/{province}/profile",
            json={"profile_id": "tinh", "locked": ["microphone.gain_db", "speaker"]},
        )
    )
    assert given["assignment"]["locked"] == ["microphone.gain_db", "speaker"]
    below = ok(
        api.put(
            f"/api/sites/{commune}/profile",
            json={"profile_id": "laptop", "fields": {"microphone": {"gain_db": -5}}},
        )
    )
    gain = below["effective"]["fields"]["microphone.gain_db"]
    assert gain["value"] == 6
    assert gain["source"] == {
        "level": "province", "site_id": province, "site_name": "Lào Cai thử", "profile_id": "tinh",
    }  # fmt: skip
    assert gain["locked_by"] == {
        "level": "province", "site_id": province, "site_name": "Lào Cai thử", "profile_id": None,
    }  # fmt: skip
    assert [
        (i["source"]["site_id"], i["source"]["profile_id"], i["value"]) for i in gain["ignored"]
    ] == [
        (commune, "laptop", 0),
        (commune, None, -5),
    ]
    layout = below["effective"]["fields"]["display.layout"]
    assert layout["value"] == "full" and layout["source"]["profile_id"] == "laptop"
    assert below["effective"]["profile"]["microphone"]["gain_db"] == 6
    assert ok(api.get(f"/api/sites/{commune}/profile")) == below

    # Refusals name the field; a profile in use is not deleted.
    bad_lock = api.put(f"/api/sites/{province}/profile", json={"locked": ["speaker", "nope"]})
    assert bad_lock.status_code == 422 and bad_lock.json()["error"]["field"] == "locked[1]"
    no_profile = api.put(f"/api/sites/{province}/profile", json={"profile_id": "nope"})
    assert no_profile.status_code == 422 and no_profile.json()["error"]["field"] == "profile_id"
    assert api.get("/api/sites/99999/profile").status_code == 404
    in_use = api.delete("/api/profiles/tinh")
    assert in_use.status_code == 409 and "Lào Cai thử" in in_use.json()["error"]["message"]

    # A session's profiles screen: every roster site, effective values and last report.
    session = ok(
        api.post("/api/sessions", json={"title": "Hồ sơ", "host_site_id": province,
                                        "roster": [province, commune]}), 201,
    )["session"]  # fmt: skip
    screen = ok(api.get(f"/api/sessions/{session['id']}/profiles"))
    assert [s["site"]["id"] for s in screen["sites"]] == [province, commune]
    assert screen["sites"][1]["effective"] == below["effective"]
    assert all(s["report"] is None for s in screen["sites"])

    # Unassigning the province frees the commune's own value.
    freed = ok(api.delete(f"/api/sites/{province}/profile"))
    assert freed["assignment"] is None
    after = ok(api.get(f"/api/sites/{commune}/profile"))["effective"]["fields"]
    assert (
        after["microphone.gain_db"]["value"] == -5
        and after["microphone.gain_db"]["locked_by"] is None
    )
    with sqlite3.connect(bridge.database) as raw:
        actions = [a for (a,) in raw.execute("SELECT action FROM audit") if "assign" in a]
    assert actions == ["assign_profile", "assign_profile", "unassign_profile"]
