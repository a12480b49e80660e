"""Test fixtures: a fresh PostgreSQL database per run, and the local gateway in-process.

Settings are read from the environment once per process, so the environment is set here,
at import, before any chirp module reads it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

from functions.local.service_env import service_env

# What the Knative Services set applies here as it does to the local stack...
for _name, _value in service_env().items():
    os.environ.setdefault(_name, _value)
# ...and this run's own stores and smaller tiers on top.

TEST_DB = f"chirp_test_{uuid.uuid4().hex[:12]}"
_BASE_URL = os.environ.get(
    "CHIRP_TEST_DATABASE_BASE", "postgresql://postgres:postgres@127.0.0.1:5432"
)
os.environ["DATABASE_URL"] = f"{_BASE_URL}/{TEST_DB}"
os.environ.setdefault("JWT_SECRET", "test-secret-" + uuid.uuid4().hex)
# Cheap hashes keep the suite fast; production cost is set in functions.core.config.
os.environ["ARGON2_TIME_COST"] = "1"
os.environ["ARGON2_MEMORY_KIB"] = "1024"
# This run's own exchange and queues, apart from a dev stack or another run on the same broker.
os.environ["BROKER_NAMESPACE"] = TEST_DB
os.environ["REDIS_PREFIX"] = f"{TEST_DB}:"
# Small fanout tiers, so a handful of followers exercises every class (test_timelines).
os.environ["FANOUT_PUSH_ALL_BELOW"] = "3"
os.environ["FANOUT_PULL_ABOVE"] = "5"
# Short Redis timelines, so paging past their trimmed end (into PostgreSQL) is tested too.
os.environ["TIMELINE_SIZE"] = "30"
# The whole suite writes from one address as hundreds of users within seconds: generous
# budgets here; tests/test_rate_limits.py checks the limiter with small ones.
os.environ["RATE_LIMIT_WRITE_BURST"] = "100000"
os.environ["RATE_LIMIT_READ_BURST"] = "100000"
os.environ["RATE_LIMIT_LOGIN_BURST"] = "100000"

import aio_pika  # noqa: E402
import httpx  # noqa: E402
import pytest  # noqa: E402

from events.broker import exchange_name  # noqa: E402
from functions.core import cache, db  # noqa: E402
from functions.core.config import settings  # noqa: E402
from functions.core.migrations import drop_database, migrate  # noqa: E402
from functions.local.events import EventPlane  # noqa: E402
from functions.local.gateway import Gateway, build_gateway  # noqa: E402
from functions.local.triggers import load_triggers  # noqa: E402
from tests.live_server import Server, serve  # noqa: E402
from tests.support import Account, MakeAccount, unique_name  # noqa: E402


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[str]:
    url = os.environ["DATABASE_URL"]
    await migrate(url)
    yield url
    await db.close()
    await drop_database(url)
    await _delete_broker_namespace()
    await _delete_redis_namespace()


async def _delete_redis_namespace() -> None:
    client = cache.client()
    async for name in client.scan_iter(match=f"{settings().redis_prefix}*", count=1000):
        await client.delete(name)
    await cache.close()


async def _delete_broker_namespace() -> None:
    """Remove the queues and exchange this run declared (they are durable)."""
    cfg = settings()
    connection = await aio_pika.connect(cfg.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        for trigger in load_triggers(cfg.broker_namespace):
            await channel.queue_delete(trigger.queue)
            await channel.queue_delete(trigger.dead_letter_queue)
        await channel.exchange_delete(exchange_name(cfg.broker_namespace))


@pytest.fixture(scope="module")
async def event_plane(database: str) -> AsyncIterator[EventPlane]:
    """The relay and the Trigger dispatcher, for tests that follow events end to end."""
    plane = EventPlane()
    await plane.start()
    yield plane
    await plane.stop()


@pytest.fixture(scope="module")
def live_server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The whole stack as a real server process, over TCP (h1, h2) and QUIC (h3).

    Per module: its outbox relay shares this run's database, and must not outlive the tests
    that need it (tests/test_relay_http.py relays by hand)."""
    yield from serve(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def gateway() -> Gateway:
    return build_gateway()


@pytest.fixture
async def client(database: str, gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="https://chirp.test") as c:
        yield c


@pytest.fixture
def make_account(client: httpx.AsyncClient) -> MakeAccount:
    async def make(username: str | None = None, password: str = "correct horse") -> Account:
        username = username or unique_name()
        r = await client.post(
            "/users",
            json={"username": username, "email": f"{username}@example.com", "password": password},
        )
        assert r.status_code == 201, r.text
        user_id = r.json()["id"]
        r = await client.post("/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        tokens = r.json()
        return Account(user_id, username, password, tokens["access_token"], tokens["refresh_token"])

    return make
