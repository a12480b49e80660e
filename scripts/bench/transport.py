"""`task bench:transport`: what each layer costs, on the trivial function.

The same functions-framework function (scripts/bench/hello.py) called as an ASGI app in-process,
then through one Hypercorn process over HTTP/1.1+TLS (wrk), HTTP/2 (h2load) and HTTP/3
(niquests, whose requests per second are its own limit, so the HTTP/3 row is read by its server
CPU per request). "Capacity" is what one server core could do at that CPU cost.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
from typing import Any

from functions_framework.aio import create_asgi_app_from_module

from scripts.bench import common, hello
from scripts.bench.common import Result, Server, closed_loop, cpu_seconds, table

_H2_RATE = re.compile(r"finished in [\d.]+m?s, ([\d.]+) req/s")
_H2_DONE = re.compile(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded")
_H2_TIME = re.compile(
    r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)"
)
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def h2load(name: str, server: Server, url: str, seconds: int, clients: int) -> Result:
    exe = shutil.which("h2load")
    if exe is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "nghttp2-client"], check=True)
        exe = shutil.which("h2load") or "h2load"
    cpu0 = cpu_seconds(server.pid)
    out = subprocess.run(
        [exe, "-c", str(clients), "-m", "10", "-D", str(seconds), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    cpu = cpu_seconds(server.pid) - cpu0
    done = _H2_DONE.search(out)
    rate = _H2_RATE.search(out)
    if done is None or rate is None:
        raise RuntimeError(f"unexpected h2load output:\n{out}")
    count = int(done.group(2))
    result = Result(name, count, count / float(rate.group(1)), cpu_s=cpu)
    if m := _H2_TIME.search(out):  # min, max, mean: keep the mean as the typical latency
        mean = float(m.group(5)) * _UNITS[m.group(6)]
        result.latencies = [mean] * 100
        result.note = "h2load reports mean latency only"
    return result


async def raw_asgi(seconds: float) -> Result:
    app = create_asgi_app_from_module(  # type: ignore[no-untyped-call]
        target="hello", source=hello.__file__, signature_type=None,
        source_module=hello, spec=hello.__spec__,
    )  # fmt: skip

    async def call(i: int) -> None:
        await common.asgi_get(app, "/hello")

    cpu0 = time.process_time()
    result = await closed_loop("in-process ASGI call (no network)", call, 8, seconds)
    result.cpu_s = time.process_time() - cpu0
    return result


def capacity(result: Result) -> float | None:
    per = result.cpu_ms_per_request
    return None if not per else round(1000 / per)


def run(seconds: int = 5) -> tuple[list[dict[str, Any]], dict[str, float]]:
    raw = asyncio.run(raw_asgi(seconds))
    with Server({**os.environ}) as server:
        url = f"{server.base}/hello"
        h1 = common.wrk("HTTP/1.1 + TLS (wrk)", server, url, seconds, 16, None)
        h2 = h2load("HTTP/2 + TLS (h2load)", server, url, seconds, 16)
        h3 = common.h3_load("HTTP/3 / QUIC (niquests)", server, ["/hello"], [], seconds, 2)
    rows = []
    for r in (raw, h1, h2, h3):
        row = r.row(raw, "vs in-process")
        row["capacity/core"] = capacity(r)
        rows.append(row)
    h3_vs_h1 = (h1.cpu_ms_per_request or 0) / (h3.cpu_ms_per_request or 1)
    return rows, {"h3_capacity_vs_h1": round(h3_vs_h1, 3)}


def main() -> None:
    rows, ratios = run(int(os.environ.get("BENCH_SECONDS", "5")))
    print(table("Transport: the trivial function, one server process", rows))
    verdict = "met" if ratios["h3_capacity_vs_h1"] >= 0.7 else "NOT met"
    print(f"\nHTTP/3 capacity per core vs HTTP/1.1: {ratios['h3_capacity_vs_h1']:.2f} "
          f"(target ≥ 0.70: {verdict})")  # fmt: skip
    common.write_json("transport", {"rows": rows, "ratios": ratios})


if __name__ == "__main__":
    main()
