"""`task bench:search`: search latency on the 1M-tweet bench graph, PostgreSQL backend.

Each query kind through the search function's ASGI app, called directly, sequentially (one
at a time: latency, not throughput), after one warm-up call each.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode

from functions.core import db
from functions.core.asgi import function_app
from functions.core.config import settings
from functions.core.migrations import migrate
from scripts.bench import common
from scripts.bench.benchenv import BENCH_ENV  # noqa: F401 - sets the env first
from scripts.bench.common import Result, table


async def run(rounds: int = 30) -> list[dict[str, object]]:
    await migrate(settings().database_url)  # the search indexes, on a graph made earlier
    pool = await db.pool()
    total = await pool.fetchval("SELECT count(*) FROM tweets")
    author = await pool.fetchval("SELECT username FROM users ORDER BY tweets_count DESC LIMIT 1")
    app = function_app("search")
    queries = {
        "one common word (tweet)": {"q": "tweet"},
        "a rare word": {"q": "251400000000000000"},
        "hashtag (#bench7)": {"q": "#bench7"},
        "hashtag + word": {"q": "#bench7 tweet"},
        f"from:{author} (most active author)": {"q": f"from:{author}"},
        '"phrase"': {"q": '"tweet 2514"'},
        "users: prefix": {"q": "b12"},
        "trending 24h": {"window": "24h"},
        "trending 1h": {"window": "1h"},
    }
    rows = []
    for label, params in queries.items():
        path = ("/trending?" if "window" in params else
                "/search/users?" if label.startswith("users") else "/search/tweets?")  # fmt: skip
        url = path + urlencode(params | ({} if "window" in params else {"limit": 20}))
        await common.asgi_get(app, url)
        latencies = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            await common.asgi_get(app, url)
            latencies.append(time.perf_counter() - t0)
        r = Result(label, rounds, sum(latencies), latencies)
        row = r.row()
        del row["ops/s"]
        rows.append(row)
    rows.append({"what": f"({total} tweets in the database)"})
    return rows


def main() -> None:
    rows = asyncio.run(run())
    print(table("Search latency, PostgreSQL full-text backend, one query at a time", rows))
    common.write_json("search", rows)


if __name__ == "__main__":
    main()
