"""``store.notices``: a session's notices, withdrawn never deleted, and each hall's read
receipt kept once (the first read)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bridge.store import InvalidInput, NotFound, SessionState, SiteLevel, Store
from bridge.store.notices import NoticeFile
from tests.store.conftest import Clock

DOC = NoticeFile("Giấy mời.pdf", "pdf", 1234, "a" * 64)


@pytest.fixture
def session(store: Store) -> tuple[int, list[int]]:
    host = store.sites.create("Hội trường Trung ương", SiteLevel.CENTRAL)
    halls = [store.sites.create(f"Tỉnh {i}", SiteLevel.PROVINCE, host.id) for i in range(2)]
    roster = [host.id, *(h.id for h in halls)]
    created = store.sessions.create("Giao ban", host.id, roster, SessionState.SCHEDULED)
    return created.id, roster


def test_a_notice_is_posted_listed_and_withdrawn(store: Store, clock: Clock, session) -> None:
    session_id, _ = session
    first = store.notices.post(session_id, "invitation", " Giấy mời ", "Kính mời", by="account:vp")
    clock.advance(timedelta(minutes=1))
    second = store.notices.post(session_id, "document", "Tài liệu", file=DOC, by="account:vp")
    assert first.title == "Giấy mời" and first.body == "Kính mời" and first.file is None
    assert store.notices.get(session_id, second.id).file == DOC
    assert [n.id for n in store.notices.list(session_id)] == [first.id, second.id]

    clock.advance(timedelta(minutes=1))
    withdrawn = store.notices.withdraw(session_id, first.id)
    assert withdrawn.withdrawn_at == clock.now
    clock.advance(timedelta(minutes=1))
    again = store.notices.withdraw(session_id, first.id)
    assert again.withdrawn_at == withdrawn.withdrawn_at  # the first withdrawal is kept
    assert [n.id for n in store.notices.list(session_id, withdrawn=False)] == [second.id]
    assert len(store.notices.list(session_id)) == 2  # on record still
    assert store.notices.referenced(DOC.sha256)


def test_another_sessions_notice_is_not_found(store: Store, session) -> None:
    session_id, roster = session
    other = store.sessions.create("Khác", roster[0], roster, SessionState.OPEN)
    notice = store.notices.post(session_id, "agenda", "Chương trình", by="account:vp")
    with pytest.raises(NotFound):
        store.notices.get(other.id, notice.id)
    with pytest.raises(NotFound):
        store.notices.withdraw(other.id, notice.id)
    with pytest.raises(NotFound):
        store.notices.post(999, "agenda", "x", by="account:vp")


@pytest.mark.parametrize(
    ("kind", "title", "body", "field"),
    [("memo", "x", "", "kind"), ("other", "  ", "", None), ("other", "x", "y" * 10_001, "body")],
)
def test_what_a_notice_must_be(store: Store, session, kind, title, body, field) -> None:
    with pytest.raises(InvalidInput) as refused:
        store.notices.post(session[0], kind, title, body, by="account:vp")
    assert refused.value.field == field


def test_a_receipt_is_kept_once_the_first_read(store: Store, clock: Clock, session) -> None:
    session_id, roster = session
    notice = store.notices.post(session_id, "invitation", "Giấy mời", by="account:vp")
    other = store.notices.post(session_id, "agenda", "Chương trình", by="account:vp")
    receipt, created = store.notices.mark_read(notice.id, roster[1])
    assert created and receipt.read_at == clock.now
    clock.advance(timedelta(minutes=5))
    again, created = store.notices.mark_read(notice.id, roster[1])
    assert not created and again.read_at == receipt.read_at
    store.notices.mark_read(notice.id, roster[2])
    reads = store.notices.reads(session_id)
    assert [r.site_id for r in reads[notice.id]] == [roster[1], roster[2]]
    assert other.id not in reads
