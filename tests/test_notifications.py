"""Notifications end to end: write → outbox → relay → RabbitMQ → dispatcher → notifier → API."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aio_pika
import httpx

from functions.core import db
from functions.core.config import settings
from functions.local.events import EventPlane
from functions.notifier.rules import notifications_for
from tests.support import Account, MakeAccount, assert_problem, eventually


async def notes(client: httpx.AsyncClient, who: Account) -> list[dict[str, Any]]:
    r = await client.get("/notifications", headers=who.headers)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def test_rules_skip_your_own_actions_and_double_mentions() -> None:
    created = {
        "tweet_id": "10",
        "author_id": "1",
        "text": "@b @c",
        "created_at": "x",
        "conversation_id": "9",
        "reply_to_id": "9",
        "reply_to_author_id": "2",
        "hashtags": [],
        "mention_ids": ["2", "3", "1"],
    }
    got = [(n.user_id, n.kind) for n in notifications_for("chirp.tweet.created", created)]
    assert got == [(2, "reply"), (3, "mention"), (1, "mention")]  # store drops the self one
    assert notifications_for("chirp.user.unfollowed", {}) == []


async def test_like_follow_reply_mention_and_retweet_notify(
    client: httpx.AsyncClient, make_account: MakeAccount, event_plane: EventPlane
) -> None:
    alice, bob = await make_account(), await make_account()
    tweet = (await client.post("/tweets", json={"text": "hi"}, headers=alice.headers)).json()
    await client.post(f"/tweets/{tweet['id']}/like", headers=bob.headers)
    await client.post(f"/tweets/{tweet['id']}/like", headers=alice.headers)  # own: no notification
    await client.post(f"/tweets/{tweet['id']}/retweet", headers=bob.headers)
    await client.post(f"/users/{alice.id}/follow", headers=bob.headers)
    await client.post(
        "/tweets", json={"text": "re", "reply_to_id": tweet["id"]}, headers=bob.headers
    )
    await client.post("/tweets", json={"text": f"hey @{alice.username}"}, headers=bob.headers)

    async def five() -> bool:
        return len(await notes(client, alice)) >= 5

    await eventually(five)
    await asyncio.sleep(0.5)  # anything extra (a duplicate) would have arrived by now
    got = await notes(client, alice)
    assert sorted(n["type"] for n in got) == ["follow", "like", "mention", "reply", "retweet"]
    assert all(n["actor"]["id"] == bob.id and n["read"] is False for n in got)
    like = next(n for n in got if n["type"] == "like")
    assert like["tweet"] == {"id": tweet["id"], "text": "hi"}
    assert (await client.get("/notifications/unread", headers=alice.headers)).json() == {"count": 5}
    assert await notes(client, bob) == []

    # Reading: owner only; others get 404 and change nothing.
    assert_problem(await client.put(f"/notifications/{like['id']}/read", headers=bob.headers), 404)
    r = await client.put(f"/notifications/{like['id']}/read", headers=alice.headers)
    assert r.status_code == 204
    assert (await client.get("/notifications/unread", headers=alice.headers)).json() == {"count": 4}
    assert next(n for n in await notes(client, alice) if n["id"] == like["id"])["read"] is True

    # Pages: newest first, every one once.
    first = (await client.get("/notifications", params={"limit": 3}, headers=alice.headers)).json()
    rest = (
        await client.get(
            "/notifications",
            params={"limit": 3, "cursor": first["next_cursor"]},
            headers=alice.headers,
        )
    ).json()
    assert [n["id"] for n in first["data"] + rest["data"]] == [n["id"] for n in got]
    assert rest["next_cursor"] is None

    # A deleted tweet takes its notifications with it (the reply is bob's tweet, still there).
    await client.delete(f"/tweets/{tweet['id']}", headers=alice.headers)
    assert sorted(n["type"] for n in await notes(client, alice)) == ["follow", "mention", "reply"]


async def test_notifications_need_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/notifications"), 401)
    assert_problem(await client.get("/notifications/unread"), 401)
    assert_problem(await client.put("/notifications/1/read"), 401)


async def _publish(plane: EventPlane, type_: str, data: object, event_id: str) -> None:
    from datetime import UTC, datetime

    from events.broker import cloudevent_headers, declare_exchange

    connection = await aio_pika.connect(settings().rabbitmq_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await declare_exchange(channel, settings().broker_namespace)
        headers = cloudevent_headers(
            event_id=event_id,
            type_=type_,
            source="/chirp/test",
            subject=None,
            time=datetime.now(UTC),
        )
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        await exchange.publish(
            aio_pika.Message(body, content_type="application/json", headers=headers), routing_key=""
        )


async def test_redelivered_events_never_double_a_notification(
    client: httpx.AsyncClient, make_account: MakeAccount, event_plane: EventPlane
) -> None:
    alice, bob = await make_account(), await make_account()
    event_id = str(uuid.uuid4())
    data = {"follower_id": bob.id, "followee_id": alice.id}
    for _ in range(3):
        await _publish(event_plane, "chirp.user.followed", data, event_id)

    async def one() -> bool:
        return len(await notes(client, alice)) >= 1

    await eventually(one)
    await asyncio.sleep(0.5)
    assert len(await notes(client, alice)) == 1


async def test_a_poisoned_event_is_dead_lettered_and_blocks_nothing(
    client: httpx.AsyncClient, make_account: MakeAccount, event_plane: EventPlane
) -> None:
    alice, bob = await make_account(), await make_account()
    poison = [str(uuid.uuid4()), str(uuid.uuid4())]
    await _publish(event_plane, "chirp.user.followed", {"nonsense": True}, poison[0])
    await _publish(event_plane, "chirp.user.followed", b"{not json", poison[1])
    await _publish(
        event_plane,
        "chirp.user.followed",
        {"follower_id": bob.id, "followee_id": alice.id},
        str(uuid.uuid4()),
    )

    async def delivered() -> bool:
        return len(await notes(client, alice)) == 1

    await eventually(delivered)
    pool = await db.pool()

    async def kept() -> bool:
        count = await pool.fetchval(
            "SELECT count(*) FROM dead_letters WHERE event_id = ANY ($1)", poison
        )
        return bool(count == 2 * len(poison))  # once for each subscriber: notifier, fanout

    await eventually(kept)
    rows = await pool.fetch(
        "SELECT * FROM dead_letters WHERE event_id = $1 AND destination LIKE '%notifier%'",
        poison[0],
    )
    assert len(rows) == 1
    assert rows[0]["type"] == "chirp.user.followed"
    assert rows[0]["error_code"] == "400"  # final at once: a malformed event is not retried
    assert "malformed" in rows[0]["error_data"]
    assert json.loads(rows[0]["data"]) == {"nonsense": True}
