"""Chapters from the shown-site and floor changes (pure)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from bridge.recording.chapters import MERGE_S, OPENING, Chapter, Mark, chapters

NAMES = {1: "Hội trường Tỉnh", 2: "Huyện Mường Tè"}


def test_each_change_starts_a_chapter_named_after_the_hall():
    marks = [Mark(0, "shown", 1), Mark(12.5, "floor", 2), Mark(30, "shown", 2)]
    assert chapters(marks, NAMES, 60) == [
        Chapter(0, 12.5, "Trình chiếu: Hội trường Tỉnh"),
        Chapter(12.5, 30, "Phát biểu: Huyện Mường Tè"),
        Chapter(30, 60, "Trình chiếu: Huyện Mường Tè"),
    ]


def test_changes_together_are_one_chapter_and_the_later_of_a_kind_wins():
    marks = [Mark(5, "floor", 2), Mark(5.3, "shown", 1), Mark(5.6, "shown", 2)]
    assert chapters(marks, NAMES, 20) == [
        Chapter(0, 5, OPENING),
        Chapter(5, 20, "Phát biểu: Huyện Mường Tè · Trình chiếu: Huyện Mường Tè"),
    ]


def test_nobody_starts_no_chapter_and_unknown_halls_are_numbered():
    marks = [
        Mark(-3, "shown", 9),
        Mark(4, "floor", None),
        Mark(8, "shown", None),
        Mark(99, "floor", 1),
    ]
    assert chapters(marks, NAMES, 50) == [Chapter(0, 50, "Trình chiếu: Điểm cầu 9")]


def test_the_same_title_again_goes_on_and_no_marks_is_one_chapter():
    marks = [Mark(0, "shown", 1), Mark(10, "floor", 2), Mark(10.2, "floor", None)]
    assert [c.title for c in chapters(marks, NAMES, 30)] == [
        "Trình chiếu: Hội trường Tỉnh",
        "Phát biểu: Huyện Mường Tè",
    ]
    assert chapters([Mark(3, "shown", 1), Mark(7, "shown", 1)], NAMES, 9) == [
        Chapter(0, 3, OPENING),
        Chapter(3, 9, "Trình chiếu: Hội trường Tỉnh"),
    ]
    assert chapters([], NAMES, 9) == [Chapter(0, 9, OPENING)]


marks_strategy = st.lists(
    st.builds(
        Mark,
        st.floats(-5, 120, allow_nan=False),
        st.sampled_from(["shown", "floor"]),
        st.one_of(st.none(), st.integers(1, 4)),
    ),
    max_size=30,
)


@given(marks_strategy, st.floats(0, 100, allow_nan=False))
def test_chapters_tile_the_recording(marks, duration):
    found = chapters(marks, NAMES, duration)
    assert found[0].start_s == 0 and found[-1].end_s == duration
    for a, b in itertools.pairwise(found):
        assert a.end_s == b.start_s and b.start_s - a.start_s >= MERGE_S
        assert a.title != b.title
    assert all(c.title for c in found)
    # Every hall that was shown or given the floor inside the recording, a second or more
    # before another change of the same kind, is named in some chapter.
    for mark in marks:
        if mark.site_id is None or not 0 <= mark.at_s <= duration:
            continue
        later = [m for m in marks if m.kind == mark.kind and 0 <= m.at_s - mark.at_s < MERGE_S]
        if later == [mark] and all(
            abs(m.at_s - mark.at_s) >= MERGE_S for m in marks if m is not mark
        ):
            name = NAMES.get(mark.site_id) or f"Điểm cầu {mark.site_id}"
            assert any(name in c.title for c in found)
