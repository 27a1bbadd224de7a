"""/openapi.json: every route of ``ROUTES`` with its method and action, its request body
the schema of the very model the route validates with, a valid OpenAPI 3.1 document,
served to anyone, with nobody's data in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from bridge.demo import ensure_demo
from bridge.signaling.api import ROUTES
from bridge.signaling.errors import HTTP_STATUS, ErrorCode, Problem
from bridge.signaling.openapi import REF_TEMPLATE, document, openapi_path
from bridge.store import Store

DOC = document(ROUTES)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].removeprefix("#/components/schemas/")
    return DOC["components"]["schemas"][name]  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOC["openapi"].startswith("3.1")
    validate(DOC)


def test_every_route_is_in_it_with_its_method_and_action() -> None:
    operations = {
        (method.upper(), path): op
        for path, methods in DOC["paths"].items()
        for method, op in methods.items()
    }
    assert set(operations) == {(r.method, openapi_path(r.path)) for r in ROUTES}
    for route in ROUTES:
        op = operations[route.method, openapi_path(route.path)]
        assert op["x-action"] == str(route.action)
        assert op["operationId"] == route.handler
        assert str(route.status) in op["responses"]
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        # A session's routes name theirs ``id``; a site's ``site_id``, a profile's
        # ``profile_id`` (a string of the catalogue's pattern).
        # Issue 13: a booking's ``booking_id``, a notification's ``notification_id``, a
        # notice's ``notice_id`` (after its session's).
        named = ("id", "site_id", "profile_id", "booking_id", "notification_id", "notice_id")
        named += ("recording_id",)  # issue 14: a recording's
        expected = [n for n in named if "{" + n + ":" in route.path]
        assert names == expected
        for p in op.get("parameters", []):
            if p["name"] == "profile_id":
                assert p["schema"]["type"] == "string" and p["schema"]["pattern"]


@pytest.mark.parametrize("route", [r for r in ROUTES if r.body is not None], ids=str)
def test_a_request_body_is_the_schema_of_the_model_the_route_validates_with(route) -> None:
    op = DOC["paths"][openapi_path(route.path)][route.method.lower()]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    expected = route.body.model_json_schema(ref_template=REF_TEMPLATE)
    expected.pop("$defs", None)
    assert schema == {"$ref": REF_TEMPLATE.format(model=route.body.__name__)}
    assert resolve(schema) == expected


def test_routes_without_a_body_declare_none_and_every_answer_has_a_schema() -> None:
    for route in ROUTES:
        op = DOC["paths"][openapi_path(route.path)][route.method.lower()]
        # D: a multipart form (a notice's document) is a body too.
        assert ("requestBody" in op) == (route.body is not None or route.form is not None)
        for status, response in op["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorReply"}
            elif route.media_type != "application/json":  # a file: the board's CSV
                assert response["content"] == {route.media_type: {"schema": {"type": "string"}}}
            else:
                schema = response["content"]["application/json"]["schema"]
                assert resolve(schema)["type"] == "object"


def test_a_query_word_is_documented_with_its_choices() -> None:
    op = DOC["paths"]["/api/sessions/{id}/readiness.csv"]["get"]
    assert {"name": "lang", "in": "query", "required": False,
            "schema": {"type": "string", "enum": ["vi", "en"]}} in op["parameters"]  # fmt: skip
    assert "422" in op["responses"]


def test_the_error_schema_lists_every_code_and_problem() -> None:
    detail = DOC["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["code", "message"]
    assert set(resolve(detail["properties"]["code"])["enum"]) == set(ErrorCode)
    assert set(resolve(detail["properties"]["problem"])["enum"]) == set(Problem)


def test_login_is_the_one_route_open_to_strangers() -> None:
    assert DOC["security"] == [{"bearer": []}]
    assert DOC["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    public = [
        (path, method)
        for path, methods in DOC["paths"].items()
        for method, op in methods.items()
        if op.get("security") == []
    ]
    assert public == [("/api/login", "post")]


def test_it_is_served_to_anyone_and_holds_no_data(tmp_path: Path) -> None:
    from bridge.settings import Settings
    from bridge.signaling.app import create_app

    store = Store(tmp_path / "b.sqlite3")
    seed = ensure_demo(store)
    assert seed is not None and seed.password
    app = create_app(Settings(database=tmp_path / "b.sqlite3"), store)
    with TestClient(app) as client:
        reply = client.get("/openapi.json")
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("application/json")
        assert reply.json() == DOC
    store.close()
    text = reply.text
    assert seed.password not in text and "Lào Cai" not in text


def test_docs_list_every_http_error_code_and_problem() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    for code in HTTP_STATUS:
        assert f"`{code}`" in doc, code
    for problem in Problem:
        assert f"`{problem}`" in doc, problem
    assert "/openapi.json" in doc


def test_the_app_serves_no_api_route_outside_the_table(tmp_path: Path) -> None:
    """So the document, built from the table, is the whole API."""
    from starlette.routing import Route

    from bridge.settings import Settings
    from bridge.signaling.app import create_app

    store = Store(tmp_path / "b.sqlite3")
    app = create_app(Settings(database=tmp_path / "b.sqlite3"), store)
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api")
        for method in route.methods or ()
        if method != "HEAD"
    }
    store.close()
    assert served == {(r.method, r.path) for r in ROUTES}


def test_a_notice_is_posted_as_a_multipart_form_with_a_binary_document() -> None:
    op = DOC["paths"]["/api/sessions/{id}/notices"]["post"]
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(schema["properties"]) == {"kind", "title", "body", "file"}
    assert schema["required"] == ["kind", "title"]
    assert schema["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": schema["properties"]["file"]["description"],
    }
    assert {"413", "415", "422", "409"} <= set(op["responses"])
    download = DOC["paths"]["/api/sessions/{id}/hall/notices/{notice_id}/file"]["get"]
    assert download["x-action"] == "site.notices"
    assert download["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string"}}
    }
