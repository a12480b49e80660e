"""Point this process at the benchmarks' own stores; import it before any chirp module.

Settings are read once per process, so this must run first: the bench database (the
generated social graph), its own Redis prefix and broker namespace, and rate budgets large
enough that a benchmark measures chirp rather than its limits (the limiter still runs).
"""

from __future__ import annotations

import os

BENCH_ENV = {
    "DATABASE_URL": os.environ.get(
        "CHIRP_BENCH_DATABASE_URL", "postgresql://postgres:postgres@127.0.0.1:5432/chirp_bench"
    ),
    "REDIS_PREFIX": "bench:",
    "BROKER_NAMESPACE": "chirp_bench",
    "DB_POOL_MAX": "20",
    "RATE_LIMIT_READ_BURST": "100000000",
    "RATE_LIMIT_READ_PER_SECOND": "100000000",
    "RATE_LIMIT_WRITE_BURST": "100000000",
    "RATE_LIMIT_WRITE_PER_SECOND": "100000000",
}
os.environ.update(BENCH_ENV)
