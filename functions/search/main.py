"""search: full-text tweet search, user search and trending hashtags.

Serves `/search/...` and `/trending`. The backend is PostgreSQL full-text search unless
ELASTICSEARCH_URL is set (functions/search/backend.py).
"""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response

from functions.core import db
from functions.core.auth import optional_user
from functions.core.models import Tweet, User
from functions.core.pagination import Page
from functions.core.requests import query
from functions.core.responses import json_response
from functions.core.routing import Params, Router
from functions.search import reads
from functions.search.backend import backend_for

router = Router("search", ready_checks=[db.ping])


@router.route("GET", "/search/tweets", "Search tweets", auth="optional",
              query=reads.SearchQuery, response=Page[Tweet])  # fmt: skip
async def search_tweets(request: Request, params: Params) -> Response:
    viewer = optional_user(request)
    q = query(request, reads.SearchQuery)
    pool = await db.pool()
    return json_response(await reads.tweets(backend_for(pool), pool, q, viewer))


@router.route("GET", "/search/users", "Search users", query=reads.SearchQuery,
              response=Page[User])  # fmt: skip
async def search_users(request: Request, params: Params) -> Response:
    q = query(request, reads.SearchQuery)
    pool = await db.pool()
    return json_response(await reads.users(backend_for(pool), pool, q))


@router.route("GET", "/trending", "Trending hashtags", query=reads.TrendingQuery,
              response=reads.Trending)  # fmt: skip
async def trending(request: Request, params: Params) -> Response:
    q = query(request, reads.TrendingQuery)
    return json_response(await reads.trending(backend_for(await db.pool()), q))


@functions_framework.aio.http
async def search(request: Request) -> Response:
    """The Knative Service entry point (FUNCTION_TARGET=search)."""
    return await router(request)
