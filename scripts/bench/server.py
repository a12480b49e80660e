"""The benchmark server: the local gateway plus the trivial function at /hello, one process.

Served by Hypercorn exactly as `python -m functions.serve` serves the stack (TLS, HTTP/1.1,
HTTP/2 and HTTP/3 on one port), so a function's figures and the trivial function's figures
come from the same transport in the same process.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from functions_framework.aio import create_asgi_app_from_module
from hypercorn.asyncio import serve

from functions.local.gateway import build_gateway
from functions.local.manifests import REPO_ROOT
from functions.serve import hypercorn_config
from scripts.bench import hello


def app() -> Any:
    gateway = build_gateway()
    trivial = create_asgi_app_from_module(  # type: ignore[no-untyped-call]
        target="hello", source=hello.__file__, signature_type=None,
        source_module=hello, spec=hello.__spec__,
    )  # fmt: skip

    async def route(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/hello":
            await trivial(scope, receive, send)
        else:
            await gateway(scope, receive, send)

    return route


async def main(port: int) -> None:
    config = hypercorn_config("localhost", port, REPO_ROOT / ".local" / "tls")
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await serve(app(), config, shutdown_trigger=stop.wait)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
