"""A small method-and-path router that every function puts behind its one entry point.

functions-framework hands each function every path; this maps them to handlers and turns
errors into problem responses, so a handler only ever returns its success response.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import redis.exceptions
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive

from functions.core import ratelimit
from functions.core.auth import optional_user
from functions.core.problems import Problem

log = logging.getLogger(__name__)

Params = dict[str, str]
Handler = Callable[[Request, Params], Awaitable[Response]]
Check = Callable[[], Awaitable[None]]

_PARAM = re.compile(r"\{([a-z_]+)\}")
# Store outages map to 503 so clients retry instead of treating them as bugs.
_UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InvalidCatalogNameError,  # the database is not there (yet)
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def _caller_or_none(request: Request) -> int | None:
    """Who is calling, for their rate budget; a bad token is the handler's to refuse."""
    try:
        return optional_user(request)
    except Problem:
        return None


class _BodyTracker:
    """The request's ASGI receive, remembering whether the whole body has arrived.

    A request refused before its body was read (401 before an upload, 413 part way through)
    still has the body's remaining bytes in flight. Over HTTP/3 and HTTP/2 those unread bytes
    hold the connection's flow-control window, so the client's next request on the same
    connection would stall; reading and discarding them (up to a bound) keeps it usable.
    """

    DRAIN_LIMIT = 64 * 1024 * 1024
    DRAIN_SECONDS = 10.0

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.ended = False

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.ended = True
        return message

    async def drain(self) -> None:
        drained = 0
        try:
            async with asyncio.timeout(self.DRAIN_SECONDS):
                while not self.ended and drained <= self.DRAIN_LIMIT:
                    drained += len((await self()).get("body", b""))
        except TimeoutError:
            log.info("gave up draining a refused request body after %d bytes", drained)


Auth = Literal["none", "optional", "required"]
Content = Literal["json", "empty", "bytes", "upload"]


@dataclass(frozen=True, slots=True)
class Operation:
    """What a route promises a client; the OpenAPI document is built from these."""

    summary: str
    auth: Auth = "none"
    body: type[BaseModel] | None = None  # a JSON request body (or "upload" below)
    body_kind: Content = "json"
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    response_kind: Content = "json"
    public: bool = True  # part of the public API (probes are not)


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Handler
    operation: Operation


def compile_path(template: str) -> re.Pattern[str]:
    """`/users/{id}/follow` → a regex with one named group per `{param}` (one segment each)."""
    pos, out = 0, []
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos : m.start()]))
        out.append(f"(?P<{m.group(1)}>[^/]+)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("^" + "".join(out) + "$")


class Router:
    def __init__(self, name: str, ready_checks: Sequence[Check] = ()) -> None:
        self.name = name
        self.routes: list[Route] = []
        self._ready_checks = tuple(ready_checks)
        probe = Operation("probe", public=False)
        self.add("GET", "/health", self._health, probe)
        self.add("GET", "/ready", self._ready, probe)

    def add(self, method: str, template: str, handler: Handler, operation: Operation) -> None:
        self.routes.append(Route(method, compile_path(template), template, handler, operation))

    def route(
        self, method: str, template: str, summary: str, **operation: Any
    ) -> Callable[[Handler], Handler]:
        """Register a handler, with what it promises (see Operation) for the API document."""

        def register(handler: Handler) -> Handler:
            self.add(method, template, handler, Operation(summary, **operation))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route | None, Params, set[str]]:
        """The route for (method, path), its params, and the methods the path allows."""
        allowed: set[str] = set()
        for route in self.routes:
            m = route.pattern.match(path)
            if m is None:
                continue
            allowed.add(route.method)
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, m.groupdict(), allowed
        return None, {}, allowed

    async def __call__(self, request: Request) -> Response:
        path = request.url.path.rstrip("/") or "/"
        body = _BodyTracker(request.receive)
        request = Request(request.scope, body)
        try:
            route, params, allowed = self.match(request.method, path)
            if route is None:
                if allowed:
                    raise Problem(
                        405,
                        f"{request.method} is not allowed on {path}",
                        headers={"Allow": ", ".join(sorted(allowed))},
                    )
                raise Problem(404, f"no resource at {path}")
            if route.operation.public:
                await ratelimit.check_request(request, _caller_or_none(request))
            return await route.handler(request, params)
        except Problem as problem:
            await body.drain()
            return problem.to_response(instance=path)
        except _UNAVAILABLE:
            log.exception("%s %s: a store is unavailable", request.method, path)
            return Problem(
                503, "a backing service is unavailable; retry shortly", headers={"Retry-After": "1"}
            ).to_response(instance=path)
        except Exception:
            log.exception("%s %s failed", request.method, path)
            return Problem(500, "internal error").to_response(instance=path)

    async def _health(self, request: Request, params: Params) -> Response:
        return JSONResponse({"status": "ok", "function": self.name})

    async def _ready(self, request: Request, params: Params) -> Response:
        failures: dict[str, str] = {}
        for check in self._ready_checks:
            try:
                await asyncio.wait_for(check(), timeout=3)
            except Exception as exc:
                failures[check.__module__.rsplit(".", 1)[-1]] = type(exc).__name__
        if failures:
            return JSONResponse(
                {"status": "unavailable", "function": self.name, "failing": failures},
                status_code=503,
            )
        return JSONResponse({"status": "ready", "function": self.name})
