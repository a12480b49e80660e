"""CORS at the local gateway, as Envoy applies the SecurityPolicy in gateway/policies.yaml.

The allow-list is that policy's `cors` (plus CORS_ORIGINS, for a web client on a developer's
machine). An allowed origin gets the CORS headers; a preflight from any other origin is
refused, and its actual requests carry no CORS headers, so browsers keep the response from
the page. Requests without an Origin (every non-browser client) are untouched.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from functions.core.problems import Problem

_DURATION = re.compile(r"^(\d+)(s|m|h)$")


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    origins: frozenset[str]
    methods: tuple[str, ...]
    headers: tuple[str, ...]
    expose: tuple[str, ...]
    max_age_s: int

    @classmethod
    def from_manifests(cls, policies: list[dict[str, Any]], extra: tuple[str, ...]) -> CorsPolicy:
        cors: dict[str, Any] = {}
        for policy in policies:
            cors = policy.get("spec", {}).get("cors") or cors
        m = _DURATION.match(str(cors.get("maxAge", "0s")))
        max_age = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)] if m else 0
        return cls(
            origins=frozenset([*cors.get("allowOrigins", []), *extra]),
            methods=tuple(cors.get("allowMethods", [])),
            headers=tuple(cors.get("allowHeaders", [])),
            expose=tuple(cors.get("exposeHeaders", [])),
            max_age_s=max_age,
        )

    def allows(self, origin: str) -> bool:
        return origin in self.origins or "*" in self.origins

    def response_headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        headers = [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]
        if self.expose:
            headers.append((b"access-control-expose-headers", ", ".join(self.expose).encode()))
        return headers

    def preflight(self, origin: str) -> tuple[int, list[tuple[bytes, bytes]]]:
        if not self.allows(origin):
            return 403, []
        return 204, [
            *self.response_headers(origin),
            (b"access-control-allow-methods", ", ".join(self.methods).encode()),
            (b"access-control-allow-headers", ", ".join(self.headers).encode()),
            (b"access-control-max-age", str(self.max_age_s).encode()),
        ]


def origin_of(scope: MutableMapping[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return str(value.decode("latin-1"))
    return None


def is_preflight(scope: MutableMapping[str, Any]) -> bool:
    return scope["method"] == "OPTIONS" and any(
        name == b"access-control-request-method" for name, _ in scope.get("headers", [])
    )


def refused(origin: str) -> Problem:
    return Problem(403, f"origin {origin} may not call this API from a browser")
