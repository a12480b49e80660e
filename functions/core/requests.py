"""Reading a request's JSON body, query and path ids into validated values, or a 4xx."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from functions.core.problems import Problem, bad_request, not_found, unprocessable

M = TypeVar("M", bound=BaseModel)

MAX_JSON_BODY = 64 * 1024
MAX_JSON_DEPTH = 32
_JSON_TYPES = ("application/json", "application/merge-patch+json")
_MAX_ID = 2**63 - 1


def validation_problem(exc: ValidationError, where: str) -> Problem:
    """A 422 whose detail names each bad field, so a client can fix its request."""
    errors: list[dict[str, Any]] = []
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        field = ".".join(str(part) for part in err["loc"]) or where
        errors.append({"field": field, "message": err["msg"]})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return unprocessable(f"invalid {where}: {detail}", errors)


def _unstorable(message: str) -> Problem:
    return unprocessable(message, [{"field": "text", "message": message}])


def _storable(value: Any, depth: int = 0) -> None:
    """Text chirp can store: no NUL characters and no unpaired surrogates (which UTF-8 cannot
    encode), anywhere in a JSON value. PostgreSQL refuses both, so they are a 400, not a 500.
    No chirp body nests deeply either; a deep one is refused before anything walks it."""
    if depth > MAX_JSON_DEPTH:
        raise bad_request(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise _unstorable("text must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _unstorable("text must be valid Unicode (no unpaired surrogates)") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _storable(k, depth + 1)
            _storable(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _storable(v, depth + 1)


async def read_body(request: Request, limit: int = MAX_JSON_BODY) -> bytes:
    """The raw body, refusing (413) anything past `limit` before it is all buffered."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request, model: type[M]) -> M:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type not in _JSON_TYPES and not content_type.endswith("+json"):
        raise Problem(
            415, f"expected a JSON body (Content-Type: application/json), got {content_type}"
        )
    raw = await read_body(request)
    if not raw.strip():
        raise bad_request("request body is empty: expected a JSON object")
    try:
        parsed = json.loads(raw)
    except RecursionError:
        raise bad_request(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:
        parsed = None  # not JSON: pydantic below says precisely what is wrong
    _storable(parsed)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] in {"json_invalid", "json_type"} for e in exc.errors()):
            raise bad_request("request body is not valid JSON") from exc
        raise validation_problem(exc, "body") from exc


def query(request: Request, model: type[M]) -> M:
    _storable(list(request.query_params.values()))
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise validation_problem(exc, "query") from exc


def path_id(value: str, what: str) -> int:
    """Ids travel as decimal strings; anything that cannot be one names no resource (404)."""
    if not value.isascii() or not value.isdigit() or len(value) > 19 or int(value) > _MAX_ID:
        raise not_found(f"{what} {value!r} does not exist")
    return int(value)
