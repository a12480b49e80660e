"""Rate limits: a spent budget is a 429 with Retry-After, changes nothing, and refills.

The suite runs with huge budgets (conftest); these tests swap in small ones for their
duration and use subjects (users, accounts) no other test touches.
"""

from __future__ import annotations

import httpx
import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from functions.core import cache, ratelimit
from functions.core.ratelimit import Budget
from tests.support import MakeAccount, assert_problem


def small(monkeypatch: pytest.MonkeyPatch, **sizes: Budget) -> None:
    real = ratelimit.budgets()
    monkeypatch.setattr(ratelimit, "budgets", lambda: {**real, **sizes})


async def test_writes_per_user(
    client: httpx.AsyncClient, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, other = await make_account(), await make_account()
    small(monkeypatch, **{"write-user": Budget(3, 0.01)})
    for i in range(3):
        r = await client.post("/tweets", json={"text": f"t{i}"}, headers=me.headers)
        assert r.status_code == 201
    r = await client.post("/tweets", json={"text": "one too many"}, headers=me.headers)
    problem = assert_problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1
    assert "write per user" in str(problem["detail"])
    assert (await client.get(f"/users/{me.id}")).json()["tweets_count"] == 3  # nothing written
    r = await client.post("/tweets", json={"text": "someone else"}, headers=other.headers)
    assert r.status_code == 201  # another user's budget is their own


async def test_budgets_refill(
    client: httpx.AsyncClient, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = await make_account()
    small(monkeypatch, **{"write-user": Budget(1, 20.0)})
    assert (await client.post("/tweets", json={"text": "a"}, headers=me.headers)).status_code == 201
    r = await client.post("/tweets", json={"text": "b"}, headers=me.headers)
    assert r.status_code == 429
    import asyncio

    await asyncio.sleep(0.1)  # 20 tokens a second: one is back
    assert (await client.post("/tweets", json={"text": "c"}, headers=me.headers)).status_code == 201


async def test_reads_per_address(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await cache.client().delete(cache.key("rl", "read-ip", "127.0.0.1"))
    small(monkeypatch, **{"read-ip": Budget(5, 0.01)})
    statuses = [(await client.get("/trending")).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    monkeypatch.undo()
    await cache.client().delete(cache.key("rl", "read-ip", "127.0.0.1"))


async def test_failed_logins_lock_the_account_for_a_while(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    victim, bystander = await make_account(), await make_account()
    wrong = {"username": victim.username, "password": "not the password"}
    for _ in range(5):  # LOGIN_MAX_FAILURES
        assert_problem(await client.post("/auth/login", json=wrong), 401)
    r = await client.post("/auth/login", json=wrong)
    assert_problem(r, 429)
    assert int(r.headers["retry-after"]) >= 1
    right = {"username": victim.username.upper(), "password": victim.password}
    assert_problem(await client.post("/auth/login", json=right), 429)  # even the right one
    r = await client.post(
        "/auth/login", json={"username": bystander.username, "password": bystander.password}
    )
    assert r.status_code == 200  # other accounts are not affected


async def test_successful_logins_do_not_spend_the_account_budget(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    me = await make_account()
    for _ in range(8):
        r = await client.post(
            "/auth/login", json={"username": me.username, "password": me.password}
        )
        assert r.status_code == 200


async def test_the_limiter_lets_requests_through_when_redis_is_down(
    client: httpx.AsyncClient, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = await make_account()
    dead = aioredis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(cache, "client", lambda: dead)
    small(monkeypatch, **{"write-user": Budget(1, 0.01)})
    for text in ("a", "b", "c"):  # unlimited while the limiter cannot count
        r = await client.post("/tweets", json={"text": text}, headers=me.headers)
        assert r.status_code == 201, r.text
    await dead.aclose()
