"""tweets: compose, read and delete tweets; threads; likes and retweets.

Serves `/tweets/...` and `/users/{id}/tweets` (routed here by the HTTPRoutes).
"""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response

from functions.core import db
from functions.core.auth import optional_user, require_user
from functions.core.models import Tweet
from functions.core.pagination import Page, PageQuery
from functions.core.requests import json_body, path_id, query
from functions.core.responses import json_response
from functions.core.routing import Operation, Params, Router
from functions.tweets import compose, engagement, reads
from functions.tweets.schemas import NewTweet

router = Router("tweets", ready_checks=[db.ping])


@router.route("POST", "/tweets", "Compose a tweet or a reply", auth="required", body=NewTweet,
              response=Tweet, status=201)  # fmt: skip
async def create(request: Request, params: Params) -> Response:
    author = require_user(request)
    new = await json_body(request, NewTweet)
    tweet = await compose.create(await db.pool(), author, new)
    return json_response(tweet, 201, headers={"Location": f"/tweets/{tweet.id}"})


@router.route("GET", "/tweets/{id}", "A tweet", auth="optional", response=Tweet)
async def get(request: Request, params: Params) -> Response:
    viewer = optional_user(request)
    tweet_id = path_id(params["id"], "tweet")
    return json_response(await reads.one(await db.pool(), tweet_id, viewer))


@router.route("DELETE", "/tweets/{id}", "Delete your tweet", auth="required", status=204,
              response_kind="empty")  # fmt: skip
async def delete(request: Request, params: Params) -> Response:
    caller = require_user(request)
    await compose.delete(await db.pool(), caller, path_id(params["id"], "tweet"))
    return Response(status_code=204)


@router.route("GET", "/tweets/{id}/thread", "A tweet with its ancestors and replies",
              auth="optional", response=reads.Thread)  # fmt: skip
async def thread(request: Request, params: Params) -> Response:
    viewer = optional_user(request)
    tweet_id = path_id(params["id"], "tweet")
    return json_response(await reads.thread(await db.pool(), tweet_id, viewer))


@router.route("GET", "/users/{id}/tweets", "A user's tweets", auth="optional", query=PageQuery,
              response=Page[Tweet])  # fmt: skip
async def by_author(request: Request, params: Params) -> Response:
    viewer = optional_user(request)
    author = path_id(params["id"], "user")
    page = query(request, PageQuery)
    return json_response(await reads.by_author(await db.pool(), author, viewer, page))


def _mark_handler(kind: engagement.Kind, on: bool) -> None:
    method = "POST" if on else "DELETE"

    async def handler(request: Request, params: Params) -> Response:
        user = require_user(request)
        tweet_id = path_id(params["id"], "tweet")
        return json_response(await engagement.set_mark(await db.pool(), kind, user, tweet_id, on))

    verb = ("Like" if kind == "like" else "Retweet") if on else f"Undo a {kind} of"
    operation = Operation(f"{verb} a tweet", auth="required", response=Tweet)
    router.add(method, f"/tweets/{{id}}/{kind}", handler, operation)


for _kind in ("like", "retweet"):
    for _on in (True, False):
        _mark_handler(_kind, _on)


@functions_framework.aio.http
async def tweets(request: Request) -> Response:
    """The Knative Service entry point (FUNCTION_TARGET=tweets)."""
    return await router(request)
