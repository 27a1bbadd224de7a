"""A recording's SHA-256 manifest: ``<file>.manifest.json`` beside the file.

Written after the file is closed, so the digest is of the bytes on disk: anyone holding
the file and the manifest (an archivist, an inspector) can check that the recording is
the one the bridge wrote, with ``sha256sum`` or ``verify``. It also says what the file
holds (tracks, times, chapters) without opening it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bridge.recording.chapters import Chapter

SUFFIX = ".manifest.json"
CHUNK = 1 << 20


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def build(
    path: Path,
    sha256: str,
    size: int,
    tracks: Sequence[dict[str, Any]],
    started_at: datetime,
    ended_at: datetime,
    duration_s: float,
    chapters: Sequence[Chapter],
) -> dict[str, Any]:
    return {
        "file": path.name,
        "bytes": size,
        "sha256": sha256,
        "tracks": list(tracks),
        "started_at": started_at.isoformat(),
        "ended_at": ended_at.isoformat(),
        "duration_s": round(duration_s, 3),
        "chapters": [c.to_json() for c in chapters],
    }


def write(path: Path, content: dict[str, Any]) -> Path:
    """Write the manifest of ``path`` (atomically: a reader never sees half of it)."""
    target = manifest_path(path)
    temporary = target.with_name(target.name + ".part")
    temporary.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", "utf-8")
    os.replace(temporary, target)
    return target


def verify(path: Path) -> bool:
    """Whether ``path`` matches its manifest (size and SHA-256); False without one."""
    try:
        content = json.loads(manifest_path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        content.get("file") == path.name
        and content.get("bytes") == path.stat().st_size
        and content.get("sha256") == sha256_of(path)
    )
