"""apidocs: `GET /openapi.json` (OpenAPI 3.1, built from every function's routes and models)
and `GET /docs` (Swagger UI reading it).
"""

from __future__ import annotations

import json
import pkgutil
from functools import cache

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

import functions
from functions.core.openapi import document, public_routers
from functions.core.routing import Params, Router

router = Router("apidocs")

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>chirp API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
</body></html>"""


def http_functions() -> list[str]:
    """Every function package but this one; those without HTTP routes add nothing."""
    return sorted(
        m.name for m in pkgutil.iter_modules(functions.__path__)
        if m.ispkg and m.name not in {"core", "local", "apidocs"}
    )  # fmt: skip


@cache
def openapi_json() -> bytes:
    return json.dumps(document(public_routers(http_functions())), indent=1).encode()


@router.route("GET", "/openapi.json", "This document", public=False)
async def spec(request: Request, params: Params) -> Response:
    return Response(openapi_json(), media_type="application/json")


@router.route("GET", "/docs", "Read the API in a browser", public=False)
async def docs(request: Request, params: Params) -> Response:
    return HTMLResponse(_PAGE)


@functions_framework.aio.http
async def apidocs(request: Request) -> Response:
    """The Knative Service entry point (FUNCTION_TARGET=apidocs)."""
    return await router(request)


if __name__ == "__main__":  # `task openapi` writes docs/openapi.json with this
    print(openapi_json().decode())
