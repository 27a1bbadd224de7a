"""The extra pictures of the inset and grid layouts (bridge/conference/grid.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.conference.grid import MAX_CELLS, cell_count, cells, drawn_layout

HOST, LAO_CAI, QUANG_TRI, CA_MAU, HUE = 1, 2, 3, 4, 5
ALL = [HOST, LAO_CAI, QUANG_TRI, CA_MAU, HUE]


def test_full_draws_nothing():
    assert cells("full", 4, LAO_CAI, HOST, HOST, ALL) == []


def test_the_inset_is_the_host_unless_it_is_the_large_picture_or_the_viewer():
    assert cells("inset", 4, LAO_CAI, QUANG_TRI, HOST, ALL) == [HOST]
    assert cells("inset", 4, LAO_CAI, HOST, HOST, ALL) == [None]  # the host is shown
    assert cells("inset", 4, HOST, LAO_CAI, HOST, ALL) == [None]  # the host itself
    assert cells("inset", 4, LAO_CAI, QUANG_TRI, HOST, [LAO_CAI, QUANG_TRI]) == [None]


def test_a_grid_puts_the_host_first_then_those_put_first_then_roster_order():
    assert cells("grid", 4, LAO_CAI, QUANG_TRI, HOST, ALL) == [HOST, CA_MAU, HUE]
    assert cells("grid", 4, LAO_CAI, QUANG_TRI, HOST, ALL, first=[HUE]) == [HOST, HUE, CA_MAU]
    # The host shown: the others in roster order; the cells left over are empty.
    assert cells("grid", 4, LAO_CAI, HOST, HOST, [HOST, LAO_CAI, CA_MAU]) == [CA_MAU, None, None]
    # A site put first that is not connected is not shown.
    assert cells("grid", 3, LAO_CAI, HOST, HOST, [HOST, LAO_CAI, CA_MAU], first=[HUE]) == [
        CA_MAU,
        None,
    ]


def test_the_number_of_cells_follows_the_layout_only():
    assert [cell_count("grid", n) for n in (2, 4, 9)] == [1, 3, 8]
    assert cell_count("inset", 9) == 1
    assert cell_count("full", 9) == 0
    assert cell_count("grid", 50) == MAX_CELLS


def test_the_drawn_layout_is_the_profiles_when_the_offer_fits_it_else_the_offers():
    assert drawn_layout("grid", 4, 3) == ("grid", 4)
    assert drawn_layout("inset", 4, 1) == ("inset", 4)
    assert drawn_layout("grid", 2, 1) == ("grid", 2)
    assert drawn_layout("inset", 4, 3) == ("grid", 4)  # the page drew a grid of 4 itself
    assert drawn_layout("full", 4, 1) == ("inset", 4)
    assert drawn_layout("grid", 9, 1) == ("grid", 2)
    assert drawn_layout("grid", 4, 40) == ("grid", MAX_CELLS + 1)


sites = st.lists(st.integers(1, 12), unique=True, max_size=12)


@given(
    layout=st.sampled_from(["full", "inset", "grid"]),
    grid_sites=st.integers(2, 9),
    viewer=st.integers(1, 12),
    large=st.none() | st.integers(1, 12),
    host=st.integers(1, 12),
    connected=sites,
    first=st.lists(st.integers(1, 14), max_size=6),
)
def test_cells_never_repeat_never_show_the_viewer_or_the_large_one_only_connected_sites(
    layout, grid_sites, viewer, large, host, connected, first
):
    got = cells(layout, grid_sites, viewer, large, host, connected, first)
    assert len(got) == cell_count(layout, grid_sites)
    shown = [s for s in got if s is not None]
    assert len(shown) == len(set(shown))
    assert viewer not in shown
    assert large is None or large not in shown
    assert set(shown) <= set(connected)
    if layout == "grid":
        # Filled from the front, and as full as the connected sites allow.
        assert got[: len(shown)] == shown
        candidates = set(connected) - {viewer, large}
        assert len(shown) == min(len(got), len(candidates))
        if host in candidates and got:
            assert got[0] == host
