"""An operator console's live previews: one receive-only video stream per roster site.

The console offers one ``recvonly`` video m-line per roster site, in roster order; the
bridge answers each with that site's forwarded video (``VideoForwarder`` viewer keyed
``(console, site)``; the m-lines themselves: ``viewing.ViewingPeer``). Nothing is decoded
or encoded here either: a site that is not shown is told ``video {send: "preview"}`` while
a console watches, so what the console gets is that site's own small, slow stream (the
shown site's full one for the shown site).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable

from bridge.media.forwarder import VideoForwarder
from bridge.media.viewing import ViewingPeer

log = logging.getLogger(__name__)


class ConsolePeer(ViewingPeer):
    def __init__(
        self,
        key: int,
        roster: list[int],
        forwarder: VideoForwarder,
        ice_servers: list[dict[str, str]],
    ) -> None:
        super().__init__(forwarder, ice_servers)
        self.key = key
        self._roster = roster

    @property
    def previews(self) -> int:
        return len(self.viewers)

    async def answer(self, offer_sdp: str) -> str:
        sites: dict[Hashable, int] = {(self.key, site_id): site_id for site_id in self._roster}
        sdp = await self.answer_views(
            offer_sdp, list(sites), "a console's offer (one video m-line per roster site)"
        )
        for key, _track in self.viewers:
            self.forwarder.route(key, sites[key])
            log.debug("console %s previews site %d", self.key, sites[key])
        return sdp
