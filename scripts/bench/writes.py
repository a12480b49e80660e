"""`task bench:writes`: POST /tweets (transaction + outbox, with the relay running) vs a bare
INSERT of the same row into the same database, side by side.

The compose path does what a user's write needs: parse and validate, authenticate, a
transaction that inserts the tweet, bumps the author's count and records the event, reads
the tweet back for the response, and pushes it to the author's own timeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from events import relay
from functions.core import db
from functions.core.asgi import function_app
from functions.core.auth import issue_access_token
from functions.core.config import settings
from scripts.bench import common
from scripts.bench.benchenv import BENCH_ENV
from scripts.bench.common import closed_loop, table


async def post_tweet(app: object, token: str, text: str) -> None:
    body = json.dumps({"text": text}).encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "https", "path": "/tweets", "raw_path": b"/tweets", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("bench", 443),
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"authorization", f"Bearer {token}".encode())],
    }  # fmt: skip
    status = 0

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]

    await app(scope, receive, send)  # type: ignore[operator]
    if status != 201:
        raise RuntimeError(f"POST /tweets: {status}")


async def run(seconds: float, concurrency: int) -> tuple[list[dict[str, object]], float]:
    pool = await db.pool()
    found = await pool.fetch(
        "SELECT id FROM users WHERE username LIKE 'b%' ORDER BY id LIMIT $1", concurrency * 4
    )
    authors = [r[0] for r in found]
    tokens = [issue_access_token(a).token for a in authors]
    app = function_app("tweets")

    async def compose(i: int) -> None:
        await post_tweet(app, tokens[i % len(tokens)], f"bench write {i} #bench")

    async def bare(i: int) -> None:
        await pool.execute(
            "INSERT INTO tweets (id, author_id, text, conversation_id) "
            "SELECT n, $1, $2, n FROM chirp_next_id() n",
            authors[i % len(authors)], f"bench write {i} #bench",
        )  # fmt: skip

    # The relay publishes the events as they are written (their delivery, fanout included,
    # is another process's work in a deployment, and bench:timeline's subject).
    cfg = settings()
    relaying = asyncio.create_task(
        relay.run(db.pool, lambda: relay.exchange_sink(cfg.rabbitmq_url, cfg.broker_namespace))
    )
    try:
        r_bare = await closed_loop("bare INSERT INTO tweets (asyncpg)", bare, concurrency, seconds)
        r_compose = await closed_loop("POST /tweets, ASGI app called directly", compose,
                                      concurrency, seconds)  # fmt: skip
    finally:
        relaying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relaying
    pending = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    rows = [r.row(r_bare, "vs bare INSERT") for r in (r_bare, r_compose)]
    rows[1]["note"] = f"{pending} events not yet relayed when the run ended"
    return rows, r_compose.rate / r_bare.rate


def main() -> None:
    assert settings().database_url == BENCH_ENV["DATABASE_URL"]
    rows, ratio = asyncio.run(run(5.0, 8))
    print(table("Write path: compose vs bare INSERT, 8 concurrent, same database", rows))
    verdict = "met" if ratio >= 0.5 else "NOT met"
    print(f"\ncompose / bare INSERT: {ratio:.2f} (target ≥ 0.50: {verdict})")
    common.write_json("writes", {"rows": rows, "ratio": ratio})


if __name__ == "__main__":
    main()
