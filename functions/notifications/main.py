"""notifications: a user's notifications, the unread count, and marking one read."""

from __future__ import annotations

import functions_framework.aio
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from functions.core import db
from functions.core.auth import require_user
from functions.core.pagination import Page, PageQuery
from functions.core.requests import path_id, query
from functions.core.responses import json_response
from functions.core.routing import Params, Router
from functions.notifications import store

router = Router("notifications", ready_checks=[db.ping])


class UnreadCount(BaseModel):
    count: int


@router.route("GET", "/notifications", "Your notifications", auth="required", query=PageQuery,
              response=Page[store.Notification])  # fmt: skip
async def listing(request: Request, params: Params) -> Response:
    user = require_user(request)
    page = query(request, PageQuery)
    return json_response(await store.page(await db.pool(), user, page))


@router.route("GET", "/notifications/unread", "How many are unread", auth="required",
              response=UnreadCount)  # fmt: skip
async def unread(request: Request, params: Params) -> Response:
    user = require_user(request)
    return json_response(UnreadCount(count=await store.unread_count(await db.pool(), user)))


@router.route("PUT", "/notifications/{id}/read", "Mark one read", auth="required", status=204,
              response_kind="empty")  # fmt: skip
async def mark_read(request: Request, params: Params) -> Response:
    user = require_user(request)
    await store.mark_read(await db.pool(), user, path_id(params["id"], "notification"))
    return Response(status_code=204)


@functions_framework.aio.http
async def notifications(request: Request) -> Response:
    """The Knative Service entry point (FUNCTION_TARGET=notifications)."""
    return await router(request)
