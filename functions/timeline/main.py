"""timeline: a user's home timeline and any user's own timeline, newest first.

Serves `/timeline/...`. Timelines are kept in Redis by the fanout function; this function
only reads them, rebuilding any that is missing or stale from PostgreSQL.
"""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response

from functions.core import cache, db
from functions.core.auth import optional_user, require_user
from functions.core.config import settings
from functions.core.models import TimelineItem
from functions.core.pagination import Page, PageQuery
from functions.core.requests import path_id, query
from functions.core.routing import Params, Router
from functions.core.timeline_store import timeline_store
from functions.core.tweet_cache import tweet_cache
from functions.timeline.reads import Timelines

router = Router("timeline", ready_checks=[db.ping, cache.ping])


async def timelines() -> Timelines:
    return Timelines(await db.pool(), timeline_store(), tweet_cache(), settings())


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.route("GET", "/timeline/home", "Your home timeline", auth="required", query=PageQuery,
              response=Page[TimelineItem])  # fmt: skip
async def home(request: Request, params: Params) -> Response:
    viewer = require_user(request)
    page = query(request, PageQuery)
    return _json(await (await timelines()).home(viewer, page))


@router.route("GET", "/timeline/user/{id}", "A user's tweets and retweets", auth="optional",
              query=PageQuery, response=Page[TimelineItem])  # fmt: skip
async def user(request: Request, params: Params) -> Response:
    viewer = optional_user(request)
    user_id = path_id(params["id"], "user")
    page = query(request, PageQuery)
    return _json(await (await timelines()).user(user_id, viewer, page))


@functions_framework.aio.http
async def timeline(request: Request) -> Response:
    """The Knative Service entry point (FUNCTION_TARGET=timeline)."""
    return await router(request)
