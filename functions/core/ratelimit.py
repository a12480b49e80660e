"""Rate limits: token buckets in Redis, per user and per client address, by kind of request.

Each budget is a bucket of `burst` tokens refilled at `per_second`; a request takes one token
or is refused with 429 and a Retry-After saying when one will be there. Buckets live in Redis
so every replica of a function shares them; the check is one Lua call, atomic.

Kinds: reads, writes, and logins (per client address, and per account for failed attempts,
so guessing one account's password is slow however many addresses try). If Redis is down
the limiter lets requests through: a cache outage must not become an API outage.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from redis.exceptions import RedisError
from starlette.requests import Request

from functions.core import cache
from functions.core.cache import key
from functions.core.config import settings
from functions.core.problems import Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Budget:
    burst: int
    per_second: float


# KEYS: buckets. ARGV: now (s), then burst, per second, cost (0 = only look) per bucket.
# All or nothing: returns {1, '0', 0}, or {0, seconds until a token is there, bucket index}.
_TAKE = """
local now, n = tonumber(ARGV[1]), #KEYS
local tokens = {}
for i = 1, n do
  local burst, rate = tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  local cost = tonumber(ARGV[3 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local elapsed = math.max(0, now - (tonumber(state[2]) or now))
  local t = math.min(burst, (tonumber(state[1]) or burst) + elapsed * rate)
  if t < math.max(cost, 1) then
    return {0, tostring((math.max(cost, 1) - t) / rate), i - 1}
  end
  tokens[i] = t - cost
end
for i = 1, n do
  local burst, rate = tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens[i]), 'at', tostring(now))
  redis.call('EXPIRE', KEYS[i], math.ceil(burst / rate) + 1)
end
return {1, '0', 0}
"""


def budgets() -> dict[str, Budget]:
    cfg = settings()
    return {
        "read-ip": Budget(cfg.rate_read_burst, cfg.rate_read_per_s),
        "read-user": Budget(cfg.rate_read_burst // 2, cfg.rate_read_per_s / 2),
        # An address may carry many users (an office, a campus): ten users' worth of writes.
        "write-ip": Budget(cfg.rate_write_burst * 10, cfg.rate_write_per_s * 10),
        "write-user": Budget(cfg.rate_write_burst, cfg.rate_write_per_s),
        "login-ip": Budget(cfg.rate_login_burst, cfg.rate_login_per_s),
        "login-account": Budget(cfg.rate_login_failures, cfg.rate_login_failures / 300),
    }


def client_address(request: Request) -> str:
    """The caller's address: behind `TRUSTED_PROXY_HOPS` proxies, from X-Forwarded-For."""
    hops = settings().trusted_proxy_hops
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.client.host if request.client else "unknown"


async def take(budget_name: str, subject: str, cost: int = 1) -> None:
    """Spend `cost` tokens of a budget (0: only check one is left); 429 when there are none."""
    await take_all([(budget_name, subject, cost)])


async def take_all(wanted: list[tuple[str, str, int]]) -> None:
    """Spend from several budgets in one Redis call, all or none of them."""
    if not settings().rate_limits:
        return
    table = budgets()
    args: list[str | int | float] = [f"{time.time():.3f}"]
    for name, _, cost in wanted:
        args += [table[name].burst, table[name].per_second, cost]
    try:
        script = cache.client().register_script(_TAKE)
        allowed, wait, refused = await script(
            keys=[key("rl", name, subject) for name, subject, _ in wanted], args=args
        )
    except (RedisError, OSError) as exc:
        log.warning("rate limiter unavailable, letting the request through: %s", exc)
        return
    if not int(allowed):
        retry_after = max(1, math.ceil(float(wait)))
        name = wanted[int(refused)][0]
        raise Problem(
            429,
            f"too many requests ({name.replace('-', ' per ')}); retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


async def check_request(request: Request, user: int | None) -> None:
    """The read or write budgets of one request, by user when known and by address always."""
    kind = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
    wanted = [(f"{kind}-ip", client_address(request), 1)]
    if user is not None:
        wanted.append((f"{kind}-user", str(user), 1))
    await take_all(wanted)
