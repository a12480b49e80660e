"""Settings read once from the environment, with defaults that fit the local stack.

Configuration comes only from environment variables, so a Knative Service sets it from
ConfigMaps and Secrets and a developer's machine needs nothing set at all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

log = logging.getLogger(__name__)

_DEV_JWT_SECRET = "chirp-local-development-secret-change-me"  # noqa: S105 - dev default only


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be an integer, not {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a number, not {raw!r}") from None


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str
    database_url: str
    redis_addr: str
    rabbitmq_url: str
    broker_namespace: str
    broker_ingress_url: str | None
    elasticsearch_url: str | None
    minio_endpoint: str | None
    minio_access_key: str
    minio_secret_key: str
    minio_bucket: str
    minio_secure: bool
    media_dir: str
    jwt_secret: str
    jwt_issuer: str
    access_token_ttl_s: int
    refresh_token_ttl_s: int
    argon2_time_cost: int
    argon2_memory_kib: int
    argon2_parallelism: int
    db_pool_min: int
    db_pool_max: int
    redis_prefix: str
    timeline_size: int
    timeline_backfill: int
    fanout_push_all_below: int
    fanout_pull_above: int
    active_window_s: int
    rate_limits: bool
    rate_read_burst: int
    rate_read_per_s: float
    rate_write_burst: int
    rate_write_per_s: float
    rate_login_burst: int
    rate_login_per_s: float
    rate_login_failures: int
    trusted_proxy_hops: int
    cors_origins: tuple[str, ...]

    @property
    def production(self) -> bool:
        return self.environment == "production"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from an environment, by default this process's (no caching here)."""
    env = os.environ if env is None else env
    environment = env.get("CHIRP_ENV", "development")
    jwt_secret = env.get("JWT_SECRET", "")
    if not jwt_secret:
        if environment == "production":
            raise RuntimeError("JWT_SECRET must be set when CHIRP_ENV=production")
        jwt_secret = _DEV_JWT_SECRET
    if len(jwt_secret.encode()) < 32:
        raise RuntimeError("JWT_SECRET must be at least 32 bytes (RFC 7518 3.2 for HS256)")
    return Settings(
        environment=environment,
        database_url=env.get("DATABASE_URL", "postgresql://postgres:postgres@127.0.0.1:5432/chirp"),
        redis_addr=env.get("REDIS_ADDR", "127.0.0.1:6379"),
        rabbitmq_url=env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        # Prefix of the broker's exchange and queues, so stacks sharing a RabbitMQ stay apart.
        broker_namespace=env.get("BROKER_NAMESPACE", "chirp"),
        # Knative's sink for the relay: the broker's HTTP ingress (unset: publish to RabbitMQ).
        broker_ingress_url=env.get("K_SINK") or None,
        elasticsearch_url=env.get("ELASTICSEARCH_URL") or None,
        minio_endpoint=env.get("MINIO_ENDPOINT") or None,
        minio_access_key=env.get("MINIO_ACCESS_KEY", "minioadmin"),
        minio_secret_key=env.get("MINIO_SECRET_KEY", "minioadmin"),
        minio_bucket=env.get("MINIO_BUCKET", "media"),
        minio_secure=env.get("MINIO_SECURE", "true").lower() in {"1", "true", "yes", "on"},
        # Where the local media store keeps bytes (when MINIO_ENDPOINT is not set).
        media_dir=env.get("MEDIA_DIR", ".local/media"),
        jwt_secret=jwt_secret,
        jwt_issuer=env.get("JWT_ISSUER", "chirp"),
        access_token_ttl_s=_int(env, "ACCESS_TOKEN_TTL_SECONDS", 15 * 60),
        refresh_token_ttl_s=_int(env, "REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600),
        argon2_time_cost=_int(env, "ARGON2_TIME_COST", 2),
        argon2_memory_kib=_int(env, "ARGON2_MEMORY_KIB", 19 * 1024),
        argon2_parallelism=_int(env, "ARGON2_PARALLELISM", 1),
        db_pool_min=_int(env, "DB_POOL_MIN", 1),
        db_pool_max=_int(env, "DB_POOL_MAX", 10),
        # Every key this stack writes starts with it, so stacks sharing a Redis stay apart.
        redis_prefix=env.get("REDIS_PREFIX", "chirp:"),
        # Twitter keeps about 800 ids per home timeline; deeper pages are read from PostgreSQL.
        timeline_size=_int(env, "TIMELINE_SIZE", 800),
        timeline_backfill=_int(env, "TIMELINE_BACKFILL", 100),
        # Smart fanout tiers by follower count: push to all, push to the active, or pull.
        fanout_push_all_below=_int(env, "FANOUT_PUSH_ALL_BELOW", 10_000),
        fanout_pull_above=_int(env, "FANOUT_PULL_ABOVE", 1_000_000),
        active_window_s=_int(env, "TIMELINE_ACTIVE_SECONDS", 7 * 24 * 3600),
        # Token buckets per client address and per user (functions/core/ratelimit.py).
        rate_limits=env.get("RATE_LIMITS", "on").lower() not in {"0", "off", "false", "no"},
        rate_read_burst=_int(env, "RATE_LIMIT_READ_BURST", 5000),
        rate_read_per_s=_float(env, "RATE_LIMIT_READ_PER_SECOND", 500.0),
        rate_write_burst=_int(env, "RATE_LIMIT_WRITE_BURST", 1000),
        rate_write_per_s=_float(env, "RATE_LIMIT_WRITE_PER_SECOND", 20.0),
        rate_login_burst=_int(env, "RATE_LIMIT_LOGIN_BURST", 1000),
        rate_login_per_s=_float(env, "RATE_LIMIT_LOGIN_PER_SECOND", 20.0),
        # Failed logins per account before 429; one more is allowed every 300/N seconds.
        rate_login_failures=_int(env, "LOGIN_MAX_FAILURES", 5),
        trusted_proxy_hops=_int(env, "TRUSTED_PROXY_HOPS", 0),
        # Browser origins allowed to call the API (comma-separated; empty: none).
        cors_origins=tuple(o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip()),
    )


@cache
def settings() -> Settings:
    """The process-wide settings; functions read them once per process."""
    loaded = load_settings()
    if loaded.jwt_secret == _DEV_JWT_SECRET:
        log.warning("JWT_SECRET is not set: using the insecure local development secret")
    return loaded


class _Recorder(dict[str, str]):
    def __init__(self) -> None:
        super().__init__(JWT_SECRET="x" * 32)
        self.read: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)


def setting_names() -> frozenset[str]:
    """Every environment variable chirp reads: manifests may set these and nothing else."""
    recorder = _Recorder()
    load_settings(recorder)
    return frozenset(recorder.read)
