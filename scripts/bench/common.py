"""What every benchmark shares: load loops, latency percentiles, a server process, tables.

Figures are only compared within one run (side by side, same machine, same moment): these
machines are shared and have 2 cores, so absolute numbers move from run to run.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".local" / "bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    cpu_s: float | None = None  # server CPU time spent, when a server was measured
    note: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def cpu_ms_per_request(self) -> float | None:
        return None if self.cpu_s is None or not self.count else 1000 * self.cpu_s / self.count

    def row(self, baseline: Result | None = None, label: str = "ratio") -> dict[str, Any]:
        p50, p99 = self.pct(0.5), self.pct(0.99)
        return {
            "what": self.name,
            "ops/s": round(self.rate, 1),
            "p50 ms": None if p50 is None else round(p50 * 1000, 2),
            "p99 ms": None if p99 is None else round(p99 * 1000, 2),
            "server CPU ms/op": None
            if self.cpu_ms_per_request is None
            else round(self.cpu_ms_per_request, 3),
            label: None
            if baseline is None or not baseline.rate
            else f"{self.rate / baseline.rate:.2f}x",
            "note": self.note,
        }


async def closed_loop(
    name: str,
    op: Callable[[int], Awaitable[None]],
    concurrency: int = 8,
    seconds: float = 5.0,
    warmup: float = 1.0,
) -> Result:
    """`concurrency` tasks call `op(i)` back to back; the first `warmup` seconds are not kept."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + warmup
    stop = measure_from + seconds
    latencies: list[float] = []

    async def worker(w: int) -> None:
        i = w
        while (t0 := loop.time()) < stop:
            await op(i)
            i += concurrency
            if t0 >= measure_from:
                latencies.append(loop.time() - t0)

    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return Result(name, len(latencies), seconds, latencies)


async def asgi_get(app: Any, path: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> bytes:
    """Call an ASGI app directly, with no network and no HTTP client: the in-process cost."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"chirp.bench"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("chirp.bench", 443),
    }
    body = bytearray()
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {bytes(body)[:200]!r}")
    return bytes(body)


def table(title: str, rows: list[dict[str, Any]]) -> str:
    """A plain-text table; columns whose values are all empty are left out."""
    columns = [c for c in rows[0] if any(r.get(c) not in (None, "") for r in rows)]
    cells = [[str(c) for c in columns]] + [
        ["" if r.get(c) is None else str(r.get(c)) for c in columns] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = [title, ""]
    for n, row in enumerate(cells):
        lines.append("| " + " | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def write_json(name: str, data: Any) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (fields 14 and 15 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`scripts/bench/server.py` in its own process: the stack, plus a trivial function."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scripts.bench.server", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("bench server did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(10)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def base(self) -> str:
        return f"https://localhost:{self.port}"


def ensure_wrk() -> str:
    """wrk from Debian's packages: a C load client that outruns the server it measures."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


_WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_WRK_REQUESTS = re.compile(r"(\d+) requests in ([\d.]+)(s|m)")
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def wrk(
    name: str, server: Server, url: str, seconds: int, connections: int, script: Path | None
) -> Result:
    """HTTP/1.1 load with wrk, with the server's CPU time measured over the same window."""
    cmd = [ensure_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script is not None:
        cmd[1:1] = ["-s", str(script)]
    cpu0 = cpu_seconds(server.pid)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server.pid) - cpu0
    m = _WRK_REQUESTS.search(out)
    if m is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    count, dur = int(m.group(1)), float(m.group(2)) * (60 if m.group(3) == "m" else 1)
    pcts = {q: float(v) * _UNITS[u] for q, v, u in _WRK_LATENCY.findall(out)}
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")
    result = Result(name, count, dur, cpu_s=cpu)
    # wrk reports percentiles, not samples: keep them as a two-point distribution.
    result.latencies = [pcts.get("50", 0.0)] * 98 + [pcts.get("99", 0.0)] * 2
    return result


def h3_load(
    name: str, server: Server, paths: list[str], tokens: list[str], seconds: float, clients: int
) -> Result:
    """HTTP/3 load from `clients` processes (niquests over aioquic's peer, qh3).

    No HTTP/3 client here outruns the server, so req/s is the client's limit; the server CPU
    time per request is the figure to compare across transports.
    """
    cmd = [sys.executable, "-m", "scripts.bench.h3client", server.base,
           str(seconds), json.dumps(paths), json.dumps(tokens)]  # fmt: skip
    cpu0 = cpu_seconds(server.pid)
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT) for _ in range(clients)]
    outputs = [json.loads(p.communicate()[0]) for p in procs]
    cpu = cpu_seconds(server.pid) - cpu0
    latencies = [lat for o in outputs for lat in o["latencies"]]
    elapsed = max(o["seconds"] for o in outputs)
    return Result(name, len(latencies), elapsed, latencies, cpu_s=cpu)
