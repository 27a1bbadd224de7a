"""The demo session a first start creates, so `make run` has something to open."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bridge.store import AccountRole, SessionState, SiteLevel, Store

DEMO_META_KEY = "demo_session_id"
DEMO_OPERATOR = "admin"


@dataclass(frozen=True)
class DemoSeed:
    session_id: int
    operator: str
    password: str | None  # only on the start that created the operator


def ensure_demo(store: Store) -> DemoSeed | None:
    """Create, once, an operator and an open session: a central host and three provinces.

    Returns the demo session (``None`` if it has since been closed or deleted).
    """
    password = None
    if not store.accounts.list():
        password = secrets.token_urlsafe(12)
        store.accounts.create(DEMO_OPERATOR, password, AccountRole.ADMIN)
    existing = store.meta.get(DEMO_META_KEY)
    if existing is None:
        central = store.sites.create("Hội trường Trung ương", SiteLevel.CENTRAL)
        provinces = [
            store.sites.create(name, SiteLevel.PROVINCE, central.id)
            for name in ("Điểm cầu tỉnh Lào Cai", "Điểm cầu tỉnh Quảng Trị", "Điểm cầu tỉnh Cà Mau")
        ]
        session = store.sessions.create(
            "Giao ban trực tuyến (demo)",
            central.id,
            [central.id, *(p.id for p in provinces)],
            SessionState.OPEN,
        )
        store.meta.set(DEMO_META_KEY, str(session.id))
        existing = str(session.id)
    session = store.sessions.get(int(existing))
    if session.state is SessionState.CLOSED:
        return None
    return DemoSeed(session.id, DEMO_OPERATOR, password)
