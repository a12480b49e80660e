"""The real server process (`python -m functions.serve`) for tests that speak HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import niquests
import pytest


@dataclass
class Server:
    base_url: str
    ca: str
    pid: int


def _free_port() -> int:
    """A port free for both TCP and UDP on 127.0.0.1 (QUIC shares the HTTPS port number)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def serve(tls_dir: Path) -> Generator[Server, None, None]:
    """`python -m functions.serve` as its own process, until the generator is closed."""
    port = _free_port()
    log_path = tls_dir / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "functions.serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--tls-dir",
            str(tls_dir),
        ],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"https://127.0.0.1:{port}"
    ca = str(tls_dir / "ca.pem")
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            log.close()
            pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with tcp_session() as s:
                if s.get(f"{base}/health", verify=ca, timeout=2).status_code == 200:
                    break
        except (niquests.exceptions.ConnectionError, niquests.exceptions.Timeout, OSError):
            pass
        if time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"server did not answer /health within 30 s:\n{log_path.read_text()}")
        time.sleep(0.2)
    try:
        yield Server(base, ca, proc.pid)
    finally:  # also when the generator is closed early
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def tcp_session() -> niquests.Session:
    session = niquests.Session(disable_http3=True)
    session.trust_env = False
    return session


def h3_session() -> niquests.Session:
    session = niquests.Session(disable_http1=True, disable_http2=True)
    session.trust_env = False  # a CI's REQUESTS_CA_BUNDLE must not override verify=
    return session
