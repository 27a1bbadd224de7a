"""Download tickets: a recording's file fetched by the browser's own download manager.

A 2-hour recording is about a gigabyte. Fetched with ``Authorization: Bearer`` by the page's
script, the whole file would sit in the tab's memory before the "save" dialog; a plain link
streams it to disk with the browser's progress bar, but a link carries no header. So the
page first asks for a ticket (``POST /api/recordings/{id}/ticket``, authorised and
audited like a download), then follows ``GET /api/recordings/{id}?ticket=…``.

A ticket is random (``secrets.token_urlsafe(32)``), kept only as its SHA-256, good for one
recording, **once**, within ``TTL_S``; it stands for the bearer token that asked for it, so
the download is authorised again through the policy when it is used (a token revoked or
expired meanwhile, a role changed: refused) and logged as that account. At most
``MAX_TICKETS`` are outstanding (the oldest give way): the table is bounded.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass

TTL_S = 60.0
MAX_TICKETS = 256
TICKET_PATTERN = r"[A-Za-z0-9_-]{43}"  # token_urlsafe(32): 43 characters


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class _Held:
    recording_id: int
    bearer: str  # the token that asked: the download is authorised as it, when used
    expires: float  # monotonic seconds


class DownloadTickets:
    """Outstanding tickets (one process: the bridge's)."""

    def __init__(self, ttl_s: float = TTL_S, limit: int = MAX_TICKETS) -> None:
        self.ttl_s = ttl_s
        self.limit = limit
        self._held: OrderedDict[str, _Held] = OrderedDict()

    def issue(self, recording_id: int, bearer: str, now: float) -> str:
        """A new ticket for ``recording_id``, standing for ``bearer``."""
        self._expire(now)
        while len(self._held) >= self.limit:
            self._held.popitem(last=False)
        ticket = secrets.token_urlsafe(32)
        self._held[_digest(ticket)] = _Held(recording_id, bearer, now + self.ttl_s)
        return ticket

    def redeem(self, ticket: str, recording_id: int, now: float) -> str | None:
        """The bearer token ``ticket`` stands for, if it is good for ``recording_id`` now;
        either way it is used up."""
        self._expire(now)
        held = self._held.pop(_digest(ticket), None)
        if held is None or held.recording_id != recording_id or held.expires < now:
            return None
        return held.bearer

    def __len__(self) -> int:
        return len(self._held)

    def _expire(self, now: float) -> None:
        while self._held:
            key, held = next(iter(self._held.items()))
            if held.expires >= now:
                break
            del self._held[key]
