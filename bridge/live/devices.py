"""A live session's halls and their devices: the profile each hall should have, what it
says it applied, and how its microphone, camera and loudspeaker are doing.

Per roster site it keeps the desired profile (the effective one, resolved from the store by
the layer that owns it) with a revision that grows with every change; the last answer of
the hall (``profile_applied``: applied, read back, devices chosen, inventory, missing,
problems), and its last device reports (``device_health``), bounded. A change of a hall's
profile reaches it at once if it is connected (and when it joins otherwise); the mixer is
given the hall's input gain (``microphone.gain_db``), which the bridge applies itself and so
reads back itself. The consoles are told each hall's state as it changes and the devices'
health once a second.

What it sends goes through feeds the signaling layer registers (``bridge.signaling.
broadcast``), which build the messages: this layer holds state and rules, not wire shapes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bridge.profiles.confirm import check_fields, overall
from bridge.profiles.health import KEEP, Sample, assess
from bridge.profiles.schema import Profile, flatten

# The bridge's own read-back of the one field it applies itself.
GAIN_FIELD = "microphone.gain_db"
# A hall that sends no device reports (a headless endpoint of an older release) is judged
# by the level the mixer measures of what arrives from it, after this long without one.
REPORT_STALE_S = 3.0


class Recipient(Protocol):
    def send(self, message: Mapping[str, Any]) -> None: ...


class Gain(Protocol):
    """What the devices need of the media side."""

    def set_input_gain(self, site_id: int, gain_db: float) -> None: ...
    def input_gain_db(self, site_id: int) -> float: ...


ProfileFeed = Callable[[Recipient, int, dict[str, Any]], None]  # hall, revision, profile
EntriesFeed = Callable[[list[dict[str, Any]]], None]
ReportFeed = Callable[[int, int, dict[str, Any]], None]  # site, revision, report


@dataclass
class _Hall:
    profile: Profile = field(default_factory=Profile)
    # The profile as sent (JSON) and flattened (for the checks), made once per profile: a
    # push to a hundred halls that inherit one profile dumps it once, not a hundred times.
    body: dict[str, Any] = field(default_factory=lambda: Profile().model_dump(mode="json"))
    flat: dict[str, Any] = field(default_factory=lambda: flatten(Profile()))
    revision: int = 0
    participant: Recipient | None = None
    report: dict[str, Any] | None = None
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=KEEP))
    last_report_at: float | None = None  # when the hall last sent device_health
    health: dict[str, Any] | None = None  # its last device_health, as sent


class HallDevices:
    def __init__(
        self, roster: Iterable[int], media: Gain, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._halls: dict[int, _Hall] = {site_id: _Hall() for site_id in roster}
        self._media = media
        self._now = now
        self._revisions = 0
        self.profile_feeds: list[ProfileFeed] = []  # a hall is sent its profile
        self.status_feeds: list[EntriesFeed] = []  # consoles are told halls' profile state
        self.health_feeds: list[EntriesFeed] = []  # consoles are told halls' health, 1 Hz
        self.report_feeds: list[ReportFeed] = []  # a hall's answer, for the store

    # ---- what the hall should have -----------------------------------------------------

    def desired(self, site_id: int) -> Profile:
        hall = self._halls.get(site_id)
        return hall.profile if hall is not None else Profile()

    def revision(self, site_id: int) -> int:
        hall = self._halls.get(site_id)
        return hall.revision if hall is not None else 0

    def set_desired(self, profiles: Mapping[int, Profile]) -> list[int]:
        """New effective profiles (any roster sites); those that changed get a new revision,
        their input gain, and — if connected — the profile at once. Returns those sites."""
        changed: list[int] = []
        made: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # by id(profile)
        for site_id, profile in profiles.items():
            hall = self._halls.get(site_id)
            if hall is None or (hall.revision and hall.profile == profile):
                continue
            if id(profile) not in made:
                made[id(profile)] = (profile.model_dump(mode="json"), flatten(profile))
            self._revisions += 1
            hall.profile, hall.revision = profile, self._revisions
            hall.body, hall.flat = made[id(profile)]
            self._media.set_input_gain(site_id, profile.microphone.gain_db)
            changed.append(site_id)
            if hall.participant is not None:
                self._send_profile(hall)
        if changed:
            self._tell_status(changed)
        return changed

    # ---- the roster changes (docs/office.md, "Rosters") --------------------------------

    def add(self, site_id: int) -> None:
        """A site put on the roster of the live session: the default profile until the
        store's effective one is handed in (``set_desired``)."""
        self._halls.setdefault(site_id, _Hall())

    def drop(self, site_id: int) -> None:
        """A site taken off the roster: nothing of it is kept or told any more."""
        self._halls.pop(site_id, None)

    # ---- a hall comes and goes ---------------------------------------------------------

    def joined(self, site_id: int, participant: Recipient) -> None:
        """A hall's join was answered: it is sent its profile (whatever revision it had)."""
        hall = self._halls.get(site_id)
        if hall is None:
            return
        if not hall.revision:
            self.set_desired({site_id: hall.profile})
        hall.participant = participant
        hall.samples.clear()
        hall.last_report_at = None
        hall.health = None
        self._send_profile(hall)
        self._tell_status([site_id])

    def left(self, site_id: int, participant: Recipient) -> None:
        hall = self._halls.get(site_id)
        if hall is None or hall.participant is not participant:
            return
        hall.participant = None
        hall.samples.clear()
        hall.health = None
        self._tell_status([site_id])

    # ---- what the hall says ------------------------------------------------------------

    def applied(self, site_id: int, report: dict[str, Any]) -> None:
        """A hall's ``profile_applied`` (its validated fields, as a dict)."""
        hall = self._halls.get(site_id)
        if hall is None:
            return
        hall.report = report
        self._tell_status([site_id])
        for feed in self.report_feeds:
            feed(site_id, int(report.get("revision", 0)), report)

    def health_report(self, site_id: int, report: dict[str, Any]) -> None:
        """A hall's ``device_health`` (its validated fields, as a dict)."""
        hall = self._halls.get(site_id)
        if hall is None or hall.participant is None:
            return
        now = self._now()
        hall.health = report
        hall.last_report_at = now
        mic = report.get("microphone") or {}
        camera = report.get("camera") or {}
        speaker = report.get("speaker") or {}
        hall.samples.append(
            Sample(
                at=now,
                mic_level_db=mic.get("level_db"),
                mic_clipping=mic.get("clipping"),
                mic_live=mic.get("live") if mic else None,
                camera_fps=camera.get("fps"),
                camera_live=camera.get("live") if camera else None,
                speaker_playing=speaker.get("playing") if speaker else None,
            )
        )

    # ---- what the consoles see ---------------------------------------------------------

    def status(self, site_id: int) -> dict[str, Any]:
        """The hall's profile state (``outbound.ProfileStatusEntry``)."""
        hall = self._halls[site_id]
        report = hall.report if hall.report is not None else {}
        answered = report.get("revision") if hall.report is not None else None
        applied = dict(report.get("applied") or {})
        readback = dict(report.get("readback") or {})
        # The input gain is the bridge's own: applied and read back here, whatever the page.
        gain = self._media.input_gain_db(site_id)
        applied[GAIN_FIELD] = gain
        readback[GAIN_FIELD] = gain
        devices = dict(report.get("devices") or {})
        missing = list(report.get("missing") or [])
        problems = list(report.get("problems") or [])
        checks = check_fields(hall.flat, applied, readback, devices, [m["kind"] for m in missing])
        if hall.report is None:  # nothing read back yet but the gain: nothing confirmed
            checks = {
                path: check if path == GAIN_FIELD else type(check)(check.desired, None, None, None)
                for path, check in checks.items()
            }
        state = overall(
            hall.participant is not None, hall.revision, answered, checks, len(problems)
        )
        return {
            "id": site_id,
            "revision": hall.revision,
            "applied_revision": answered,
            "state": state.value,
            "fields": {
                path: {
                    "desired": c.desired,
                    "applied": c.applied,
                    "readback": c.readback,
                    "ok": c.ok,
                }
                for path, c in checks.items()
            },
            "devices": {kind: devices.get(kind) for kind in ("microphone", "speaker", "camera")},
            "missing": missing,
            "problems": problems,
            "inventory": list(report.get("inventory") or []),
        }

    def statuses(self) -> list[dict[str, Any]]:
        return [self.status(site_id) for site_id in self._halls]

    def tick(self, meters: Mapping[int, tuple[float, bool]]) -> None:
        """Once a second: judge every connected hall and tell the consoles. A hall that has
        sent no device report lately is judged by the level the mixer hears from it."""
        now = self._now()
        entries: list[dict[str, Any]] = []
        for site_id, hall in self._halls.items():
            if hall.participant is None:
                continue
            stale = hall.last_report_at is None or now - hall.last_report_at > REPORT_STALE_S
            if stale and site_id in meters:
                hall.samples.append(Sample(at=now, mic_level_db=meters[site_id][0]))
            entries.append(self._health_entry(site_id, hall))
        if entries:
            for feed in self.health_feeds:
                feed(entries)

    def health(self) -> list[dict[str, Any]]:
        """Every connected hall's health entry now (``outbound.HealthEntry``)."""
        return [
            self._health_entry(site_id, hall)
            for site_id, hall in self._halls.items()
            if hall.participant is not None
        ]

    def _health_entry(self, site_id: int, hall: _Hall) -> dict[str, Any]:
        report = hall.health or {}
        mic = report.get("microphone") or {}
        camera = report.get("camera") or {}
        speaker = report.get("speaker") or {}
        last = hall.samples[-1] if hall.samples else None
        level = mic.get("level_db")
        if level is None and last is not None:
            level = last.mic_level_db
        return {
            "id": site_id,
            "mic_level_db": None if level is None else round(level, 1),
            "mic_peak_db": mic.get("peak_db"),
            "mic_clipping": mic.get("clipping"),
            "camera_fps": camera.get("fps"),
            "camera_width": camera.get("width"),
            "camera_height": camera.get("height"),
            "speaker": speaker.get("device"),
            "speaker_playing": speaker.get("playing") if speaker else None,
            "warnings": assess(list(hall.samples), hall.profile.camera.frame_rate),
        }

    # ---- sending -----------------------------------------------------------------------

    def _send_profile(self, hall: _Hall) -> None:
        if hall.participant is None:
            return
        for feed in self.profile_feeds:
            feed(hall.participant, hall.revision, hall.body)

    def _tell_status(self, site_ids: list[int]) -> None:
        entries = [self.status(site_id) for site_id in site_ids]
        for feed in self.status_feeds:
            feed(entries)
