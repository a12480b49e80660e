"""A generated social network for benchmarks: power-law follows and tweets, made once.

The data lives in its own database (`chirp_bench` beside DATABASE_URL's); a row in
`bench_dataset` records the parameters, so a later run with the same ones reuses it.
Rows go in with COPY; ids are made like `chirp_next_id()` (ms since 2025 << 22 | sequence).
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from itertools import accumulate

import asyncpg

from functions.core.migrations import migrate

EPOCH_MS = 1_735_689_600_000
# Not a hash of anything: bench users never log in (the bench mints their tokens).
UNUSABLE_PASSWORD_HASH = "!"  # noqa: S105 - a marker, not a secret


@dataclass(frozen=True)
class Params:
    users: int = 10_000
    tweets: int = 1_000_000
    mean_follows: int = 40
    seed: int = 7

    def key(self) -> str:
        return f"u{self.users}-t{self.tweets}-f{self.mean_follows}-s{self.seed}"


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r  {label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Ids:
    """Time-sortable ids spread over the last `days` days, strictly increasing."""

    def __init__(self, count: int, days: int = 30) -> None:
        now_ms = int(time.time() * 1000) - 60_000
        self.start = now_ms - days * 86_400_000
        self.step = max((now_ms - self.start) / max(count, 1), 0.001)
        self.n = 0

    def next(self) -> int:
        ms = int(self.start + self.n * self.step) - EPOCH_MS
        self.n += 1
        return (ms << 22) | (self.n % 4_194_304)


async def ensure(url: str, params: Params) -> None:
    """Create (or reuse) the dataset in the database at `url`."""
    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset (key text PRIMARY KEY, made_at timestamptz)"
        )
        if await conn.fetchval("SELECT true FROM bench_dataset WHERE key = $1", params.key()):
            print(f"dataset {params.key()}: reusing", file=sys.stderr)
            return
        print(f"dataset {params.key()}: generating", file=sys.stderr)
        await conn.execute(
            "TRUNCATE bench_dataset, users, follows, tweets, likes, retweets, outbox CASCADE"
        )
        await _generate(conn, params)
        await conn.execute("INSERT INTO bench_dataset VALUES ($1, now())", params.key())
    finally:
        await conn.close()


async def _generate(conn: asyncpg.Connection, p: Params) -> None:
    rng = random.Random(p.seed)
    ids = Ids(p.users + p.users * p.mean_follows + p.tweets)
    user_ids = [ids.next() for _ in range(p.users)]
    await conn.copy_records_to_table(
        "users",
        records=[
            (uid, f"b{i}", f"b{i}@bench.invalid", UNUSABLE_PASSWORD_HASH, f"Bench {i}")
            for i, uid in enumerate(user_ids)
        ],
        columns=["id", "username", "email", "password_hash", "display_name"],
    )
    progress("users", p.users, p.users)

    # Popularity ~ 1/rank (Zipf): a few users have most followers, as on real networks.
    popularity = [1 / (rank + 1) for rank in range(p.users)]
    cum = list(accumulate(popularity))
    follows: set[tuple[int, int]] = set()
    for i, follower in enumerate(user_ids):
        wanted = min(int(rng.paretovariate(1.5) * p.mean_follows / 3) + 1, p.users // 2)
        for followee in rng.choices(user_ids, cum_weights=cum, k=wanted):
            if followee != follower:
                follows.add((follower, followee))
        if i % 1000 == 0:
            progress("follows", i, p.users)
    progress("follows", p.users, p.users)
    await conn.copy_records_to_table(
        "follows",
        records=[(a, b, ids.next()) for a, b in follows],
        columns=["follower_id", "followee_id", "id"],
    )

    # Activity also follows a power law, independent of popularity.
    activity = list(user_ids)
    rng.shuffle(activity)
    act_cum = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(p.users)))
    batch = 100_000
    for start in range(0, p.tweets, batch):
        n = min(batch, p.tweets - start)
        authors = rng.choices(activity, cum_weights=act_cum, k=n)
        records = []
        for author in authors:
            tid = ids.next()
            tag = f"bench{tid % 50}"
            records.append((tid, author, f"tweet {tid} #{tag}", tid, [tag]))
        await conn.copy_records_to_table(
            "tweets",
            records=records,
            columns=["id", "author_id", "text", "conversation_id", "hashtags"],
        )
        progress("tweets", start + n, p.tweets)
    for column, query in (
        ("followers_count", "SELECT followee_id AS id, count(*) AS n FROM follows GROUP BY 1"),
        ("following_count", "SELECT follower_id AS id, count(*) AS n FROM follows GROUP BY 1"),
        ("tweets_count", "SELECT author_id AS id, count(*) AS n FROM tweets GROUP BY 1"),
    ):
        await conn.execute(f"UPDATE users u SET {column} = c.n FROM ({query}) c WHERE u.id = c.id")
    await conn.execute("ANALYZE")
