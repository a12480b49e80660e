"""The OpenAPI 3.1 document of the public API, built from the routes and their pydantic models.

Every public route declares an Operation (functions/core/routing.py); this turns them into
paths, and the models into components, so the document cannot drift from the code it
describes. Errors are RFC 9457 problems, documented once as every operation's `default`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from functions.core.routing import Operation, Route, Router

REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"\{([a-z_]+)\}")

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem: what went wrong, for a person and for a program.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
_PROBLEM = {
    "description": "A problem (4xx: the request; 5xx: chirp)",
    "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
}
_UPLOAD = {
    "required": True,
    "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}


def public_routers(names: Iterable[str]) -> list[Router]:
    """The Router of each named HTTP function (functions.<name>.main.router)."""
    routers = []
    for name in names:
        router = getattr(importlib.import_module(f"functions.{name}.main"), "router", None)
        if isinstance(router, Router):
            routers.append(router)
    return routers


def document(routers: Iterable[Router], version: str = "1.0.0") -> dict[str, Any]:
    routes = [(r, route) for r in routers for route in r.routes if route.operation.public]
    models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for _, route in routes:
        op = route.operation
        if op.body is not None:
            models[(op.body, "validation")] = None
        if op.response is not None:
            models[(op.response, "serialization")] = None
    keys, schemas = models_json_schema(list(models), ref_template=REF)
    components: dict[str, Any] = dict(schemas.get("$defs", {}))
    components["Problem"] = PROBLEM_SCHEMA

    paths: dict[str, dict[str, Any]] = {}
    for router, route in sorted(routes, key=lambda item: (item[1].template, item[1].method)):
        paths.setdefault(route.template, {})[route.method.lower()] = _operation(
            router.name, route, keys
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "chirp",
            "version": version,
            "description": "A Twitter-style social network. Ids are decimal strings; times are "
            "ISO 8601 UTC; errors are RFC 9457 problems (application/problem+json).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _operation(service: str, route: Route, keys: dict[Any, Any]) -> dict[str, Any]:
    op: Operation = route.operation
    out: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": op.summary,
        "tags": [service],
        "parameters": _path_parameters(route.template) + _query_parameters(op),
    }
    if op.auth == "required":
        out["security"] = [{"bearer": []}]
    elif op.auth == "optional":
        out["security"] = [{"bearer": []}, {}]
    else:
        out["security"] = []
    if op.body_kind == "upload":
        out["requestBody"] = _UPLOAD
    elif op.body is not None:
        schema = keys[(op.body, "validation")]
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    out["responses"] = {str(op.status): _success(op, keys), "default": _PROBLEM}
    return out


def _operation_id(route: Route) -> str:
    """`DELETE /tweets/{id}/like` → `delete_tweets_id_like`: unique, and stable across releases."""
    words = re.findall(r"[a-z0-9]+", route.template.lower())
    return "_".join([route.method.lower(), *words])


def _success(op: Operation, keys: dict[Any, Any]) -> dict[str, Any]:
    if op.response_kind == "empty":
        return {"description": "Done"}
    if op.response_kind == "bytes":
        return {
            "description": "The bytes, with their content type; 206 for a Range request",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    assert op.response is not None, f"{op.summary}: a JSON response needs its model"
    schema = keys[(op.response, "serialization")]
    return {"description": op.summary, "content": {"application/json": {"schema": schema}}}


def _path_parameters(template: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(template)
    ]


def _query_parameters(op: Operation) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    schema = op.query.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]
