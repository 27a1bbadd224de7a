"""The roll call's rules, pure: what a mark must say to be taken.

The operator calls the roll at the start: each roster hall is present, absent (with a
reason: the record says why a hall was missing, not only that it was), or present in
person at another hall of the roster (``ELSEWHERE``: its people sat in that hall). A mark
can be changed until the session is closed; the latest one counts, and every one is in the
audit log.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bridge.attendance.model import RollCall, RollCallMark

MAX_REASON_CHARS = 500


class RollCallRefused(Exception):
    """A mark that cannot be taken: ``code`` (``reason_required`` or ``invalid_input``),
    the ``field`` at fault and its ``problem`` (the API's stable words)."""

    def __init__(self, code: str, field: str, problem: str, message: str, **params: object):
        super().__init__(message)
        self.code, self.field, self.problem, self.params = code, field, problem, params


def take(
    site_id: int,
    mark: str,
    roster: Collection[int],
    *,
    reason: str | None = None,
    at_site_id: int | None = None,
    by: str = "",
    at: datetime | None = None,
) -> RollCall:
    """The roll call of ``site_id`` as marked, or ``RollCallRefused``:

    - the site must be on the roster (``site_id`` not_found);
    - ABSENT needs a reason (``reason_required`` on ``reason``);
    - ELSEWHERE needs ``at_site_id``, another hall of the roster (missing / not_found /
      invalid when it names the hall itself);
    - a reason is at most 500 characters; what a mark does not use is dropped."""
    if site_id not in roster:
        raise RollCallRefused("invalid_input", "site_id", "not_found", "not on the roster")
    try:
        kind = RollCallMark(mark)
    except ValueError:
        raise RollCallRefused(
            "invalid_input",
            "mark",
            "not_allowed",
            f"{mark!r} is no mark",
            choices=[m.value for m in RollCallMark],
        ) from None
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON_CHARS:
        raise RollCallRefused(
            "invalid_input",
            "reason",
            "too_long",
            "reason too long",
            limit=MAX_REASON_CHARS,
            unit="characters",
        )
    where: int | None = None
    if kind is RollCallMark.ABSENT and not text:
        raise RollCallRefused("reason_required", "reason", "missing", "absent needs a reason")
    if kind is RollCallMark.ELSEWHERE:
        if at_site_id is None:
            raise RollCallRefused("invalid_input", "at_site_id", "missing", "at which hall?")
        if at_site_id == site_id:
            raise RollCallRefused("invalid_input", "at_site_id", "invalid", "another hall")
        if at_site_id not in roster:
            raise RollCallRefused("invalid_input", "at_site_id", "not_found", "not on the roster")
        where = at_site_id
    if kind is RollCallMark.PRESENT:
        text = ""  # a present hall needs no reason; an old one is not kept
    return RollCall(site_id, kind, text, where, by, at)
