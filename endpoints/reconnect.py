"""When the headless endpoint tries again, and when it must not: the kiosk's reconnect policy.

A hall's PC runs unattended, so like the site page (endpoints/web/js/site/connection.js) it
comes back by itself after anything that is not a decision: the bridge restarted (socket
closed, connection refused), the network was cut, the keepalive timed out, ICE failed. The
waits are the page's (endpoints/web/js/common/backoff.js): 1, 2, 4, 8, 15, 15… s, back to
1 s once a connection works; each is shortened by up to 20 % at random, so a hundred halls
that lost the bridge at the same moment do not all knock at the same instant when it comes
back, and none waits longer than the page would (a restarted bridge that is up within 7 s
has every hall back within about 8).

Deliberate ends are final, as on the page: an operator removed the hall (close code 4001),
the session ended (4410), the link is wrong or expired (4401, 4403), another connection of
the same hall took over (4000), or the input itself was bad. Pure: no clock, no network;
the randomness is passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 15.0
JITTER = 0.2  # each wait is its step times a factor in [1 - JITTER, 1]

# Why the endpoint stops for good, in words a hall's technician can act on.
FINAL: dict[str, str] = {
    "removed": "an operator removed this hall from the session; run the agent again to "
    "rejoin, after talking to the operator",
    "session_closed": "the session has ended",
    "invalid_token": "the join link is not valid; ask the organiser for a new one",
    "token_expired": "the join link has expired; ask the organiser for a new one",
    "wrong_session": "the join link is for another session",
    "replaced": "another connection of this hall took its place",
    "bad_link": "the join link cannot be used",
    "bad_option": "an option is wrong",
    "bad_audio": "the audio source cannot be used",
    "write_failed": "an output file cannot be written",
    "forbidden": "the bridge refused this hall",
}
# The bridge's close codes for those ends, for a close that came without its error frame.
FINAL_CLOSE_CODES: dict[int, str] = {
    4401: "invalid_token",
    4403: "wrong_session",
    4410: "session_closed",
    4000: "replaced",
    4001: "removed",
}


@dataclass(frozen=True)
class Verdict:
    retry: bool
    code: str  # the end's code (a close code is named as its error)
    reason: str  # for a final end: why, in words


def judge(code: str, close_code: int | None = None) -> Verdict:
    """Whether an attempt that ended with error ``code`` (and WebSocket ``close_code``)
    should be followed by another one."""
    if code not in FINAL and close_code in FINAL_CLOSE_CODES:
        code = FINAL_CLOSE_CODES[close_code]
    if code in FINAL:
        return Verdict(False, code, FINAL[code])
    return Verdict(True, code, "")


class Backoff:
    """The waits between attempts: doubling from ``first_s`` up to ``max_s``, jittered."""

    def __init__(
        self,
        first_s: float = BACKOFF_FIRST_S,
        max_s: float = BACKOFF_MAX_S,
        jitter: float = JITTER,
        rng: random.Random | None = None,
    ) -> None:
        if not (0 < first_s <= max_s) or not 0 <= jitter < 1:
            raise ValueError("need 0 < first_s <= max_s and 0 <= jitter < 1")
        self.first_s = first_s
        self.max_s = max_s
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._step = first_s

    def next(self) -> float:
        """The wait before the next attempt, in seconds; each call doubles the step."""
        step, self._step = self._step, min(self._step * 2, self.max_s)
        return step * self._rng.uniform(1 - self.jitter, 1)

    def reset(self) -> None:
        """A connection worked: the next failure waits the shortest time again."""
        self._step = self.first_s
