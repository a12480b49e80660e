"""One HTTP/3 load client process: GETs in a loop for N seconds, prints latencies as JSON.

Usage: h3client.py BASE SECONDS PATHS_JSON TOKENS_JSON (paths and tokens are used in turn).
"""

from __future__ import annotations

import json
import sys
import time

import niquests

from functions.local.manifests import REPO_ROOT


def main() -> None:
    base, seconds = sys.argv[1], float(sys.argv[2])
    paths, tokens = json.loads(sys.argv[3]), json.loads(sys.argv[4])
    ca = str(REPO_ROOT / ".local" / "tls" / "ca.pem")
    latencies: list[float] = []
    with niquests.Session(disable_http1=True, disable_http2=True) as session:
        session.trust_env = False
        for i in range(20):  # connect and warm up
            session.get(base + paths[i % len(paths)], verify=ca, headers=_auth(tokens, i))
        start = time.perf_counter()
        i = 0
        while (t0 := time.perf_counter()) - start < seconds:
            r = session.get(base + paths[i % len(paths)], verify=ca, headers=_auth(tokens, i))
            if r.status_code != 200 or r.http_version != 30:
                raise SystemExit(f"bad response: {r.status_code} over {r.http_version}")
            latencies.append(time.perf_counter() - t0)
            i += 1
    print(json.dumps({"latencies": latencies, "seconds": time.perf_counter() - start}))


def _auth(tokens: list[str], i: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[i % len(tokens)]}"} if tokens else {}


if __name__ == "__main__":
    main()
