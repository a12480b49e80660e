"""Turn a function package into the ASGI app functions-framework builds for it.

`functions.<name>.main` defines an `@functions_framework.aio` function named `<name>`;
this imports it as a normal module (so several functions can share one process locally) and
lets functions-framework wrap it exactly as it would in its own container.
"""

from __future__ import annotations

import importlib
from typing import Any

from functions_framework.aio import create_asgi_app_from_module

from functions.core.problems import Problem

ASGIApp = Any  # an ASGI3 callable; Starlette's own type is not worth importing here


_METHODS = {"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"}
# The same bound Hypercorn puts on HTTP/1.1 (functions.serve); HTTP/2 and HTTP/3 get it here.
MAX_HEADER_BYTES = 16 * 1024


def function_app(name: str) -> ASGIApp:
    module = importlib.import_module(f"functions.{name}.main")
    return _problems_for_what_functions_framework_refuses(_framework_app(module, name))


def _problems_for_what_functions_framework_refuses(app: ASGIApp) -> ASGIApp:
    """functions-framework's own routes cannot match a path with a control character (its
    `{path:path}` pattern stops at a newline) nor other methods, and would answer in plain
    text; such requests get the problem responses every other error gets. Oversized headers
    are refused here too, whatever the HTTP version."""

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "/")
            header_bytes = sum(len(k) + len(v) for k, v in scope.get("headers", []))
            problem = (
                Problem(404, "no resource has such a path")
                if any(ord(c) < 32 or ord(c) == 127 for c in path)
                else Problem(405, f"{scope['method']} is not supported")
                if scope["method"] not in _METHODS
                else Problem(431, f"request headers may total at most {MAX_HEADER_BYTES} bytes")
                if header_bytes > MAX_HEADER_BYTES
                else None
            )  # fmt: skip
            if problem is not None:
                await problem.to_response()(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded


def _framework_app(module: Any, name: str) -> ASGIApp:
    return create_asgi_app_from_module(  # type: ignore[no-untyped-call]
        target=name,
        source=module.__file__,
        signature_type=None,
        source_module=module,
        spec=module.__spec__,
    )


def standalone(name: str) -> ASGIApp:
    """One function as its container serves it: the app, closing its stores on shutdown."""
    app = function_app(name)

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                from functions.core import cache, db

                await db.close()
                await cache.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    return serve
