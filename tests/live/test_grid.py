"""The halls' grid peers in a live session, in process (bridge/live/grid.py): a real
``Conference``, fake participants and a fake media side."""

from __future__ import annotations

import asyncio

import pytest

from bridge.conference import GiveFloor, RaiseHand, ShowSite
from bridge.conference.video import VideoSend
from bridge.live import LiveSession, Replaced
from bridge.profiles.schema import Display, Profile
from tests.live.fakes import FakeMedia, FakeParticipant
from tests.live.test_session import CA_MAU, HOST, LAO_CAI, QUANG_TRI, join, make_live


async def connected(live: LiveSession, media: FakeMedia, *site_ids: int) -> dict:
    sites = {}
    for site_id in site_ids:
        sites[site_id] = await join(live, site_id)
        media.transports[-1].connect()
    return sites


async def open_grid(live: LiveSession, site_id: int, p: FakeParticipant, cells: int) -> str:
    """As the WebSocket handler does: the answer is sent, then the cells."""
    answer = await live.grid.offer(site_id, p, f"cells:{cells}")
    p.send({"type": "answer"})
    live.grid.update()
    return answer


def grids(p: FakeParticipant) -> list[list[int | None]]:
    return [list(m["cells"]) for m in p.sent if m["type"] == "grid"]


async def test_a_grid_shows_the_others_after_the_answer_and_follows_the_shown_site():
    live, media = make_live()
    sites = await connected(live, media, HOST, LAO_CAI, QUANG_TRI, CA_MAU)
    hall = sites[LAO_CAI]
    await open_grid(live, LAO_CAI, hall, 3)  # a grid of 4 drawn by the page
    after_answer = [m["type"] for m in hall.sent][-2:]
    assert after_answer == ["answer", "grid"]
    assert grids(hall) == [[QUANG_TRI, CA_MAU, None]]  # the host is the large picture
    assert media.grids[0].shows[-1] == [QUANG_TRI, CA_MAU, None]
    # The grid shows previews: the sites nobody sees in full send their preview stream.
    assert sites[CA_MAU].videos[-1] is VideoSend.PREVIEW

    live.command(ShowSite(QUANG_TRI, "account:thu.ky"))
    assert grids(hall)[-1] == [HOST, CA_MAU, None]
    assert media.grids[0].shows[-1] == [HOST, CA_MAU, None]
    # Nothing changed for the grid: no message, no re-route.
    told = len(grids(hall))
    live.command(ShowSite(QUANG_TRI, "account:thu.ky"))
    assert len(grids(hall)) == told

    # A hall that leaves is taken out of the others' grids.
    await live.detach_site(CA_MAU, sites[CA_MAU], "site:4")
    assert grids(hall)[-1] == [HOST, None, None]


async def test_the_floor_and_raised_hands_come_right_after_the_host():
    live, media = make_live()
    sites = await connected(live, media, HOST, LAO_CAI, QUANG_TRI, CA_MAU)
    live.set_profiles({LAO_CAI: Profile(display=Display(layout="grid", grid_sites=2))})
    await open_grid(live, LAO_CAI, sites[LAO_CAI], 1)
    assert grids(sites[LAO_CAI])[-1] == [QUANG_TRI]
    live.command(RaiseHand(CA_MAU, "site:4"))
    assert grids(sites[LAO_CAI])[-1] == [CA_MAU]
    live.command(GiveFloor(QUANG_TRI, "account:thu.ky"))  # shown now: the host comes first
    assert grids(sites[LAO_CAI])[-1] == [HOST]


async def test_an_inset_is_the_host_and_empty_while_the_host_is_shown():
    live, media = make_live()
    sites = await connected(live, media, HOST, LAO_CAI, QUANG_TRI)
    await open_grid(live, LAO_CAI, sites[LAO_CAI], 1)  # one cell offered: an inset
    assert grids(sites[LAO_CAI]) == [[None]]
    live.command(ShowSite(QUANG_TRI, "account:thu.ky"))
    assert grids(sites[LAO_CAI])[-1] == [HOST]
    # An inset needs no previews: the host sends in full anyway.
    assert not live.previews_watched


async def test_one_grid_peer_per_site_closed_with_its_hall_and_the_session():
    live, media = make_live()
    sites = await connected(live, media, HOST, LAO_CAI, QUANG_TRI)
    await open_grid(live, LAO_CAI, sites[LAO_CAI], 3)
    await open_grid(live, LAO_CAI, sites[LAO_CAI], 3)
    first, second = media.grids
    assert first.closed and not second.closed
    assert live.previews_watched

    await live.grid.close(LAO_CAI)  # grid_close: the hall went back to "full"
    assert second.closed and not live.previews_watched
    assert sites[QUANG_TRI].videos[-1] is VideoSend.OFF

    await open_grid(live, LAO_CAI, sites[LAO_CAI], 3)
    again = await join(live, LAO_CAI)  # the hall rejoins: its old grid peer goes
    await asyncio.sleep(0)
    assert media.grids[-1].closed
    with pytest.raises(Replaced):  # the replaced connection cannot open one
        await live.grid.offer(LAO_CAI, sites[LAO_CAI], "cells:3")

    await open_grid(live, LAO_CAI, again, 3)
    await live.remove(LAO_CAI, "account:thu.ky")
    await asyncio.sleep(0)
    assert media.grids[-1].closed

    await open_grid(live, QUANG_TRI, sites[QUANG_TRI], 3)
    await live.close()
    assert media.grids[-1].closed


async def test_a_failed_grid_offer_is_closed_and_not_kept():
    live, media = make_live()
    sites = await connected(live, media, HOST, LAO_CAI)
    media.fail_next = True
    with pytest.raises(ValueError):
        await live.grid.offer(LAO_CAI, sites[LAO_CAI], "cells:3")
    assert media.grids[0].closed
    assert live.grid.cells_of(LAO_CAI) is None
