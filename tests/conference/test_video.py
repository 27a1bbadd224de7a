from hypothesis import given
from hypothesis import strategies as st

from bridge.conference.shown import ShownSite
from bridge.conference.video import VideoSend, video_send

HOST = 1


def test_at_first_only_the_host_sends_full_and_the_rest_pause_or_preview():
    shown = ShownSite(HOST)
    assert video_send(HOST, shown, previews_watched=False) is VideoSend.FULL
    assert video_send(2, shown, previews_watched=False) is VideoSend.OFF
    assert video_send(2, shown, previews_watched=True) is VideoSend.PREVIEW


def test_the_shown_site_and_the_host_it_sees_send_full():
    shown = ShownSite(HOST)
    shown.show(3)
    assert video_send(3, shown, False) is VideoSend.FULL
    assert video_send(HOST, shown, False) is VideoSend.FULL
    assert video_send(2, shown, False) is VideoSend.OFF


def test_when_the_host_is_shown_the_site_shown_before_it_keeps_sending_full():
    shown = ShownSite(HOST)
    shown.show(3)
    shown.show(HOST)
    assert video_send(3, shown, False) is VideoSend.FULL
    assert video_send(4, shown, True) is VideoSend.PREVIEW


@given(st.lists(st.integers(1, 6), max_size=12), st.booleans())
def test_at_most_two_sites_send_full_and_the_shown_one_always_does(shows, watched):
    shown = ShownSite(HOST)
    for site in shows:
        shown.show(site)
    sends = {s: video_send(s, shown, watched) for s in range(1, 7)}
    full = [s for s, send in sends.items() if send is VideoSend.FULL]
    assert shown.site_id in full and 1 <= len(full) <= 2
    others = {send for s, send in sends.items() if s not in full}
    assert others <= {VideoSend.PREVIEW if watched else VideoSend.OFF}
