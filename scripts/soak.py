"""`task soak`: a bounded mixed load on the whole local stack with one fault in the middle.

The workload is the DeathStarBench socialNetwork mix (60% home timeline, 30% user timeline,
10% compose) plus likes and follows, from a pool of concurrent clients over HTTPS. A third of
the way in, a fault hits for a sixth of the run: RabbitMQ stopped, Redis emptied and its
connections killed again and again, PostgreSQL restarted, or the server killed -9 and started
again. The report gives requests, errors by class and p50/p99 per route before, during and
after the fault, then a consistency check: every acknowledged tweet is in its author's
timeline and its followers' home timelines, every acknowledged like is counted, and no
notification exists twice.

    scripts/task soak -- --minutes 10 --fault rabbitmq
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts.bench.common import OUT, free_port, table

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = {"home": 60, "user": 30, "compose": 10, "like": 4, "follow": 1}
SOAK_ENV = {
    "DATABASE_URL": os.environ.get(
        "CHIRP_SOAK_DATABASE_URL", "postgresql://postgres:postgres@127.0.0.1:5432/chirp_soak"
    ),
    "REDIS_PREFIX": "soak:",
    "BROKER_NAMESPACE": "chirp_soak",
    # The load comes from one address: budgets big enough that it measures chirp, not them.
    "RATE_LIMIT_READ_BURST": "1000000",
    "RATE_LIMIT_WRITE_BURST": "1000000",
    "RATE_LIMIT_LOGIN_BURST": "1000000",
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_KIB": "8192",
}


@dataclass
class Stack:
    port: int
    tls: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"https://localhost:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "functions.serve", "--port", str(self.port), "--tls-dir",
             str(self.tls)],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                r = httpx.get(f"{self.base}/health", verify=self.ssl(), timeout=1)
                if r.status_code == 200:
                    return
            except (httpx.HTTPError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError("the stack did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)

    def ssl(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.tls / "ca.pem"))


@dataclass
class Record:
    route: str
    phase: str
    status: int  # 0: no response (connection error or timeout)
    seconds: float


@dataclass
class World:
    users: list[dict[str, Any]]
    follows: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    tweets: list[tuple[str, str]] = field(default_factory=list)  # (tweet id, author id)
    likes: set[tuple[str, str]] = field(default_factory=set)  # (tweet id, user id)


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)


async def fault(kind: str, stack: Stack, seconds: float) -> None:
    """Hold one fault for `seconds`, then undo it."""
    end = time.monotonic() + seconds
    if kind == "rabbitmq":
        await asyncio.to_thread(run, ["rabbitmqctl", "stop_app"])
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        await asyncio.to_thread(run, ["rabbitmqctl", "start_app"])
    elif kind == "redis":
        import redis.asyncio as aioredis

        admin = aioredis.Redis()
        while time.monotonic() < end:
            await admin.client_kill_filter(_type="normal", skipme=True)
            await admin.flushall()
            await asyncio.sleep(1)
        await admin.aclose()
    elif kind == "postgres":
        await asyncio.to_thread(run, ["pg_ctlcluster", "15", "main", "stop", "-m", "fast"])
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        await asyncio.to_thread(run, ["pg_ctlcluster", "15", "main", "start"])
    elif kind == "kill":
        await asyncio.to_thread(stack.kill)
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        await asyncio.to_thread(stack.start)
    elif kind != "none":
        raise ValueError(f"unknown fault {kind}")


async def setup(c: httpx.AsyncClient, users: int) -> World:
    world = World([])
    tag = uuid.uuid4().hex[:6]
    for i in range(users):
        name = f"s{tag}{i}"
        body = {"username": name, "email": f"{name}@soak.invalid", "password": "soak soak soak"}
        r = await c.post("/users", json=body)
        user_id = r.json()["id"]
        r = await c.post("/auth/login", json={"username": name, "password": "soak soak soak"})
        world.users.append({"id": user_id, "auth": {"Authorization":
                            f"Bearer {r.json()['access_token']}"}})  # fmt: skip
        print(f"\r  users {i + 1}/{users}", end="", file=sys.stderr)
    print(file=sys.stderr)
    for u in world.users:
        for other in random.sample(world.users, min(10, users - 1)):
            if other["id"] != u["id"]:
                await c.post(f"/users/{other['id']}/follow", headers=u["auth"])
                world.follows[other["id"]].add(u["id"])
    return world


async def worker(c: httpx.AsyncClient, world: World, records: list[Record],
                 phase: dict[str, str], stop: float) -> None:  # fmt: skip
    routes, weights = list(WEIGHTS), list(WEIGHTS.values())
    while time.monotonic() < stop:
        me = random.choice(world.users)
        route = random.choices(routes, weights)[0]
        t0 = time.perf_counter()
        status = 0
        try:
            if route == "home":
                status = (await c.get("/timeline/home", headers=me["auth"])).status_code
            elif route == "user":
                other = random.choice(world.users)
                status = (await c.get(f"/timeline/user/{other['id']}")).status_code
            elif route == "compose":
                r = await c.post("/tweets", json={"text": f"soak {uuid.uuid4().hex[:8]}"},
                                 headers=me["auth"])  # fmt: skip
                status = r.status_code
                if status == 201:
                    world.tweets.append((r.json()["id"], me["id"]))
            elif route == "like" and world.tweets:
                tweet, _ = random.choice(world.tweets)
                r = await c.post(f"/tweets/{tweet}/like", headers=me["auth"])
                status = r.status_code
                if status == 200:
                    world.likes.add((tweet, me["id"]))
            elif route == "follow":
                other = random.choice(world.users)
                if other["id"] != me["id"]:
                    r = await c.post(f"/users/{other['id']}/follow", headers=me["auth"])
                    status = r.status_code
                    if status == 200:
                        world.follows[other["id"]].add(me["id"])
                else:
                    continue
            else:
                continue
        except httpx.HTTPError:
            status = 0
        records.append(Record(route, phase["now"], status, time.perf_counter() - t0))
        if status == 0 or status >= 500:
            await asyncio.sleep(0.2)  # a client backs off while the service is down


def report(records: list[Record]) -> list[dict[str, Any]]:
    rows = []
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in records:
        groups[(r.route, r.phase)].append(r)
    for (route, phase), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], ["before",
                                     "during", "after"].index(kv[0][1]))):  # fmt: skip
        ok = sorted(r.seconds for r in rs if 200 <= r.status < 300)
        classes = Counter("2xx" if 200 <= r.status < 300 else "no answer" if r.status == 0
                          else f"{r.status // 100}xx" for r in rs)  # fmt: skip
        rows.append({
            "route": route, "phase": phase, "requests": len(rs),
            "errors": ", ".join(f"{k}: {v}" for k, v in sorted(classes.items()) if k != "2xx")
            or "-",
            "p50 ms": round(1000 * ok[len(ok) // 2], 1) if ok else None,
            "p99 ms": round(1000 * ok[min(len(ok) - 1, int(0.99 * len(ok)))], 1) if ok else None,
        })  # fmt: skip
    return rows


async def settle(env: dict[str, str], give_up_after_s: float = 600) -> float:
    """Wait until every event has been published and delivered: timelines are eventually
    consistent, so they are checked once the backlog a fault leaves behind is gone."""
    import aio_pika
    import asyncpg

    from functions.local.triggers import load_triggers

    queues = [t.queue for t in load_triggers(env["BROKER_NAMESPACE"])]
    start = time.monotonic()
    conn = await asyncpg.connect(env["DATABASE_URL"])
    broker = await aio_pika.connect(env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1/"))
    try:
        channel = await broker.channel()
        while time.monotonic() - start < give_up_after_s:
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            queued = 0
            for name in queues:
                queue = await channel.declare_queue(name, durable=True, passive=True)
                queued += queue.declaration_result.message_count or 0
            if pending == 0 and queued == 0:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)  # the last deliveries in flight
    finally:
        await conn.close()
        await broker.close()
    return round(time.monotonic() - start, 1)


async def consistency(c: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """Every acknowledged write where it must be, once."""

    async def timeline(path: str, auth: dict[str, str] | None) -> set[str]:
        seen, cursor = set(), None
        while True:
            params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            r = await c.get(path, params=params, headers=auth or {})
            seen |= {t["id"] for t in r.json()["data"]}
            cursor = r.json()["next_cursor"]
            if cursor is None:
                return seen

    by_id = {u["id"]: u for u in world.users}
    missing_user, missing_home = 0, 0
    authors = defaultdict(set)
    for tweet, author in world.tweets:
        authors[author].add(tweet)
    for author, tweets in authors.items():
        missing_user += len(tweets - await timeline(f"/timeline/user/{author}", None))
        for follower in list(world.follows[author])[:5]:
            home = await timeline("/timeline/home", by_id[follower]["auth"])
            missing_home += len(tweets - home)
    undercounted = 0
    for tweet in {t for t, _ in world.likes}:
        r = await c.get(f"/tweets/{tweet}")
        undercounted += r.json()["like_count"] < sum(1 for t, _ in world.likes if t == tweet)
    duplicates = 0
    for u in world.users:
        r = await c.get("/notifications", params={"limit": 100}, headers=u["auth"])
        keys = [(n["type"], n["actor"]["id"], (n.get("tweet") or {}).get("id"))
                for n in r.json()["data"]]  # fmt: skip
        duplicates += len(keys) - len(set(keys))
    return {"tweets acknowledged": len(world.tweets), "likes acknowledged": len(world.likes),
            "missing from author timelines": missing_user,
            "missing from follower home timelines (5 per author)": missing_home,
            "tweets whose like_count is short": undercounted,
            "duplicate notifications": duplicates}  # fmt: skip


async def main() -> int:
    parser = argparse.ArgumentParser(description="chirp soak test")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--fault", default="rabbitmq",
                        choices=["rabbitmq", "redis", "postgres", "kill", "none"])  # fmt: skip
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=12)
    args = parser.parse_args()
    if args.fault in ("rabbitmq", "postgres") and not shutil.which(
        "rabbitmqctl" if args.fault == "rabbitmq" else "pg_ctlcluster"
    ):
        print(f"cannot inject a {args.fault} fault on this machine", file=sys.stderr)
        return 2

    env = {**os.environ, **SOAK_ENV}
    migrate = [sys.executable, "-m", "functions.core.migrations"]
    await asyncio.to_thread(subprocess.run, migrate, env=env, cwd=ROOT, check=True,
                            capture_output=True)  # fmt: skip
    tls = OUT / "soak-tls"
    tls.mkdir(parents=True, exist_ok=True)
    stack = Stack(free_port(), tls, env)
    await asyncio.to_thread(stack.start)
    records: list[Record] = []
    phase = {"now": "before"}
    total = args.minutes * 60
    try:
        limits = httpx.Limits(max_connections=args.concurrency * 2)
        async with httpx.AsyncClient(base_url=stack.base, verify=stack.ssl(), timeout=15,
                                     limits=limits) as c:  # fmt: skip
            world = await setup(c, args.users)
            start = time.monotonic()
            stop = start + total
            workers = [asyncio.create_task(worker(c, world, records, phase, stop))
                       for _ in range(args.concurrency)]  # fmt: skip
            await asyncio.sleep(total / 3)
            phase["now"] = "during"
            print(f"  fault: {args.fault} for {total / 6:.0f} s", file=sys.stderr)
            await fault(args.fault, stack, total / 6)
            phase["now"] = "after"
            await asyncio.gather(*workers)
            drained_s = await settle(env)
            check = {"seconds for the event backlog to drain after the load": drained_s}
            check |= await consistency(c, world)
    finally:
        stack.stop()
    rows = report(records)
    print()
    print(table(f"Soak: {args.minutes:g} min, {args.concurrency} clients, fault: {args.fault}",
                rows))  # fmt: skip
    print()
    print(table("Consistency after the run", [{"check": k, "value": v} for k, v in
                                                check.items()]))  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "soak.json").write_text(json.dumps({"rows": rows, "consistency": check}, indent=2))
    bad = sum(v for k, v in check.items() if k.startswith(("missing", "tweets whose", "dupl")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
