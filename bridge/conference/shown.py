"""Who everyone sees: the shown site, chosen by the operator or by voice.

Pure and time-free: the caller passes the time with each dominant-talker observation, so
the hold rule is tested without a clock.

Rules kept here:
- everyone but the shown site sees the shown site; the shown site itself sees the host
  site, or, when the host is shown, the site shown before it (``source_for``); before any
  site was shown, the conference offers the host a connected hall to look at
  (``offer_host_view``), so the chairing hall never starts on a black picture;
- at the start the host site is shown, in manual mode;
- ``show`` (the operator's pick) always switches to manual mode: a person's decision is not
  undone by the next voice in the room;
- in voice mode a site becomes shown once it has been the dominant talker (the loudest
  unmuted talker, as the mixer ranks them) for at least ``share`` of the last ``hold_s``
  seconds and is dominant now. Several halls talking at once trade the dominant place many
  times a second; a rule asking for the *whole* hold never switched among them, while the
  share picks the one that holds the room. A cough (shorter than ``share`` of the hold) never
  switches, and pauses between words count against a talker only for their length;
- ``step_down``: in voice mode a shown site that is muted gives way at once to the host,
  until the next talker has held the room: a muted hall is never the one everyone watches
  because it once spoke.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_HOLD_S = 2.0
#: The part of the hold a site must have been dominant for to be shown. The mixer keeps a hall
#: "talking" 0.4 s after its voice stops, so with the 2 s default hold a remark shorter than
#: 1.1 s never switches the picture.
DEFAULT_SHARE = 0.75
#: Observations kept at most (the voice loop observes 10 times a second; a hold of 30 s, the
#: settings' maximum, needs 300): a bound, not a tuning knob.
MAX_OBSERVATIONS = 1_000


class ShownMode(StrEnum):
    MANUAL = "manual"
    VOICE = "voice"


@dataclass(frozen=True)
class ShownState:
    site_id: int
    previous: int | None
    mode: ShownMode
    hold_s: float


class ShownSite:
    def __init__(
        self, host_site_id: int, hold_s: float = DEFAULT_HOLD_S, share: float = DEFAULT_SHARE
    ) -> None:
        if hold_s < 0:
            raise ValueError("hold_s must be >= 0")
        if not 0.0 < share <= 1.0:
            raise ValueError("share must be in (0, 1]")
        self.host_site_id = host_site_id
        self.site_id = host_site_id
        self.previous: int | None = None
        self.mode = ShownMode.MANUAL
        self.hold_s = hold_s
        self.share = share
        # (time, dominant site or None), oldest first; each one holds until the next.
        self._seen: deque[tuple[float, int | None]] = deque(maxlen=MAX_OBSERVATIONS)

    @property
    def state(self) -> ShownState:
        return ShownState(self.site_id, self.previous, self.mode, self.hold_s)

    def source_for(self, viewer: int) -> int | None:
        """The site whose picture ``viewer`` sees (None: nothing to show it yet)."""
        if viewer != self.site_id:
            return self.site_id
        if self.site_id != self.host_site_id:
            return self.host_site_id
        return self.previous

    def show(self, site_id: int) -> bool:
        """The operator shows ``site_id`` (the mode becomes manual); True if anything changed."""
        changed = self._switch(site_id)
        if self.mode is not ShownMode.MANUAL:
            self.mode = ShownMode.MANUAL
            changed = True
        self._seen.clear()
        return changed

    def offer_host_view(self, site_id: int | None) -> bool:
        """While the host is shown and has nothing (or ``None`` said "nothing suitable") to
        look at, let it see ``site_id``; True if what the host sees changed."""
        if self.site_id != self.host_site_id or site_id == self.host_site_id:
            return False
        if site_id == self.previous:
            return False
        self.previous = site_id
        return True

    def withdraw(self, site_id: int) -> bool:
        """``site_id`` left for good (removed): if it is shown, the host is shown instead,
        in the same mode. True if anything changed."""
        self._forget(site_id)
        if site_id != self.site_id or site_id == self.host_site_id:
            return False
        return self._switch(self.host_site_id)

    def drop(self, site_id: int) -> bool:
        """``site_id`` is no longer on the roster: withdrawn if shown, and no longer the
        one shown before (nor what the host looks at). True if anything changed."""
        changed = self.withdraw(site_id)
        if self.previous == site_id:
            self.previous = None
            changed = True
        return changed

    def step_down(self, site_id: int) -> bool:
        """``site_id`` was muted. In voice mode, if it is shown, the host (the chair) is shown
        until the next talker has held the room; True if anything changed."""
        self._forget(site_id)
        if self.mode is not ShownMode.VOICE or site_id != self.site_id:
            return False
        return self._switch(self.host_site_id)

    def set_voice_activated(self, enabled: bool, hold_s: float | None = None) -> bool:
        if hold_s is not None and hold_s < 0:
            raise ValueError("hold_s must be >= 0")
        mode = ShownMode.VOICE if enabled else ShownMode.MANUAL
        changed = mode is not self.mode or (hold_s is not None and hold_s != self.hold_s)
        self.mode = mode
        if hold_s is not None:
            self.hold_s = hold_s
        self._seen.clear()
        return changed

    def observe(self, now: float, dominant: int | None) -> bool:
        """The mixer's dominant talker at ``now`` (seconds); True if the shown site changed."""
        if self.mode is not ShownMode.VOICE:
            return False
        if self._seen and now < self._seen[-1][0]:
            self._seen.clear()  # time went backwards (a new clock): start the hold again
        self._seen.append((now, dominant))
        start = now - self.hold_s
        while len(self._seen) > 1 and self._seen[1][0] <= start:
            self._seen.popleft()  # the first kept observation still covers the window's start
        if dominant is None or dominant == self.site_id:
            return False
        if self.hold_s > 0:
            if self._seen[0][0] > start:
                return False  # not watched for a whole hold yet
            if self._shares(now).get(dominant, 0.0) < self.share * self.hold_s:
                return False
        self._seen.clear()
        return self._switch(dominant)

    def _shares(self, now: float) -> dict[int, float]:
        """Seconds of the last hold each site was dominant for (silence is nobody's)."""
        start = now - self.hold_s
        seen: dict[int, float] = {}
        items = list(self._seen)
        for (at, site), (until, _) in itertools.pairwise(items):
            if site is not None:
                seen[site] = seen.get(site, 0.0) + until - max(at, start)
        return seen

    def _forget(self, site_id: int) -> None:
        if any(site == site_id for _, site in self._seen):
            self._seen = deque(
                ((at, None if site == site_id else site) for at, site in self._seen),
                maxlen=MAX_OBSERVATIONS,
            )

    def restore(self, state: ShownState) -> None:
        """Take up a state saved before a restart (bridge/conference/snapshot.py). A voice
        hold in progress is not part of it: it starts over."""
        if state.hold_s < 0:
            raise ValueError("hold_s must be >= 0")
        self.site_id, self.previous = state.site_id, state.previous
        self.mode, self.hold_s = state.mode, state.hold_s
        self._seen.clear()

    def _switch(self, site_id: int) -> bool:
        if site_id == self.site_id:
            return False
        self.previous, self.site_id = self.site_id, site_id
        return True
