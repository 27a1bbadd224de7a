"""A hall's grid peer: the extra pictures of its inset or grid layout.

Receive-only from the hall's view: the page offers one ``recvonly`` video m-line per
cell (after the large picture, which stays on the hall's own peer); the bridge sends on
each the forwarded video of the site the live session puts in that cell
(``bridge.conference.grid``) — a ``VideoForwarder`` viewer keyed
``("grid", site_id, index)``. ``show(cells)`` re-routes them; the forwarder asks the new
source for a keyframe and keeps the old picture until it comes. At most ``MAX_CELLS``
m-lines are answered, any further ones are declined.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.conference.grid import MAX_CELLS
from bridge.media.forwarder import VideoForwarder
from bridge.media.viewing import ViewingPeer


class GridPeer(ViewingPeer):
    def __init__(
        self, site_id: int, forwarder: VideoForwarder, ice_servers: list[dict[str, str]]
    ) -> None:
        super().__init__(forwarder, ice_servers)
        self.site_id = site_id

    @property
    def cells(self) -> int:
        """How many cells were answered (0 before the answer)."""
        return len(self.viewers)

    async def answer(self, offer_sdp: str) -> str:
        keys = [("grid", self.site_id, index) for index in range(MAX_CELLS)]
        return await self.answer_views(offer_sdp, keys, "a grid offer (one m-line per cell)")

    def show(self, cells: Sequence[int | None]) -> None:
        """Cell i shows site ``cells[i]`` (None: nothing)."""
        for (key, _track), source in zip(self.viewers, cells, strict=False):
            self.forwarder.route(key, source)
