"""`task bench:mixed`: the DeathStarBench socialNetwork mix at fixed offered rates (open loop).

60% home timeline, 30% user timeline, 10% compose, over the generated 10K-user / 1M-tweet
graph, against one server process, over HTTP/1.1 (httpx) and HTTP/3 (niquests). Requests
start on a fixed schedule whatever the answers do, and latency counts from the scheduled
start, so a slow server shows as latency rather than as fewer requests (no coordinated
omission). The client is Python: offered rates stay below what it can send.
"""

from __future__ import annotations

import asyncio
import os
import random
import ssl
import time
from collections import defaultdict
from typing import Any

import httpx
import niquests

from functions.core import db
from functions.core.auth import issue_access_token
from functions.local.manifests import REPO_ROOT
from scripts.bench import common
from scripts.bench.benchenv import BENCH_ENV
from scripts.bench.common import Result, Server, table

MIX = {"home": 60, "user": 30, "compose": 10}


async def load(send: Any, rate: float, seconds: float, users: list[int], tokens: list[str]
               ) -> tuple[dict[str, list[float]], int, float]:  # fmt: skip
    """Offer `rate` requests a second for `seconds`; latencies per operation, errors, elapsed."""
    ops, weights = list(MIX), list(MIX.values())
    latencies: dict[str, list[float]] = defaultdict(list)
    errors = 0
    tasks = []
    start = time.perf_counter() + 0.2

    async def one(op: str, scheduled: float, i: int) -> None:
        nonlocal errors
        who = i % len(tokens)
        auth = {"Authorization": f"Bearer {tokens[who]}"}
        try:
            if op == "home":
                status = await send("GET", "/timeline/home?limit=20", auth, None)
            elif op == "user":
                status = await send("GET", f"/timeline/user/{random.choice(users)}?limit=20",
                                    {}, None)  # fmt: skip
            else:
                status = await send("POST", "/tweets", auth, {"text": f"mixed {i} #bench"})
            ok = status in (200, 201)
        except Exception:
            ok = False
        if ok:
            latencies[op].append(time.perf_counter() - scheduled)
        else:
            errors += 1

    n = int(rate * seconds)
    for i in range(n):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(random.choices(ops, weights)[0], scheduled, i)))
    await asyncio.gather(*tasks)
    return latencies, errors, time.perf_counter() - start


def rows_for(label: str, rate: float, result: tuple[dict[str, list[float]], int, float],
             cpu: float) -> list[dict[str, Any]]:  # fmt: skip
    latencies, errors, elapsed = result
    done = sum(len(v) for v in latencies.values())
    rows = []
    for op in MIX:
        r = Result(op, len(latencies[op]), elapsed, latencies[op])
        p999 = r.pct(0.999)
        rows.append({
            "transport": label, "offered/s": rate, "op": op, "done/s": round(r.rate, 1),
            "p50 ms": round(1000 * (r.pct(0.5) or 0), 1),
            "p99 ms": round(1000 * (r.pct(0.99) or 0), 1),
            "p99.9 ms": round(1000 * (p999 or 0), 1),
            "errors": errors if op == "home" else "",
            "server CPU ms/req": round(1000 * cpu / max(done, 1), 3) if op == "home" else "",
        })  # fmt: skip
    return rows


async def run(rates: list[float], seconds: float) -> list[dict[str, Any]]:
    pool = await db.pool()
    users = [r[0] for r in await pool.fetch(
        "SELECT id FROM users WHERE username LIKE 'b%' ORDER BY random() LIMIT 500")]  # fmt: skip
    tokens = [issue_access_token(u).token for u in users[:200]]
    await db.close()
    out: list[dict[str, Any]] = []
    with Server({**os.environ, **BENCH_ENV}) as server:
        trust = ssl.create_default_context(cafile=str(REPO_ROOT / ".local/tls/ca.pem"))
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        async with httpx.AsyncClient(base_url=server.base, verify=trust, timeout=30,
                                     limits=limits) as h1:  # fmt: skip

            async def send_h1(method: str, path: str, headers: dict[str, str], body: Any) -> int:
                r = await h1.request(method, path, headers=headers, json=body)
                return r.status_code

            for rate in rates:
                cpu0 = common.cpu_seconds(server.pid)
                result = await load(send_h1, rate, seconds, users, tokens)
                out += rows_for("HTTP/1.1", rate, result, common.cpu_seconds(server.pid) - cpu0)

        async with niquests.AsyncSession(disable_http1=True, disable_http2=True,
                                         pool_maxsize=64) as h3:  # fmt: skip
            h3.trust_env = False
            ca = str(REPO_ROOT / ".local/tls/ca.pem")

            async def send_h3(method: str, path: str, headers: dict[str, str], body: Any) -> int:
                r = await h3.request(method, server.base + path, headers=headers, json=body,
                                     verify=ca, timeout=30)  # fmt: skip
                return int(r.status_code or 0)

            await send_h3("GET", "/trending", {}, None)  # connect and warm up
            for rate in rates:
                cpu0 = common.cpu_seconds(server.pid)
                result = await load(send_h3, rate, seconds, users, tokens)
                out += rows_for("HTTP/3", rate, result, common.cpu_seconds(server.pid) - cpu0)
    return out


def main() -> None:
    rates = [float(r) for r in os.environ.get("BENCH_RATES", "50,100,200").split(",")]
    rows = asyncio.run(run(rates, float(os.environ.get("BENCH_SECONDS", "10"))))
    print(table("Mixed workload at fixed offered rates (open loop), one server process", rows))
    common.write_json("mixed", rows)


if __name__ == "__main__":
    main()
