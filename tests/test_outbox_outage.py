"""No event is lost while RabbitMQ is down: the outbox holds it until the broker is back.

Stops the machine's RabbitMQ application (`rabbitmqctl stop_app`) for a few seconds, so it
runs only where this test may do that (rabbitmqctl on PATH).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import httpx
import pytest

from functions.local.events import EventPlane
from tests.support import MakeAccount

RABBITMQCTL = shutil.which("rabbitmqctl")
pytestmark = pytest.mark.skipif(
    RABBITMQCTL is None, reason="rabbitmqctl not available: outage NOT tested"
)


def rabbitmqctl(*args: str) -> None:
    assert RABBITMQCTL is not None
    subprocess.run([RABBITMQCTL, *args], check=True, capture_output=True, timeout=120)


async def test_events_written_during_an_outage_arrive_once_afterwards(
    client: httpx.AsyncClient, make_account: MakeAccount, database: str
) -> None:
    alice = await make_account()
    fans = [await make_account() for _ in range(5)]
    tweet = (
        await client.post("/tweets", json={"text": "during the outage"}, headers=alice.headers)
    ).json()
    plane = EventPlane()
    await plane.start()
    try:
        await asyncio.to_thread(rabbitmqctl, "stop_app")
        try:
            for fan in fans:  # writes keep working: the events wait in the outbox
                r = await client.post(f"/tweets/{tweet['id']}/like", headers=fan.headers)
                assert r.status_code == 200
            await asyncio.sleep(1)
        finally:
            await asyncio.to_thread(rabbitmqctl, "start_app")
            await asyncio.to_thread(rabbitmqctl, "await_startup")

        async def count() -> int:
            r = await client.get("/notifications", headers=alice.headers)
            return len(r.json()["data"])

        deadline = asyncio.get_running_loop().time() + 60
        while await count() < len(fans):
            assert asyncio.get_running_loop().time() < deadline, (
                "events did not arrive after the outage"
            )
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        assert await count() == len(fans)  # exactly once in effect
    finally:
        await plane.stop()
