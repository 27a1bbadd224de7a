"""``store.tokens``: join tokens, which let a site join one session.

A token is shown to its holder once, at issue; the store keeps only its SHA-256, so a copy
of the database lets nobody join a session.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, exists, insert, select

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import InvalidInput, InvalidToken, NotFound, TokenExpired, check_valid_for
from bridge.store.records import IssuedToken, JoinGrant
from bridge.store.secrets import new_token, presented_digest, token_digest

# Expired tokens stay this long before a purge removes them, so a site that comes back
# late hears "expired" (ask for a new link) rather than "invalid" (something is wrong).
PURGE_AFTER = timedelta(days=1)


class JoinTokens:
    def __init__(self, db: Database) -> None:
        self._db = db

    def issue(self, session_id: int, site_id: int, valid_for: timedelta) -> IssuedToken:
        """A new token that lets ``site_id`` join ``session_id`` until it expires. Earlier
        tokens stay valid (a site may keep its link on two PCs); revoke them explicitly.
        Whether the session should get links at all is ``bridge.use_cases``' to decide."""
        check_valid_for(valid_for)
        token = new_token()
        with self._db.write() as conn:
            now = self._db.clock()
            session = select(t.sessions.c.id).where(t.sessions.c.id == session_id)
            if conn.execute(session).first() is None:
                raise NotFound(f"no session {session_id}")
            roster = t.roster.c
            on_roster = exists().where(roster.session_id == session_id, roster.site_id == site_id)
            if not conn.execute(select(on_roster)).scalar():
                raise InvalidInput(f"site {site_id} is not on the roster of session {session_id}")
            tokens = t.join_tokens
            conn.execute(delete(tokens).where(tokens.c.expires_at < now - PURGE_AFTER))
            expires_at = now + valid_for
            conn.execute(
                insert(tokens).values(
                    token_hash=token_digest(token),
                    session_id=session_id,
                    site_id=site_id,
                    expires_at=expires_at,
                    created_at=now,
                )
            )
        return IssuedToken(token, expires_at)

    def check(self, token: str) -> JoinGrant:
        """What ``token`` grants. It says nothing of the session's state: whether the
        session is open yet, or closed, is for the caller to check."""
        tokens = t.join_tokens
        query = select(tokens).where(tokens.c.token_hash == presented_digest(token))
        with self._db.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise InvalidToken("unknown or revoked join token")
        if self._db.clock() >= row.expires_at:
            raise TokenExpired("the join token has expired")
        return JoinGrant(row.session_id, row.site_id, row.expires_at)

    def revoke(self, session_id: int, site_id: int | None = None) -> int:
        """Revoke the session's join tokens (one site's, or every site's); returns how many."""
        tokens = t.join_tokens
        query = delete(tokens).where(tokens.c.session_id == session_id)
        if site_id is not None:
            query = query.where(tokens.c.site_id == site_id)
        with self._db.write() as conn:
            return conn.execute(query).rowcount
