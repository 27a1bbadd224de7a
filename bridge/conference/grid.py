"""The extra pictures of a hall's screen: the host's inset, or the cells of a grid. Pure.

The main picture of every hall is what ``ShownSite.source_for(viewer)`` says (the
*large* one); the profile's ``display.layout`` may add pictures around it:

- ``full``: none;
- ``inset``: one — the host (the chair), so a hall watching a province still sees the
  central hall react. When the host *is* the large picture, or the viewer *is* the host,
  or the host is not connected, the cell is empty (``None``: the page hides it) rather
  than filled with some other hall: a corner that sometimes shows the chair and
  sometimes a random province would be read as "the chair" from across the room;
- ``grid``: ``grid_sites - 1`` cells (the large one is the first of the ``grid_sites``):
  every other connected site but the viewer and the large one, the host first, then the
  ones the caller puts ``first`` (the floor holder, then the raised hands, who asked first
  first), then roster order; cells left over are ``None``.

A cell never shows the viewer itself nor the large picture, never the same site twice,
never a site that is not connected; the list's length depends only on the layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: At most this many extra pictures (a grid of 9: the large one and 8 cells).
MAX_CELLS = 8
LAYOUTS = ("full", "inset", "grid")

Cells = list[int | None]


def cell_count(layout: str, grid_sites: int) -> int:
    """How many extra pictures ``layout`` draws (bounded by ``MAX_CELLS``)."""
    if layout == "inset":
        return 1
    if layout == "grid":
        return max(0, min(MAX_CELLS, grid_sites - 1))
    return 0


def cells(
    layout: str,
    grid_sites: int,
    viewer: int,
    large: int | None,
    host: int,
    connected: Sequence[int],
    first: Iterable[int] = (),
) -> Cells:
    """The site each extra picture shows, in order (None: an empty cell).

    ``connected``: the connected sites in roster order; ``first``: sites to put right after
    the host (the floor holder, the raised hands), ignored unless connected.
    """
    count = cell_count(layout, grid_sites)
    online = set(connected)
    if layout == "inset":
        shown_host = host in online and host not in (viewer, large)
        return [host if shown_host else None]
    picked: Cells = []
    seen: set[int] = {viewer} if large is None else {viewer, large}
    for site in (host, *first, *connected):
        if len(picked) == count:
            break
        if site in online and site not in seen:
            seen.add(site)
            picked.append(site)
    return picked + [None] * (count - len(picked))


def drawn_layout(layout: str, grid_sites: int, offered: int) -> tuple[str, int]:
    """The layout a hall's grid peer serves, from its profile and the number of cells its
    page offered (m-lines: the page draws what it was told, and the answer must fit them).

    The profile decides when the two agree; otherwise the page's offer wins (a page that
    drew a grid before its profile arrived, or a test): one cell is the host's inset
    unless the profile says a grid of two, more cells a grid of ``offered + 1``.
    """
    offered = max(0, min(MAX_CELLS, offered))
    if offered == cell_count(layout, grid_sites) and layout != "full":
        return layout, grid_sites
    if offered == 1:
        return ("grid", 2) if layout == "grid" else ("inset", grid_sites)
    return "grid", offered + 1
