"""`task bench:coldstart`: from process spawn to the first 200, per HTTP function.

This is what a user pays when a Knative Service scales from zero (beyond Knative's own pod
start): the Python start, the imports, Hypercorn, and the first request (which opens the
database pool). Each function is started as its container starts it
(`python -m functions.serve --function NAME --plain`) and asked for a real route. Also lists
the heaviest modules each imports, to keep clients a function does not use out of it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import Any

import httpx

from scripts.bench import common
from scripts.bench.common import ROOT, free_port, table

# A first request per function that touches its stores (ids that need not exist: a 404
# from the database is as much of a first real answer as a 200).
FIRST: dict[str, str] = {
    "users": "/users/username/nobody",
    "tweets": "/tweets/1",
    "timeline": "/timeline/user/1",
    "search": "/trending",
    "media": "/media/1",
    "notifications": "/notifications/unread",
    "apidocs": "/openapi.json",
}
HEAVY = ("elasticsearch", "minio", "aio_pika", "aiormq", "flask", "werkzeug", "boto", "moto")
_IMPORT = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def first_answer(name: str, env: dict[str, str]) -> tuple[float, float, int]:
    """Seconds to the first /health answer and to the first real answer, and its status."""
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "functions.serve", "--function", name, "--plain",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        health = None
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            while time.perf_counter() - start < 30:
                try:
                    if c.get("/health").status_code == 200:
                        health = time.perf_counter() - start
                        break
                except httpx.TransportError:
                    time.sleep(0.002)
            r = c.get(FIRST[name])
            first = time.perf_counter() - start
        return health or float("nan"), first, r.status_code
    finally:
        proc.terminate()
        proc.wait(10)


def imports(name: str, env: dict[str, str]) -> tuple[float, list[str]]:
    """Import time of the function's module, and the heavy packages it pulls in."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import functions.{name}.main"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    total, heavy = 0.0, []
    for _self, cumulative_us, _indent, module in _IMPORT.findall(out):
        if module == f"functions.{name}.main":
            total = int(cumulative_us) / 1e6
        top = module.split(".")[0]
        if top in HEAVY and top not in heavy:
            heavy.append(top)
    return total, heavy


def run(env: dict[str, str], rounds: int = 3) -> list[dict[str, Any]]:
    rows = []
    for name in FIRST:
        samples = [first_answer(name, env) for _ in range(rounds)]
        import_s, heavy = imports(name, env)
        best = min(samples, key=lambda s: s[1])
        rows.append({
            "function": name,
            "spawn → /health ms": round(1000 * min(s[0] for s in samples)),
            "spawn → first real answer ms": round(1000 * best[1]),
            "status": best[2],
            "import ms": round(1000 * import_s),
            "heavy imports": ", ".join(heavy) or "-",
            "< 300 ms": "yes" if best[1] < 0.3 else "NO",
        })  # fmt: skip
    return rows


def main() -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    rows = run(env)
    print(table("Cold start per HTTP function (best of 3, bytecode cached)", rows))
    common.write_json("coldstart", rows)


if __name__ == "__main__":
    main()
