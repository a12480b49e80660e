"""JSON responses from pydantic models, with the serialisation rules of `models`."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def json_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        model.model_dump_json(), status_code=status, headers=headers, media_type="application/json"
    )
