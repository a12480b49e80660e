"""The trivial function: what any chirp function costs before it does any work."""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response


@functions_framework.aio.http
async def hello(request: Request) -> Response:
    return Response(b'{"hello":"world"}', media_type="application/json")
