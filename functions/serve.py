"""Serve chirp with Hypercorn: the whole local stack, or one function as its container does.

`python -m functions.serve` serves the local gateway (every function, routed by the
HTTPRoutes) over HTTP/1.1, HTTP/2 and HTTP/3. `python -m functions.serve --function users
--plain --host 0.0.0.0` serves one function the way its container does in a Knative Service
(plain HTTP/1.1 and h2c on $PORT behind the cluster's gateway; see the Dockerfile).

Settings the Services set in knative/ (their literal env and the ConfigMaps marked for local
use) apply here too, unless the environment already sets them.

One Hypercorn process: its HTTP/3 (aioquic) does not work with several workers, because
QUIC packets would land in the wrong worker (pgjones/hypercorn#114).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
from pathlib import Path

from hypercorn.asyncio import serve
from hypercorn.config import Config

from functions.local.manifests import REPO_ROOT


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def hypercorn_config(host: str, port: int, tls_dir: Path | None) -> Config:
    config = Config()
    hosts = ["127.0.0.1", "[::1]"] if host == "localhost" else [host]
    if host == "localhost" and not _ipv6_loopback():
        hosts = ["127.0.0.1"]
    config.bind = [f"{h}:{port}" for h in hosts]
    if tls_dir is not None:
        from functions.local.tls import ensure_dev_certificates

        certs = ensure_dev_certificates(tls_dir)
        config.certfile = str(certs.cert_chain)
        config.keyfile = str(certs.key)
        config.quic_bind = [f"{h}:{port}" for h in hosts]
        config.alt_svc_headers = [f'h3=":{port}"; ma=86400']
    # Limits on what a client may send before any function sees it: 16 KiB of request line and
    # headers (HTTP/1.1 and HTTP/2 alike), and no connection left idle mid-request for long.
    config.h11_max_incomplete_size = 16 * 1024
    config.h2_max_header_list_size = 16 * 1024
    config.read_timeout = 60
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 5
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve chirp locally over HTTP/1.1, 2 and 3.")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8443))
    parser.add_argument("--plain", action="store_true", help="no TLS (behind a gateway)")
    parser.add_argument("--tls-dir", type=Path, default=REPO_ROOT / ".local" / "tls")
    parser.add_argument("--function", help="serve only this function (its container's job)")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("quic", "httpx"):  # an INFO line per QUIC handshake / event delivery
        logging.getLogger(noisy).setLevel(logging.WARNING)

    if "K_SERVICE" not in os.environ:  # Knative sets K_SERVICE, and the env from the Service
        from functions.local.service_env import service_env

        for name, value in service_env([args.function] if args.function else None).items():
            os.environ.setdefault(name, value)
    tls_dir = None if args.plain else args.tls_dir
    config = hypercorn_config(args.host, args.port, tls_dir)
    # A function's container loads only that function: no gateway, no event plane.
    if args.function:
        from functions.core.asgi import standalone

        app, names = standalone(args.function), [args.function]
    else:
        from functions.local.gateway import build_gateway

        gateway = build_gateway(with_events=True)
        app, names = gateway, sorted(gateway.apps)
    scheme = "https" if tls_dir else "http"
    print(f"chirp is serving on {scheme}://{args.host}:{args.port}", flush=True)
    if tls_dir:
        print(
            f"  HTTP/1.1, HTTP/2 and HTTP/3 (QUIC, udp/{args.port}); trust the development CA at "
            f"{(tls_dir / 'ca.pem').resolve()}",
            flush=True,
        )
        print(
            f"  try: curl --cacert {(tls_dir / 'ca.pem').resolve()} "
            f"https://{args.host}:{args.port}/health",
            flush=True,
        )
    print("  functions: " + ", ".join(names) + "   (Ctrl-C stops)", flush=True)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, config, shutdown_trigger=stop.wait)

    asyncio.run(run())
    print("chirp stopped", flush=True)


if __name__ == "__main__":
    main()
