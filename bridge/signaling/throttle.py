"""Slowing password guessing: failed logins counted per username and per client address.

After ``limit`` failures of one key inside ``window`` seconds, that key's logins are refused
for ``lockout`` seconds without looking at the password, so a guesser neither learns
anything nor makes the bridge spend argon2 time (about 30 ms of a core each; the same
core keeps the mixer's 20 ms clock). A correct login clears its username's count. Pure
and bounded: time is passed in, at most ``max_keys`` keys are remembered (the stalest go
first).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleRule:
    limit: int
    window: float
    lockout: float


# One hall's operator mistyping stays well inside these; an address is allowed more than a
# username because an office behind one NAT shares it.
USERNAME_RULE = ThrottleRule(limit=5, window=300.0, lockout=60.0)
ADDRESS_RULE = ThrottleRule(limit=20, window=300.0, lockout=60.0)


class LoginThrottle:
    def __init__(self, max_keys: int = 10_000) -> None:
        self.max_keys = max_keys
        # key -> (failure times inside the window, locked until)
        self._keys: collections.OrderedDict[str, tuple[list[float], float]] = (
            collections.OrderedDict()
        )

    def retry_after(self, keys: dict[str, ThrottleRule], now: float) -> float:
        """Seconds until these keys may try again; 0 when they may now."""
        wait = 0.0
        for key in keys:
            entry = self._keys.get(key)
            if entry is not None and entry[1] > now:
                wait = max(wait, entry[1] - now)
        return wait

    def failed(self, keys: dict[str, ThrottleRule], now: float) -> None:
        for key, rule in keys.items():
            times, locked_until = self._keys.pop(key, ([], 0.0))
            times = [t for t in times if now - t < rule.window][-rule.limit :]
            times.append(now)
            if len(times) >= rule.limit:
                locked_until, times = now + rule.lockout, []
            self._keys[key] = (times, locked_until)  # most recent last
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)

    def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)
