"""RFC 9457 problem details: the one shape every error response takes."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error a client caused or must know about; raised anywhere, rendered at the edge."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.errors = errors
        self.headers = headers or {}

    def to_response(self, instance: str | None = None) -> JSONResponse:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        return JSONResponse(
            body, status_code=self.status, headers=self.headers, media_type=PROBLEM_JSON
        )


def bad_request(detail: str) -> Problem:
    return Problem(400, detail)


def unauthorized(detail: str) -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="chirp"'})


def forbidden(detail: str) -> Problem:
    return Problem(403, detail)


def not_found(detail: str) -> Problem:
    return Problem(404, detail)


def conflict(detail: str) -> Problem:
    return Problem(409, detail)


def unprocessable(detail: str, errors: list[dict[str, Any]] | None = None) -> Problem:
    return Problem(422, detail, errors=errors)
