"""Who everyone sees: the shown site, chosen by the operator or by voice.

Pure and time-free: the caller passes the time with each dominant-talker observation, so
the hold rule is tested without a clock.

Rules kept here:
- everyone but the shown site sees the shown site; the shown site itself sees the host
  site, or, when the host is shown, the site shown before it (``source_for``);
- at the start the host site is shown, in manual mode;
- ``show`` (the operator's pick) always switches to manual mode: a person's decision is not
  undone by the next voice in the room;
- in voice mode a site becomes shown once it has been the dominant talker for ``hold_s``
  without another site taking over, so a cough (shorter than the hold) never switches.
  Silences shorter than ``gap_s`` between its words do not restart its hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_HOLD_S = 2.0
DEFAULT_GAP_S = 0.5


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
        self, host_site_id: int, hold_s: float = DEFAULT_HOLD_S, gap_s: float = DEFAULT_GAP_S
    ) -> None:
        if hold_s < 0 or gap_s < 0:
            raise ValueError("hold_s and gap_s must be >= 0")
        self.host_site_id = host_site_id
        self.site_id = host_site_id
        self.previous: int | None = None
        self.mode = ShownMode.MANUAL
        self.hold_s = hold_s
        self.gap_s = gap_s
        self._candidate: int | None = None
        self._since = 0.0  # when the candidate became dominant
        self._silent_since: float | None = None  # when the current silence began

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
        self._candidate = None
        return changed

    def withdraw(self, site_id: int) -> bool:
        """``site_id`` left for good (removed): if it is shown, the host is shown instead,
        in the same mode. True if anything changed."""
        if site_id != self.site_id or site_id == self.host_site_id:
            return False
        if self._candidate == site_id:
            self._candidate = None
        return self._switch(self.host_site_id)

    def set_voice_activated(self, enabled: bool, hold_s: float | None = None) -> bool:
        if hold_s is not None and hold_s < 0:
            raise ValueError("hold_s must be >= 0")
        mode = ShownMode.VOICE if enabled else ShownMode.MANUAL
        changed = mode is not self.mode or (hold_s is not None and hold_s != self.hold_s)
        self.mode = mode
        if hold_s is not None:
            self.hold_s = hold_s
        self._candidate = None
        return changed

    def observe(self, now: float, dominant: int | None) -> bool:
        """The mixer's dominant talker at ``now`` (seconds); True if the shown site changed."""
        if self.mode is not ShownMode.VOICE:
            return False
        if dominant is None:
            if self._silent_since is None:
                self._silent_since = now
            if self._candidate is not None and now - self._silent_since >= self.gap_s:
                self._candidate = None
            return False
        self._silent_since = None
        if dominant == self.site_id:
            self._candidate = None
            return False
        if dominant != self._candidate:
            self._candidate, self._since = dominant, now
        if now - self._since >= self.hold_s:
            self._candidate = None
            return self._switch(dominant)
        return False

    def restore(self, state: ShownState) -> None:
        """Take up a state saved before a restart (bridge/conference/snapshot.py). A voice
        hold in progress is not part of it: it starts over."""
        if state.hold_s < 0:
            raise ValueError("hold_s must be >= 0")
        self.site_id, self.previous = state.site_id, state.previous
        self.mode, self.hold_s = state.mode, state.hold_s
        self._candidate = None
        self._silent_since = None

    def _switch(self, site_id: int) -> bool:
        if site_id == self.site_id:
            return False
        self.previous, self.site_id = self.site_id, site_id
        return True
