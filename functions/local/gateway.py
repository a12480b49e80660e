"""The local gateway: one ASGI app that sends each request to its function, as Envoy would.

The route table is the HTTPRoutes in `gateway/`, read with Gateway API matching rules: an
Exact match wins, then a RegularExpression (matched against the whole path, as Envoy does),
then the longest PathPrefix, compared by whole path segments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from functions.core import cache, db
from functions.core.asgi import ASGIApp, function_app
from functions.core.config import settings
from functions.core.problems import PROBLEM_JSON
from functions.local.cors import CorsPolicy, is_preflight, origin_of, refused
from functions.local.events import EventPlane
from functions.local.manifests import manifest_dir, of_kind

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


PathType = Literal["Exact", "RegularExpression", "PathPrefix"]
_PRECEDENCE: dict[str, int] = {"Exact": 0, "RegularExpression": 1, "PathPrefix": 2}


@dataclass(frozen=True, slots=True)
class PathRoute:
    kind: PathType
    value: str
    backend: str

    def matches(self, path: str) -> bool:
        if self.kind == "Exact":
            return path == self.value
        if self.kind == "RegularExpression":
            return re.fullmatch(self.value, path) is not None
        prefix = self.value.rstrip("/")
        return prefix == "" or path == prefix or path.startswith(prefix + "/")


def load_routes(docs: list[dict[str, Any]]) -> list[PathRoute]:
    """Flatten HTTPRoutes into path routes, most specific first."""
    routes: list[PathRoute] = []
    for doc in docs:
        name = doc.get("metadata", {}).get("name", "?")
        for rule in doc.get("spec", {}).get("rules", []):
            backends = [ref["name"] for ref in rule.get("backendRefs", [])]
            if len(backends) != 1:
                raise ValueError(f"HTTPRoute {name}: the local gateway needs one backend a rule")
            for match in rule.get("matches", [{"path": {"type": "PathPrefix", "value": "/"}}]):
                path = match.get("path", {"type": "PathPrefix", "value": "/"})
                kind = path.get("type", "PathPrefix")
                if kind not in _PRECEDENCE:
                    raise ValueError(f"HTTPRoute {name}: path type {kind} is not supported locally")
                routes.append(PathRoute(kind, path.get("value", "/"), backends[0]))
    return sorted(routes, key=lambda r: (_PRECEDENCE[r.kind], -len(r.value.rstrip("/"))))


class Gateway:
    def __init__(
        self,
        routes: list[PathRoute],
        apps: dict[str, ASGIApp],
        *,
        own_health: bool = True,
        events: EventPlane | None = None,
        cors: CorsPolicy | None = None,
    ) -> None:
        self.routes = routes
        self.apps = apps
        self.events = events
        self.cors = cors
        # The gateway's own liveness at /health; a lone function answers /health itself.
        self.own_health = own_health

    def backend_for(self, path: str) -> str | None:
        return next((r.backend for r in self.routes if r.matches(path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http" and self.cors is not None and (origin := origin_of(scope)):
            await self._with_cors(self.cors, origin, scope, receive, send)
            return
        await self._route(scope, receive, send)

    async def _with_cors(
        self, cors: CorsPolicy, origin: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if is_preflight(scope):
            status, headers = cors.preflight(origin)
            if status != 204:
                await refused(origin).to_response()(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        if not cors.allows(origin):
            await self._route(scope, receive, send)  # no CORS headers: the browser hides it
            return

        async def send_with_cors(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  *cors.response_headers(origin)]}  # fmt: skip
            await send(message)

        await self._route(scope, receive, send_with_cors)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/")
        if scope["type"] == "http" and path == "/health" and self.own_health:
            await _json(send, 200, {"status": "ok", "functions": sorted(self.apps)})
            return
        backend = self.backend_for(path)
        if backend is None:
            await _json(
                send,
                404,
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": f"no route for {path}",
                    "instance": path,
                },
                PROBLEM_JSON,
            )
            return
        await self.apps[backend](scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.events is not None:
                    await self.events.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.events is not None:
                    await self.events.stop()
                await db.close()
                await cache.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _json(send: Send, status: int, body: Any, media_type: str = "application/json") -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def build_gateway(*, with_events: bool = False) -> Gateway:
    """The gateway for this checkout's HTTPRoutes, with every function they name loaded;
    `with_events` also runs the outbox relay and the Trigger dispatcher beside it."""
    routes = load_routes(of_kind(manifest_dir("gateway"), "HTTPRoute"))
    apps = {name: function_app(name) for name in sorted({r.backend for r in routes})}
    cors = CorsPolicy.from_manifests(
        of_kind(manifest_dir("gateway"), "SecurityPolicy"), settings().cors_origins
    )
    return Gateway(routes, apps, events=EventPlane() if with_events else None, cors=cors)
