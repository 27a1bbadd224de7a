"""The OpenAPI 3.1 document of the HTTP API, built from ``api.ROUTES``: each row's path and
method, its permission action (``x-action``), the pydantic model its body is validated
with, the shape it answers and the errors it can give. Pure: routes in, a dictionary out.

Schemas come from pydantic (``TypeAdapter.json_schemas``), request models in validation
mode and answers in serialization mode, all under ``#/components/schemas``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from bridge.permissions import Action
from bridge.profiles.schema import CatalogueProfile
from bridge.signaling.errors import HTTP_STATUS
from bridge.signaling.schemas import ErrorReply

if TYPE_CHECKING:
    from bridge.signaling.api import ApiRoute

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR = "ErrorReply"
MAX_ID = 2**53
PROFILE_ID_PATTERN: str = CatalogueProfile.model_fields["id"].metadata[0].pattern

# Which error codes each status can carry, for the descriptions.
_STATUS_TEXT: dict[int, str] = {
    400: "The body is not a JSON object (`invalid_json`)",
    401: "No valid login token (`unauthorized`, `login_invalid`, `login_expired`)",
    403: "The caller's role may not take this action (`forbidden`)",
    404: "No such session, site or profile (`not_found`)",
    409: "The resource's state or a name in use refuses it (`session_closed`, `conflict`, "
    "`booking_state`)",
    413: "The body is over 64 KiB (`message_too_large`)",
    422: "A field is wrong: `field` names it, `problem` says how (`invalid_input`, "
    "`lead_time`, `reason_required`)",
    429: "Too many failed logins (`too_many_attempts`)",
    # D (issue 13): a notice's document.
    415: "The document is not a PDF or office file, by its content and name "
    "(`unsupported_file_type`)",
}
_SUCCESS_TEXT = {200: "Done", 201: "Created"}


def openapi_path(path: str) -> str:
    """Starlette's ``/api/sessions/{id:int}`` → OpenAPI's ``/api/sessions/{id}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def path_parameters(path: str) -> list[str]:
    return re.findall(r"\{(\w+)(?::\w+)?\}", path)


def _parameter_schema(path: str, name: str) -> dict[str, Any]:
    """An ``{x:int}`` parameter is an id; an ``{x:str}`` one a profile's id."""
    match = re.search(r"\{" + name + r"(?::(\w+))?\}", path)
    if match and match.group(1) == "str":
        return {"type": "string", "pattern": PROFILE_ID_PATTERN}
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def error_statuses(route: ApiRoute) -> list[int]:
    """Every error status the route can answer (5xx aside: those are faults)."""
    statuses = set()
    if route.action is Action.LOGIN:
        statuses |= {401, 429}
    else:
        statuses |= {401, 403}
    if path_parameters(route.path):
        statuses.add(404)
    if route.body is not None:
        statuses |= {400, 413, 422}
    if route.query or route.choices or route.dates or route.patterns:
        statuses.add(422)
    if route.conflicts:
        statuses.add(409)
    if route.form is not None:  # D: a multipart form with a document
        statuses |= {413, 415, 422}
    return sorted(statuses)


def _schemas(routes: Sequence[ApiRoute]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON schema of every body model and answer shape, and the definitions."""
    inputs: list[tuple[str, JsonSchemaMode, TypeAdapter[Any]]] = [
        ("error", "serialization", TypeAdapter(ErrorReply))
    ]
    for route in routes:
        if route.body is not None:
            inputs.append((f"body {route.handler}", "validation", TypeAdapter(route.body)))
        if route.media_type == "application/json":
            inputs.append((f"reply {route.handler}", "serialization", TypeAdapter(route.reply)))
    by_key, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF_TEMPLATE)
    return {key: schema for (key, _mode), schema in by_key.items()}, definitions.get("$defs", {})


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _success(route: ApiRoute, schemas: dict[str, Any]) -> dict[str, Any]:
    description = _SUCCESS_TEXT.get(route.status, "Done")
    if route.media_type != "application/json":  # a file: text of that type
        return {
            "description": description,
            "content": {route.media_type: {"schema": {"type": "string"}}},
        }
    return _json(schemas[f"reply {route.handler}"], description)


def _operation(route: ApiRoute, schemas: dict[str, Any]) -> dict[str, Any]:
    error = {"$ref": REF_TEMPLATE.format(model=ERROR)}
    operation: dict[str, Any] = {
        "operationId": route.handler,
        "summary": route.summary or route.handler,
        "x-action": str(route.action),
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _parameter_schema(route.path, name),
            }
            for name in path_parameters(route.path)
        ]
        + [
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
            }
            for name in route.query
        ]
        + [
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": list(words)},
            }
            for name, words in route.choices
        ]
        + [  # issue 13 B: days
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date"},
            }
            for name in route.dates
        ]
        + [  # issue 14: text of a pattern (a quarter)
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "pattern": f"^{pattern}$"},
            }
            for name, pattern in route.patterns
        ],
        "responses": {
            str(route.status): _success(route, schemas),
            **{str(status): _json(error, _STATUS_TEXT[status]) for status in error_statuses(route)},
        },
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas[f"body {route.handler}"]}},
        }
    if route.form is not None:  # D: multipart/form-data, its document a binary part
        schema = route.form.model_json_schema()
        schema.pop("title", None)
        schema["properties"]["file"] = {
            "type": "string",
            "format": "binary",
            "description": "The document (PDF, DOC/DOCX, XLS/XLSX, PPT/PPTX, ODT/ODS/ODP)",
        }
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
        operation["responses"]["413"]["description"] = (
            "The document is over the size limit (`file_too_large`, `field`: file)"
        )
    if route.action is Action.LOGIN:
        operation["security"] = []  # the one route a stranger may call
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def document(routes: Iterable[ApiRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``. It names no server: paths are relative to
    wherever the document was read from, whichever address that was."""
    routes = list(routes)
    schemas, definitions = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(openapi_path(route.path), {})[route.method.lower()] = _operation(
            route, schemas
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bridge HTTP API",
            "version": "1",
            "description": (
                "Sessions, sites, accounts, join links and the audit log of a bridge. "
                "Errors are `{error: {code, message, field?, problem?}}`; messages follow "
                "`Accept-Language` (vi, en). Codes: "
                + ", ".join(f"`{code}` ({status})" for code, status in HTTP_STATUS.items())
                + ". See docs/api.md."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token from POST /api/login, as "
                    "`Authorization: Bearer <token>`",
                }
            },
        },
        "security": [{"bearer": []}],
    }
