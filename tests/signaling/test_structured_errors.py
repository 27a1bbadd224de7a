"""Every answer is structured: unknown routes and methods, an unexpected fault in an HTTP
route and in a WebSocket handler — a JSON error with a stable code, never plain text, and
the WebSocket connection carries on. In process, with the real app and a real SQLite file;
the fault is planted in the bridge's own store object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bridge.demo import ensure_demo
from bridge.settings import Settings
from bridge.signaling.app import create_app
from bridge.store import Store


@pytest.fixture
def client(tmp_path: Path):
    store = Store(tmp_path / "b.sqlite3")
    seed = ensure_demo(store)
    assert seed is not None and seed.password
    app = create_app(Settings(database=tmp_path / "b.sqlite3"), store)
    with TestClient(app, raise_server_exceptions=False) as c:
        token = c.post(
            "/api/login", json={"username": seed.operator, "password": seed.password}
        ).json()["token"]
        c.headers["authorization"] = f"Bearer {token}"
        c.store = store  # type: ignore[attr-defined]
        c.session_id = seed.session_id  # type: ignore[attr-defined]
        yield c
    store.close()


def test_an_unknown_route_is_a_json_not_found(client):
    reply = client.get("/api/nothing-here", headers={"accept-language": "en"})
    assert reply.status_code == 404
    assert reply.json()["error"] == {"code": "not_found", "message": "Not found."}


def test_a_wrong_method_is_a_json_method_not_allowed(client):
    reply = client.delete("/api/sessions")
    assert reply.status_code == 405
    assert reply.json()["error"]["code"] == "method_not_allowed"
    assert reply.json()["error"]["message"].startswith("Phương thức")


def test_an_unexpected_fault_in_a_route_is_a_json_internal_error(client, monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(client.store.sites, "list", broken)
    reply = client.get("/api/sites")
    assert reply.status_code == 500
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["error"]["code"] == "internal"
    assert "disk on fire" in caplog.text  # the trace is in the log, not in the answer
    assert "disk on fire" not in reply.text
    assert client.get("/api/sessions").status_code == 200  # and the bridge goes on


def test_an_unexpected_fault_in_a_websocket_handler_answers_internal_and_carries_on(
    client, monkeypatch
):
    from bridge.live import LiveSession

    def broken(self, command) -> None:
        raise RuntimeError("mixer on fire")

    token = client.headers["authorization"].split()[1]
    with client.websocket_connect("/ws") as ws:
        ws.send_text(
            json.dumps({"type": "operator", "session_id": client.session_id, "token": token})
        )
        assert ws.receive_json()["type"] == "ready"
        monkeypatch.setattr(LiveSession, "command", broken)
        ws.send_text(json.dumps({"type": "mute", "site_id": 2, "id": "m1"}))
        while (message := ws.receive_json())["type"] != "error":
            pass
        assert message["code"] == "internal" and message["ref_id"] == "m1"
        ws.send_text(json.dumps({"type": "ping", "id": "p"}))
        while (message := ws.receive_json())["type"] != "pong":
            pass
        assert message["ref_id"] == "p"
