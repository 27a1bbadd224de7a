"""Fixtures that run the real thing: `bridge serve` in a subprocess on a free loopback port,
with its own SQLite file, stopped with Ctrl-C (SIGINT) as a person would."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningBridge:
    """A started `bridge serve`: its address, database, and what it printed."""

    process: subprocess.Popen[str]
    port: int
    database: Path
    output: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    scheme: str = "http"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def ca(self) -> Path:
        """The bridge's local CA (when it serves HTTPS with a certificate of its own)."""
        return self.database.parent / "tls" / "ca.pem"

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What an HTTP client needs to trust this bridge (its CA over HTTPS)."""
        if self.scheme != "https":
            return True
        return ssl.create_default_context(cafile=str(self.ca))

    @property
    def links(self) -> dict[str, str]:
        """Join links printed at start, by site name."""
        found = {}
        for line in self.output:
            match = re.match(r"\s+(.+?):\s+(https?://\S+/site/\d+#token=\S+)", line)
            if match:
                found[match.group(1)] = match.group(2)
        return found

    @property
    def password(self) -> str | None:
        for line in self.output:
            match = re.search(r"password / mật khẩu:\s+(\S+)", line)
            if match:
                return match.group(1)
        return None

    def login(self, password: str | None = None) -> str:
        reply = httpx.post(
            f"{self.url}/api/login",
            json={"username": "admin", "password": password or self.password},
            verify=self.verify,
        )
        reply.raise_for_status()
        return str(reply.json()["token"])

    def assign_profile(self, site_id: int, fields: dict[str, Any], token: str = "") -> None:
        """Set ``fields`` (a profile override) on the site itself, through the HTTP API, as
        admin: the bridge pushes the result to the hall. Blocking: call it from a thread
        in a test whose halls run on the event loop."""
        reply = httpx.put(
            f"{self.url}/api/sites/{site_id}/profile",
            json={"fields": fields},
            headers={"authorization": f"Bearer {token or self.login()}"},
            verify=self.verify,
            timeout=10,
        )
        assert reply.status_code == 200, reply.text

    def stop(self) -> int:
        """Ctrl-C, as a person stops it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_bridge(
    database: Path,
    port: int | None = None,
    *extra: str,
    host: str = "127.0.0.1",
    tls: str = "off",
) -> RunningBridge:
    """``tls`` is the ``--tls`` mode: plain HTTP unless a test asks for HTTPS (``auto``
    serves it on any address that is not loopback, ``on`` everywhere)."""
    port = port or free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bridge",
            "serve",
            "--host",
            host,
            "--port",
            str(port),
            "--db",
            str(database),
            "--tls",
            tls,
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    loopback = host in ("127.0.0.1", "localhost", "::1")
    secure = tls == "on" or (tls == "auto" and (not loopback or "--tls-cert" in extra))
    bridge = RunningBridge(process, port, database, host=host, scheme="https" if secure else "http")

    def read_output() -> None:  # a thread, so a chatty server never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            bridge.output.append(line.rstrip("\n"))

    threading.Thread(target=read_output, daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            time.sleep(0.2)
            raise RuntimeError("bridge exited:\n" + "\n".join(bridge.output))
        try:
            verify = bridge.verify if not secure or bridge.ca.exists() else False
            if httpx.get(f"{bridge.url}/healthz", timeout=1, verify=verify).status_code == 200:
                return bridge
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    bridge.stop()
    raise RuntimeError("bridge did not start:\n" + "\n".join(bridge.output))


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[RunningBridge]:
    running = start_bridge(tmp_path / "bridge.sqlite3")
    yield running
    running.stop()
