"""A real TURN relay for tests: Debian's coturn (`turnserver`), started on loopback.

Each relay is private to one test: a free port, its own user with a random password, its
own log, pid and user database files, and a small relay port range. No TLS/DTLS and no
admin CLI, so nothing else is listened on. coturn refuses loopback peers by default;
they are allowed here because every peer of the test lives on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REALM = "bridge.test"
RELAY_PORTS = 40  # a relay port per allocation; a test makes a handful (a site and the bridge)
START_TIMEOUT_S = 10.0


@dataclass
class TurnServer:
    """A running `turnserver`: where it listens, its user, and what it logged."""

    process: subprocess.Popen[bytes]
    port: int
    username: str
    password: str
    log: Path
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"turn:{self.host}:{self.port}?transport=udp"

    def ice_server(self, password: str | None = None) -> dict[str, str]:
        """The ``ice_servers`` entry for the bridge's settings (``password`` to get it wrong)."""
        return {
            "urls": self.url,
            "username": self.username,
            "credential": self.password if password is None else password,
        }

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(
        self,
        pattern: str,
        timeout: float,
        until: Callable[[list[re.Match[str]]], bool] = bool,
    ) -> list[re.Match[str]]:
        """Every match of ``pattern`` in the log once ``until`` holds for them (by default:
        once there is one), or what there is after ``timeout``.

        coturn writes an allocation's traffic ("usage") only when it has closed it, a
        moment after its client deleted it; a peer that gathered one allocation per m-line
        closes the unused ones (a handful of packets each) before the one media went through.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = list(re.finditer(pattern, self.log_text()))
            if until(found) or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers_stun(host: str, port: int) -> bool:
    """Does a STUN Binding request (RFC 5389) to ``host:port`` get a success response?"""
    transaction = secrets.token_bytes(12)
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + transaction
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.3)
        try:
            s.sendto(request, (host, port))
            reply, _ = s.recvfrom(2048)
        except OSError:  # timeout, or ICMP port unreachable before it listens
            return False
    return reply[:2] == b"\x01\x01" and reply[8:20] == transaction


def turnserver_path() -> str | None:
    return shutil.which("turnserver") or (
        "/usr/bin/turnserver" if os.access("/usr/bin/turnserver", os.X_OK) else None
    )


@contextlib.contextmanager
def run_turnserver(directory: Path) -> Iterator[TurnServer]:
    """Start `turnserver` with files under ``directory``; stop it on exit."""
    binary = turnserver_path()
    if binary is None:
        raise FileNotFoundError("turnserver is not installed (Debian package coturn)")
    port = _free_udp_port()
    # Random, so two tests (or a relay already running on the machine) rarely overlap;
    # coturn skips a port that is taken anyway.
    min_port = random.randrange(20_000, 60_000 - RELAY_PORTS)
    username = "bridge-test"
    password = secrets.token_urlsafe(16)
    log = directory / "turnserver.log"
    args = [
        binary,
        "-n",  # no configuration file: only what is on this line
        "--listening-ip=127.0.0.1",
        f"--listening-port={port}",
        "--relay-ip=127.0.0.1",
        f"--min-port={min_port}",
        f"--max-port={min_port + RELAY_PORTS - 1}",
        "--lt-cred-mech",
        f"--user={username}:{password}",
        f"--realm={REALM}",
        "--no-tls",
        "--no-dtls",
        "--no-tcp",
        "--no-tcp-relay",
        "--no-cli",
        "--allow-loopback-peers",
        "--verbose",
        "--simple-log",
        f"--log-file={log}",
        f"--pidfile={directory / 'turnserver.pid'}",
        f"--userdb={directory / 'turnserver.sqlite3'}",
    ]
    process = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    server = TurnServer(process, port, username, password, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers_stun(server.host, port):
            if process.poll() is not None or time.monotonic() > deadline:
                text = server.log_text() if log.exists() else "(no log)"
                raise RuntimeError(f"turnserver did not start (exit {process.poll()}):\n{text}")
        yield server
    finally:
        server.stop()
