"""A recording's chapters, from the session's shown-site and floor changes.

Pure: the recorder notes each change as a ``Mark`` (seconds into the recording, which
kind, which hall) and ``chapters`` turns the marks into the file's chapter list when it
closes. The rules, so a player's chapter menu reads like the minutes of the session:

- every change of the shown site starts a chapter "Trình chiếu: <hall>", every change of
  the floor one "Phát biểu: <hall>"; a change to nobody starts none (the previous chapter
  goes on: the chair leads, the last picture stays), nor does the same title again;
- changes less than ``MERGE_S`` apart are one chapter (giving a hall the floor usually shows
  it too): its title joins both parts, the later of two of the same kind wins;
- a chapter ends where the next begins, the last at the end of the file; the first starts
  at 0 — a recording whose first mark comes later than ``MERGE_S`` opens with a chapter
  "Bắt đầu ghi";
- marks before the recording's start count from 0, marks after its end are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["shown", "floor"]

MERGE_S = 1.0
PREFIX: dict[Kind, str] = {"shown": "Trình chiếu", "floor": "Phát biểu"}
OPENING = "Bắt đầu ghi"
SEPARATOR = " · "


@dataclass(frozen=True)
class Mark:
    at_s: float  # seconds since the recording's start
    kind: Kind
    site_id: int | None


@dataclass(frozen=True)
class Chapter:
    start_s: float
    end_s: float
    title: str

    def to_json(self) -> dict[str, Any]:
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "title": self.title,
        }


def hall_name(names: Mapping[int, str], site_id: int) -> str:
    return names.get(site_id) or f"Điểm cầu {site_id}"


def chapters(marks: Iterable[Mark], names: Mapping[int, str], duration_s: float) -> list[Chapter]:
    """The chapters of a recording of ``duration_s`` seconds (see the module's rules)."""
    duration_s = max(0.0, duration_s)
    # (start, {kind: title part}) in order; dicts keep the parts' order of arrival.
    starts: list[tuple[float, dict[Kind, str]]] = []
    for mark in sorted(marks, key=lambda m: m.at_s):
        if mark.site_id is None or mark.at_s > duration_s:
            continue
        at = max(0.0, mark.at_s)
        part = f"{PREFIX[mark.kind]}: {hall_name(names, mark.site_id)}"
        if starts and at - starts[-1][0] < MERGE_S:
            parts = starts[-1][1]
            parts.pop(mark.kind, None)
            parts[mark.kind] = part
        else:
            starts.append((at, {mark.kind: part}))
    if not starts or starts[0][0] >= MERGE_S:
        starts.insert(0, (0.0, {}))
    else:  # a first change within the first second opens the recording
        starts[0] = (0.0, starts[0][1])
    found: list[Chapter] = []
    for i, (start, parts) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else duration_s
        title = SEPARATOR.join(parts.values()) or OPENING
        if found and found[-1].title == title:  # the same again: one chapter goes on
            found[-1] = Chapter(found[-1].start_s, end, title)
            continue
        found.append(Chapter(start, max(start, end), title))
    return found
