"""Access tokens: short-lived HS256 JWTs that every function verifies without a database call."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from starlette.requests import Request

from functions.core.config import settings
from functions.core.problems import Problem, unauthorized

_UNSEEN: Any = object()

_ALGORITHM = "HS256"
_ACCESS = "access"


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int


def issue_access_token(user_id: int) -> AccessToken:
    cfg = settings()
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "iss": cfg.jwt_issuer,
        "iat": now,
        "exp": now + cfg.access_token_ttl_s,
        "jti": uuid.uuid4().hex,
        "typ": _ACCESS,
    }
    return AccessToken(
        jwt.encode(claims, cfg.jwt_secret, algorithm=_ALGORITHM), cfg.access_token_ttl_s
    )


def verify_access_token(token: str) -> int:
    """The user id a valid access token speaks for; 401 for anything else."""
    cfg = settings()
    try:
        claims = jwt.decode(
            token,
            cfg.jwt_secret,
            algorithms=[_ALGORITHM],
            issuer=cfg.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("access token has expired") from exc
    except jwt.PyJWTError as exc:
        raise unauthorized("access token is invalid") from exc
    sub = claims.get("sub")
    if claims.get("typ") != _ACCESS or not isinstance(sub, str) or not sub.isdigit():
        raise unauthorized("access token is invalid")
    return int(sub)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Authorization header must be 'Bearer <access token>'")
    return token.strip()


def require_user(request: Request) -> int:
    """The caller's user id, or 401 when the request carries no valid access token."""
    user = optional_user(request)
    if user is None:
        raise unauthorized("this endpoint needs an access token (Authorization: Bearer ...)")
    return user


def optional_user(request: Request) -> int | None:
    """The caller's user id when a token is present; a bad token is still a 401.

    Verified once per request (the rate limiter asks first, the handler after).
    """
    known: int | Problem | None = getattr(request.state, "chirp_user", _UNSEEN)
    if known is _UNSEEN:
        try:
            token = bearer_token(request)
            known = None if token is None else verify_access_token(token)
        except Problem as exc:
            known = exc
        request.state.chirp_user = known
    if isinstance(known, Problem):
        raise known
    return known
