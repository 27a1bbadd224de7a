"""The halls' extra pictures (inset, grid) in one live session.

A hall whose page draws an inset or a grid opens a second, receive-only peer, its grid
peer (``grid_offer``); at most one per site (a new offer replaces the old one), at most
``MAX_CELLS`` cells. ``update()`` works out every grid peer's cells from the pure rule
(``bridge.conference.grid``: the layout from the hall's profile, fitted to the cells its
page offered; the large picture is ``ShownSite.source_for``), re-routes a peer and tells
its hall (``grid``, through ``tell``: the signaling layer's message) only when its cells
changed. It runs on every change of who is shown, who is connected, the floor and the
hands (the live session's events), and the lead calls it when a hall's profile changes.

A hall in a grid must see the others' preview streams, so while any grid peer draws a
grid the live session counts previews as watched (``watching``) and the sites that are
not shown send ``preview`` instead of ``off``. An inset needs none: its one cell is the
host, which already sends in full whenever it is not the shown site.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bridge.conference import (
    ConnectionState,
    FloorChanged,
    RosterChanged,
    ShownChanged,
    SiteChanged,
    SitesChanged,
)
from bridge.conference.grid import Cells, cells, drawn_layout

if TYPE_CHECKING:
    from bridge.live.media import GridTransport
    from bridge.live.session import LiveSession, Participant

log = logging.getLogger(__name__)

Tell = Callable[["Participant", Cells], None]


@dataclass
class _Grid:
    participant: Participant
    transport: GridTransport
    cells: Cells | None = None  # the last cells routed and told (None: not yet)
    layout: str = ""


class GridViewers:
    def __init__(self, live: LiveSession) -> None:
        self._live = live
        self._grids: dict[int, _Grid] = {}
        self._watching = False
        # Set by the signaling layer (bridge.signaling.broadcast): how a hall is told.
        self.tell: Tell = lambda participant, cells: None
        live.effects.on(
            ShownChanged,
            SiteChanged,
            SitesChanged,
            FloorChanged,
            RosterChanged,
            handler=self._changed,
        )

    @property
    def watching(self) -> bool:
        """True while some hall's grid shows other sites' preview streams."""
        return self._watching

    def cells_of(self, site_id: int) -> Cells | None:
        grid = self._grids.get(site_id)
        return None if grid is None else grid.cells

    # ---- a hall's grid peer -------------------------------------------------------------

    async def offer(self, site_id: int, participant: Participant, sdp: str) -> str:
        """Answer a hall's grid offer with a fresh grid peer (closing its previous one).
        The caller sends the answer, then calls ``update()`` (the hall hears ``grid`` after
        the ``answer``)."""
        from bridge.live.session import Replaced

        if self._live.site_participant(site_id) is not participant:
            raise Replaced()
        await self.close(site_id, reinstruct=False)
        transport = self._live.media.grid_transport(site_id)
        try:
            answer = await transport.answer(sdp)
        except Exception:
            await transport.close()
            raise
        if self._live.site_participant(site_id) is not participant:  # left meanwhile
            await transport.close()
            raise Replaced()
        old = self._grids.pop(site_id, None)  # an offer that overtook this one
        if old is not None:
            asyncio.get_running_loop().create_task(old.transport.close())
        self._grids[site_id] = _Grid(participant, transport)
        return answer

    async def candidate(
        self, site_id: int, participant: Participant, line: str, mid: str | None, index: int | None
    ) -> None:
        grid = self._grids.get(site_id)
        if grid is not None and grid.participant is participant:
            await grid.transport.add_candidate(line, mid, index)

    async def close(self, site_id: int, reinstruct: bool = True) -> None:
        """The hall left the inset/grid layout (``grid_close``), or offers again."""
        grid = self._grids.pop(site_id, None)
        if grid is not None:
            await grid.transport.close()
            if reinstruct:
                self._recount()

    def drop(self, site_id: int) -> None:
        """The hall's connection ended (left, replaced, removed): its grid peer goes too."""
        grid = self._grids.pop(site_id, None)
        if grid is not None:
            asyncio.get_running_loop().create_task(grid.transport.close())
            self._recount()

    async def close_all(self) -> None:
        grids = list(self._grids.values())
        self._grids.clear()
        self._watching = False
        for grid in grids:
            await grid.transport.close()

    # ---- the cells ---------------------------------------------------------------------

    def update(self) -> None:
        """Recompute every grid peer's cells; re-route and tell a hall only on a change."""
        if not self._grids:
            return
        conference = self._live.conference
        shown = conference.shown
        roster = conference.roster()
        connected = [s.id for s in roster if s.state is ConnectionState.CONNECTED]
        first = ([conference.floor] if conference.floor is not None else []) + [
            s.id for s in conference.hands()
        ]
        for site_id, grid in self._grids.items():
            display = self._live.desired_profile(site_id).display
            layout, grid_sites = drawn_layout(
                display.layout, display.grid_sites, grid.transport.cells
            )
            grid.layout = layout
            now = cells(
                layout,
                grid_sites,
                site_id,
                shown.source_for(site_id),
                conference.host_site_id,
                connected,
                first,
            )
            if now != grid.cells:
                grid.cells = now
                grid.transport.show(now)
                self.tell(grid.participant, now)
        self._recount()

    def _changed(self, event: object) -> None:
        self.update()

    def _recount(self) -> None:
        watching = any(grid.layout == "grid" for grid in self._grids.values())
        if watching != self._watching:
            self._watching = watching
            self._live.reinstruct()
