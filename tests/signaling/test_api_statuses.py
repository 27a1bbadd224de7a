"""The HTTP API's statuses and error bodies, route by route: 404 for what does not exist,
409 for a state or a name that refuses, 422 naming the field and the problem, 401/403 for
who is calling; messages in the caller's language, the bridge's default otherwise. In
process, with the real app and a real SQLite file of this test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bridge.demo import ensure_demo
from bridge.settings import Settings
from bridge.signaling.app import create_app
from bridge.store import Store


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path, "vi")


def _client(tmp_path: Path, default_lang: str) -> Iterator[TestClient]:
    store = Store(tmp_path / "b.sqlite3")
    seed = ensure_demo(store)
    assert seed is not None and seed.password
    settings = Settings(database=tmp_path / "b.sqlite3", default_lang=default_lang)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as c:
        token = c.post(
            "/api/login", json={"username": seed.operator, "password": seed.password}
        ).json()["token"]
        c.headers["authorization"] = f"Bearer {token}"
        c.session_id = seed.session_id  # type: ignore[attr-defined]
        yield c
    store.close()


def error_of(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    return reply.json()["error"]  # type: ignore[no-any-return]


EN = {"accept-language": "en"}


def test_an_unknown_session_is_404_on_every_session_route(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/sessions/999"),
        ("GET", "/api/sessions/999/live"),
        ("GET", "/api/sessions/999/audit"),
        ("POST", "/api/sessions/999/open"),
        ("POST", "/api/sessions/999/close"),
        ("POST", "/api/sessions/999/links"),
        ("POST", "/api/sessions/999/staff"),
    ]:
        body = {"account_id": 1, "duty": None} if path.endswith("staff") else {}
        error = error_of(client.request(method, path, json=body, headers=EN), 404)
        assert error["code"] == "not_found" and error["message"] == "Not found.", path


def test_unknown_routes_anywhere_answer_json(client: TestClient) -> None:
    for path in ("/api/nothing", "/nothing", "/static/nothing.js", "/api/sessions/abc"):
        assert error_of(client.get(path), 404)["code"] == "not_found", path
    assert error_of(client.put("/api/sites"), 405)["code"] == "method_not_allowed"


def test_a_closed_session_is_a_409_to_reopen_and_to_issue_links(client: TestClient) -> None:
    sid = client.session_id  # type: ignore[attr-defined]
    assert client.post(f"/api/sessions/{sid}/close").status_code == 200
    assert client.post(f"/api/sessions/{sid}/close").status_code == 200  # said twice: fine
    reopen = error_of(client.post(f"/api/sessions/{sid}/open", headers=EN), 409)
    assert reopen == {"code": "session_closed", "message": "The session has ended."}
    links = error_of(client.post(f"/api/sessions/{sid}/links", json={}), 409)
    assert links["code"] == "session_closed" and links["message"] == "Phiên họp đã kết thúc."
    assert client.get(f"/api/sessions/{sid}").json()["session"]["state"] == "closed"


def test_names_in_use_are_409_naming_the_field(client: TestClient) -> None:
    site = {"name": "Điểm cầu tỉnh Lào Cai", "level": "province", "parent_id": 1}
    taken = error_of(client.post("/api/sites", json=site, headers=EN), 409)
    assert taken == {
        "code": "conflict",
        "message": "Field “name” is already taken.",
        "field": "name",
        "problem": "taken",
    }
    account = {"username": "ADMIN", "password": "long enough", "role": "observer"}
    taken = error_of(client.post("/api/accounts", json=account), 409)
    assert (taken["field"], taken["problem"]) == ("username", "taken")
    assert taken["message"] == "Trường «username» đã được dùng."


@pytest.mark.parametrize(
    ("path", "body", "field", "problem"),
    [
        ("/api/sessions", {"title": "T", "host_site_id": 1, "roster": [2, 3, 2]},
         "roster[2]", "duplicate"),
        ("/api/sessions", {"title": "T", "host_site_id": 1, "roster": [1, 77]},
         "roster[1]", "not_found"),
        ("/api/sessions", {"title": "T", "host_site_id": 77}, "host_site_id", "not_found"),
        ("/api/sessions", {"title": "   ", "host_site_id": 1}, "title", "blank"),
        ("/api/sessions", {"title": "T", "host_site_id": "1"}, "host_site_id", "wrong_type"),
        ("/api/sites", {"name": "Tỉnh", "level": "province", "parent_id": 2}, "parent_id",
         "wrong_level"),
        ("/api/sites", {"name": "Xã", "level": "commune", "parent_id": 77}, "parent_id",
         "not_found"),
        ("/api/sites", {"name": " ", "level": "commune"}, "name", "blank"),
        ("/api/accounts", {"username": " ", "password": "long enough"}, "username", "blank"),
        ("/api/accounts", {"username": "u", "password": "long enough", "role": "king"},
         "role", "not_allowed"),
        ("/api/sessions/1/staff", {"account_id": 77, "duty": "operator"}, "account_id",
         "not_found"),
        ("/api/sessions/1/links", {"valid_hours": -1}, "valid_hours", "too_small"),
        ("/api/login", {"username": "admin"}, "password", "missing"),
    ],
)  # fmt: skip
def test_a_wrong_field_is_422_naming_it_and_the_problem(
    client: TestClient, path: str, body: dict[str, Any], field: str, problem: str
) -> None:
    error = error_of(client.post(path, json=body, headers=EN), 422)
    assert (error["code"], error["field"], error["problem"]) == ("invalid_input", field, problem)
    assert error["message"].startswith(f"Field “{field}” "), error


def test_a_wrong_query_parameter_is_422_naming_it(client: TestClient) -> None:
    for after, problem in (("x", "wrong_type"), ("²", "wrong_type"), ("9" * 30, "too_large")):
        reply = client.get("/api/sessions/1/audit", params={"after": after})
        error = error_of(reply, 422)
        assert (error["field"], error["problem"]) == ("after", problem)
    assert client.get("/api/sessions/1/audit", params={"after": "0"}).status_code == 200


def test_a_malformed_content_length_is_refused_not_a_fault(client: TestClient) -> None:
    for declared in ("²".encode("latin-1"), b"9" * 5000):
        reply = client.post("/api/sites", content=b"{}", headers={"content-length": declared})
        assert 400 <= reply.status_code < 500, (declared, reply.text)


def test_who_is_calling_comes_before_what_is_sent(client: TestClient) -> None:
    stranger = {"authorization": "", **EN}
    error = error_of(client.post("/api/sites", content=b"{nonsense", headers=stranger), 401)
    assert error == {"code": "unauthorized", "message": "Login required."}
    bad = error_of(client.get("/api/sites", headers={"authorization": "Bearer nope"}), 401)
    assert bad["code"] == "login_invalid"
    token = client.post("/api/login", json={"username": "admin", "password": "x"})
    assert error_of(token, 401)["code"] == "invalid_credentials"


def test_a_role_that_may_not_is_403(client: TestClient) -> None:
    account = {"username": "obs", "password": "long enough", "role": "observer"}
    assert client.post("/api/accounts", json=account).status_code == 201
    login = client.post("/api/login", json={"username": "obs", "password": "long enough"})
    observer = {"authorization": f"Bearer {login.json()['token']}"}
    error = error_of(client.get("/api/accounts", headers=observer), 403)
    assert error["code"] == "forbidden"


def test_the_default_language_comes_from_the_settings(tmp_path: Path) -> None:
    for c in _client(tmp_path, "en"):
        error = error_of(c.post("/api/sites", json={"level": "commune"}), 422)
        assert error["message"] == "Field “name” is missing."
        vi = c.post("/api/sites", json={"level": "commune"}, headers={"accept-language": "vi"})
        assert error_of(vi, 422)["message"] == "Trường «name» bị thiếu."
