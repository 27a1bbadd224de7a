"""The hall PC's kiosk set-up, filled in for one hall: Chromium policies, launcher, autostart.

The templates in ``endpoints/kiosk/`` are usable by hand: they name the bridge
``https://BRIDGE:8443`` and the hall ``https://BRIDGE:8443/site/ID?kiosk=1#token=TOKEN``.
Filling them is plain text replacement of those two placeholders — the pure part here —
once the join link is known to be safe in every file it lands in (JSON, sh, .cmd, .reg):
``hall_link`` checks it. ``write_kiosk`` is the thin I/O shell.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Read through importlib.resources, as the profile catalogue is: it works from a wheel too.
TEMPLATES: Traversable = resources.files("endpoints").joinpath("kiosk")
ORIGIN_PLACEHOLDER = "https://BRIDGE:8443"
LINK_PLACEHOLDER = "https://BRIDGE:8443/site/ID?kiosk=1#token=TOKEN"
POLICY_FILE = "bridge-hall.json"
LAUNCHER = "bridge-hall.sh"

# Template -> name in the kit, and whether it is a program (mode 0755).
FILES: tuple[tuple[str, str, bool], ...] = (
    ("policies/bridge-hall.json", POLICY_FILE, False),
    ("bridge-hall.sh", LAUNCHER, True),
    ("bridge-hall.desktop", "bridge-hall.desktop", False),
    ("bridge-hall.service", "bridge-hall.service", False),
    ("install-debian.sh", "install-debian.sh", True),
    ("windows/bridge-hall.ps1", "bridge-hall.ps1", False),
    ("windows/bridge-hall.cmd", "bridge-hall.cmd", False),
)
REG_FILE = "bridge-hall.reg"
# Where Windows Chrome and Chromium read machine policies.
REG_ROOTS = (r"SOFTWARE\Policies\Google\Chrome", r"SOFTWARE\Policies\Chromium")

# URL characters with no special meaning in a single-quoted sh string, a JSON string, a
# quoted .cmd `set` (no %) or a .reg string (no \ or "): a join link needs nothing else.
_SAFE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!&()*+,;=]+")


class BadLink(ValueError):
    """Not a hall's join link the kit can use; the message says why (English, for logs)."""


@dataclass(frozen=True)
class HallLink:
    link: str  # with kiosk=1, as the hall PC opens it
    origin: str  # scheme://host[:port], what the capture and autoplay policies allow


def hall_link(url: str) -> HallLink:
    """A join link (``…/site/N#token=…``) checked and put in kiosk mode (``?kiosk=1``)."""
    url = url.strip()
    if not _SAFE.fullmatch(url):
        raise BadLink("the link has characters a join link never has (spaces, quotes, %, …)")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadLink("the link must start with https://")
    if not re.fullmatch(r"/site/[1-9][0-9]*/?", parts.path):
        raise BadLink("the link's path must be /site/<session id>")
    if not dict(parse_qsl(parts.fragment)).get("token"):
        raise BadLink("the link has no #token=…")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "kiosk"]
    query.append(("kiosk", "1"))
    link = urlunsplit(parts._replace(query=urlencode(query)))
    return HallLink(link=link, origin=f"{parts.scheme}://{parts.netloc}")


def fill(template: str, hall: HallLink) -> str:
    """The template with this hall's link and bridge origin (the link first: it contains
    the origin placeholder)."""
    return template.replace(LINK_PLACEHOLDER, hall.link).replace(ORIGIN_PLACEHOLDER, hall.origin)


def reg_file(policies: dict[str, Any]) -> str:
    """A Windows .reg file setting ``policies`` for Chrome and Chromium (lists as numbered
    subkeys, booleans and numbers as DWORDs), each list cleared first so no old entry stays."""
    lines = ["Windows Registry Editor Version 5.00", ""]
    for root in REG_ROOTS:
        key = rf"HKEY_LOCAL_MACHINE\{root}"
        lists = {k: v for k, v in policies.items() if isinstance(v, list)}
        lines.append(f"[{key}]")
        for name, value in policies.items():
            if isinstance(value, bool):
                lines.append(f'"{name}"=dword:{int(value):08x}')
            elif isinstance(value, int):
                lines.append(f'"{name}"=dword:{value:08x}')
            elif isinstance(value, str):
                lines.append(f'"{name}"="{_reg_text(value)}"')
        lines.append("")
        for name, items in lists.items():
            lines += [f"[-{key}\\{name}]", "", f"[{key}\\{name}]"]
            lines += [f'"{i}"="{_reg_text(str(item))}"' for i, item in enumerate(items, 1)]
            lines.append("")
    return "\r\n".join(lines)  # regedit wants CRLF


def _reg_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def kiosk_files(hall: HallLink, templates: Traversable = TEMPLATES) -> dict[str, tuple[str, bool]]:
    """Every kit file's name -> (text, executable), filled for ``hall`` (pure but for
    reading the templates)."""
    files = {
        name: (
            fill(templates.joinpath(*source.split("/")).read_text(encoding="utf-8"), hall),
            program,
        )
        for source, name, program in FILES
    }
    policies = json.loads(files[POLICY_FILE][0])
    files[REG_FILE] = (reg_file(policies), False)
    return files


def write_kiosk(hall: HallLink, out: Path) -> list[Path]:
    """The hall's kiosk files in ``out`` (created); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (body, program) in kiosk_files(hall).items():
        path = out / name
        if name.endswith(".reg"):  # regedit's own format: UTF-16 with a BOM, CRLF
            path.write_bytes(body.encode("utf-16"))
        elif name.endswith(".cmd"):  # cmd.exe reads CRLF lines
            path.write_bytes(body.replace("\n", "\r\n").encode("ascii"))
        else:
            path.write_text(body, encoding="utf-8")
        os.chmod(path, 0o755 if program else 0o644)
        written.append(path)
    return written
