"""users: registration, login and token refresh, profiles, and follows.

Serves `/users/...` and `/auth/...`. Each handler validates its input, calls the domain
modules beside it, and returns JSON; errors surface as problem responses via the router.
"""

from __future__ import annotations

import functions_framework.aio
from starlette.requests import Request
from starlette.responses import Response

from functions.core import db, ratelimit
from functions.core.auth import require_user
from functions.core.models import User
from functions.core.pagination import Page, PageQuery
from functions.core.problems import Problem, forbidden
from functions.core.requests import json_body, path_id, query
from functions.core.responses import json_response
from functions.core.routing import Params, Router
from functions.users import accounts, graph, sessions
from functions.users.schemas import (
    Credentials,
    ProfileUpdate,
    RefreshRequest,
    Registration,
    Relationship,
    TokenPair,
)

router = Router("users", ready_checks=[db.ping])
_NO_STORE = {"Cache-Control": "no-store"}  # token responses must not be cached (RFC 6749 5.1)


@router.route("POST", "/users", "Register an account", body=Registration, response=User,
              status=201)  # fmt: skip
async def register(request: Request, params: Params) -> Response:
    reg = await json_body(request, Registration)
    user = await accounts.register(await db.pool(), reg)
    return json_response(user, 201, headers={"Location": f"/users/{user.id}"})


@router.route("GET", "/users/me", "The caller's own profile", auth="required", response=User)
async def me(request: Request, params: Params) -> Response:
    return json_response(await accounts.get_by_id(await db.pool(), require_user(request)))


@router.route("GET", "/users/username/{username}", "A profile by username", response=User)
async def by_username(request: Request, params: Params) -> Response:
    return json_response(await accounts.get_by_username(await db.pool(), params["username"]))


@router.route("GET", "/users/{id}", "A profile by id", response=User)
async def by_id(request: Request, params: Params) -> Response:
    return json_response(await accounts.get_by_id(await db.pool(), path_id(params["id"], "user")))


@router.route("PUT", "/users/{id}", "Change your own profile", auth="required",
              body=ProfileUpdate, response=User)  # fmt: skip
async def update(request: Request, params: Params) -> Response:
    caller = require_user(request)
    user_id = path_id(params["id"], "user")
    pool = await db.pool()
    if user_id != caller:
        await accounts.get_by_id(pool, user_id)  # 404 for a user that does not exist
        raise forbidden("you can only edit your own profile")
    change = await json_body(request, ProfileUpdate)
    base = f"{request.url.scheme}://{request.url.netloc}"
    return json_response(await accounts.update_profile(pool, caller, change, base))


@router.route("POST", "/users/{id}/follow", "Follow a user", auth="required",
              response=Relationship)  # fmt: skip
async def follow(request: Request, params: Params) -> Response:
    caller = require_user(request)
    target = path_id(params["id"], "user")
    return json_response(await graph.follow(await db.pool(), caller, target))


@router.route("DELETE", "/users/{id}/follow", "Unfollow a user", auth="required",
              response=Relationship)  # fmt: skip
async def unfollow(request: Request, params: Params) -> Response:
    caller = require_user(request)
    target = path_id(params["id"], "user")
    return json_response(await graph.unfollow(await db.pool(), caller, target))


@router.route("GET", "/users/{id}/followers", "Who follows a user", query=PageQuery,
              response=Page[User])  # fmt: skip
async def followers(request: Request, params: Params) -> Response:
    user_id = path_id(params["id"], "user")
    page = query(request, PageQuery)
    return json_response(await graph.list_edges(await db.pool(), user_id, "followers", page))


@router.route("GET", "/users/{id}/following", "Whom a user follows", query=PageQuery,
              response=Page[User])  # fmt: skip
async def following(request: Request, params: Params) -> Response:
    user_id = path_id(params["id"], "user")
    page = query(request, PageQuery)
    return json_response(await graph.list_edges(await db.pool(), user_id, "following", page))


@router.route("POST", "/auth/login", "Log in with a username or email", body=Credentials,
              response=TokenPair)  # fmt: skip
async def login(request: Request, params: Params) -> Response:
    creds = await json_body(request, Credentials)
    account = creds.username.strip().lower()
    await ratelimit.take("login-ip", ratelimit.client_address(request))
    await ratelimit.take("login-account", account, cost=0)  # refused while it is locked
    try:
        pair = await sessions.login(await db.pool(), creds)
    except Problem as exc:
        if exc.status == 401:  # a wrong password (or no such user) spends a try
            await ratelimit.take("login-account", account)
        raise
    return json_response(pair, headers=_NO_STORE)


@router.route("POST", "/auth/refresh", "Trade a refresh token for a new pair",
              body=RefreshRequest, response=TokenPair)  # fmt: skip
async def refresh(request: Request, params: Params) -> Response:
    body = await json_body(request, RefreshRequest)
    return json_response(
        await sessions.refresh(await db.pool(), body.refresh_token), headers=_NO_STORE
    )


@functions_framework.aio.http
async def users(request: Request) -> Response:
    """The Knative Service entry point (FUNCTION_TARGET=users)."""
    return await router(request)
