"""A network namespace joined to the test's own by a veth pair, whose link a test can cut.

The namespace plays a hall PC on its own network: a browser started inside it
(``ip netns exec NAME chromium …``) reaches the bridge only through the pair, so cutting
the pair cuts the page off for real — media included, which an emulated "offline" mode
does not stop. Two kinds of cut:

- ``"drop"``: every frame entering either end of the pair is dropped (an nftables
  ``netdev`` ingress chain on each end), like a cable cut somewhere between the hall and
  the bridge: nothing tells either side, packets just vanish.
- ``"link"``: the hall's end of the pair goes down, like an unplugged cable at the hall: the
  hall PC's own system knows at once (its sends fail with "network unreachable").

Only addresses of the pair's own /30 are used; the namespace's name carries the creating
process's id, so concurrent runs do not collide, and a namespace left by a process that no
longer exists is removed before a new one is made.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

PREFIX = "site-cut-"
NETNS_DIR = Path("/run/netns")
CutKind = Literal["drop", "link"]


def _run(*args: str, stdin: str | None = None) -> None:
    result = subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=20)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip() or result.returncode}")


@dataclass
class SiteNetwork:
    """A namespace ``name`` with ``ns_if`` (``ns_address``) paired to ``host_if``
    (``host_address``) in the namespace the test runs in."""

    name: str
    host_if: str
    ns_if: str
    host_address: str
    ns_address: str
    prefix_len: int = 30
    cut_kind: CutKind | None = None

    def exec_prefix(self) -> list[str]:
        """The command prefix that runs a program inside the namespace."""
        return ["ip", "netns", "exec", self.name]

    def wrapper(self, program: Path, directory: Path) -> Path:
        """An executable script that runs ``program`` inside the namespace with the given
        arguments; it keeps the caller's open descriptors (a browser driven over a pipe
        stays driven while its network is cut)."""
        script = directory / f"in-{self.name}-{program.name}"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {program} "$@"\n')
        script.chmod(0o755)
        return script

    def cut(self, kind: CutKind = "drop") -> None:
        if self.cut_kind is not None:
            raise RuntimeError(f"{self.name} is already cut ({self.cut_kind})")
        if kind == "link":
            _run("ip", "-n", self.name, "link", "set", self.ns_if, "down")
        else:
            _run("nft", "-f", "-", stdin=_drop_table(self.host_if))
            _run("ip", "netns", "exec", self.name, "nft", "-f", "-", stdin=_drop_table(self.ns_if))
        self.cut_kind = kind

    def restore(self) -> None:
        kind, self.cut_kind = self.cut_kind, None
        if kind == "link":
            _run("ip", "-n", self.name, "link", "set", self.ns_if, "up")
        elif kind == "drop":
            _run("nft", "delete", "table", "netdev", _table(self.host_if))
            _run(
                "ip",
                "netns",
                "exec",
                self.name,
                "nft",
                "delete",
                "table",
                "netdev",
                _table(self.ns_if),
            )

    def remove(self) -> None:
        """Delete the namespace (its end of the pair goes with it, and so does ours), and
        any drop table left on our end. Safe to call twice."""
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            _run("nft", "delete", "table", "netdev", _table(self.host_if))
        if (NETNS_DIR / self.name).exists():
            _run("ip", "netns", "delete", self.name)
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            _run("ip", "link", "delete", self.host_if)  # gone already, normally


def _table(device: str) -> str:
    return f"cut_{device}"


def _drop_table(device: str) -> str:
    # An ingress chain is silent: a dropped frame sends no error back to anyone, unlike a
    # drop in the output hook, which fails the sender's own send() at once.
    return (
        f"table netdev {_table(device)} {{\n"
        f"  chain ingress_drop {{\n"
        f'    type filter hook ingress device "{device}" priority 0; policy drop;\n'
        f"  }}\n"
        f"}}\n"
    )


def skip_reason() -> str | None:
    """Why a namespace with a veth pair cannot be made here, or None if it can."""
    if os.geteuid() != 0:
        return "needs root to create a network namespace"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (make system-deps)"
    probe = f"{PREFIX}probe-{os.getpid()}"
    try:
        _run("ip", "netns", "add", probe)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot create a network namespace: {exc}"
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        _run("ip", "netns", "delete", probe)
    return None


def remove_stale() -> None:
    """Remove namespaces of this kind whose creating process is gone (a killed run)."""
    if not NETNS_DIR.is_dir():
        return
    for entry in NETNS_DIR.iterdir():
        match = re.fullmatch(rf"{PREFIX}(?:probe-)?(\d+)", entry.name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                _run("ip", "netns", "delete", entry.name)


def create(subnet: str = "10.203.0") -> SiteNetwork:
    """A namespace joined by a veth pair: ``SUBNET.1/30`` here, ``SUBNET.2/30`` inside,
    both ends up (and the namespace's loopback). Raises RuntimeError if any step fails,
    after undoing what was done."""
    remove_stale()
    pid = os.getpid()
    net = SiteNetwork(
        name=f"{PREFIX}{pid}",
        host_if=f"sch{pid}"[:15],  # interface names: 15 characters at most
        ns_if=f"scs{pid}"[:15],
        host_address=f"{subnet}.1",
        ns_address=f"{subnet}.2",
    )
    try:
        _run("ip", "netns", "add", net.name)
        _run("ip", "link", "add", net.host_if, "type", "veth", "peer", "name", net.ns_if,
             "netns", net.name)  # fmt: skip
        _run("ip", "addr", "add", f"{net.host_address}/{net.prefix_len}", "dev", net.host_if)
        _run("ip", "link", "set", net.host_if, "up")
        inside = ("ip", "-n", net.name)
        _run(*inside, "addr", "add", f"{net.ns_address}/{net.prefix_len}", "dev", net.ns_if)
        _run(*inside, "link", "set", net.ns_if, "up")
        _run(*inside, "link", "set", "lo", "up")
    except BaseException:
        net.remove()
        raise
    return net


@contextlib.contextmanager
def site_network(subnet: str = "10.203.0") -> Iterator[SiteNetwork]:
    """``create``, and always ``remove`` afterwards, whatever happened inside."""
    net = create(subnet)
    try:
        yield net
    finally:
        net.remove()


@contextlib.contextmanager
def site_network_or_skip(subnet: str, *, tools: tuple[str, ...] = ()) -> Iterator[SiteNetwork]:
    """``site_network`` for a test fixture: the test is skipped, saying why, where namespaces
    cannot be made or one of ``tools`` (with the Debian package that has it) is missing."""
    import pytest

    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    for tool in tools:
        if shutil.which(tool.split()[0]) is None:
            pytest.skip(f"`{tool}` is not installed (make system-deps)")
    with site_network(subnet) as net:
        yield net


@contextlib.contextmanager
def ice_on_bridge_end(net: SiteNetwork) -> Iterator[None]:
    """The in-process ICE (headless halls, listeners) on the bridge's end of the pair: the
    choice is process-wide, and an earlier test's loopback-only choice must not carry over."""
    from bridge.media.aiortc_private import restrict_host_addresses

    restrict_host_addresses([net.host_address])
    try:
        yield
    finally:
        restrict_host_addresses(None)
