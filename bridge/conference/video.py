"""Which sites send their camera, and how: a pure rule over who is shown.

Only the shown site and the site the shown site sees (the host, or the one shown before
the host) are watched full size, so only they send in ``full``. Every other site pauses
its uplink (``off`` — a commune hall on a poor link gains the bandwidth for its audio)
until it is shown, unless an operator console is watching previews: then it sends a small,
slow ``preview`` stream for the console's board.
"""

from __future__ import annotations

from enum import StrEnum

from bridge.conference.shown import ShownSite


class VideoSend(StrEnum):
    FULL = "full"
    PREVIEW = "preview"
    OFF = "off"


def video_send(site_id: int, shown: ShownSite, previews_watched: bool) -> VideoSend:
    """What ``site_id`` should send, given who is shown and whether a console watches."""
    if site_id == shown.site_id or site_id == shown.source_for(shown.site_id):
        return VideoSend.FULL
    return VideoSend.PREVIEW if previews_watched else VideoSend.OFF
