"""Who may do what: join tokens for sites, passwords and login tokens for operators.

A token is shown to its holder once, at issue; the store keeps only its SHA-256, so a
copy of the database lets nobody join a session or act as an operator.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from bridge.store import schema as t
from bridge.store.engine import Database, utc_now
from bridge.store.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotFound,
    TokenExpired,
    check_valid_for,
    clean_text,
    parse_enum,
)
from bridge.store.records import IssuedToken, JoinGrant, Operator, OperatorRole, SessionState
from bridge.store.secrets import (
    MAX_PASSWORD_CHARS,
    Passwords,
    check_password,
    new_token,
    presented_digest,
    token_digest,
)

# Expired tokens stay this long before a purge removes them, so a site that comes back
# late hears "expired" (ask for a new link) rather than "invalid" (something is wrong).
PURGE_AFTER = timedelta(days=1)
MAX_USERNAME_CHARS = 64


class Access(Database):
    def __init__(
        self,
        path: str | Path,
        now: Callable[[], datetime] = utc_now,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        self._passwords = Passwords(password_hasher)
        super().__init__(path, now)

    # -- join tokens ---------------------------------------------------------------------

    def issue_join_token(self, session_id: int, site_id: int, valid_for: timedelta) -> IssuedToken:
        """A new token that lets ``site_id`` join ``session_id`` until it expires. Earlier
        tokens stay valid (a site may keep its link on two PCs); revoke them explicitly."""
        check_valid_for(valid_for)
        token = new_token()
        with self._write() as conn:
            now = self._clock()
            where = t.sessions.c.id == session_id
            state = conn.execute(select(t.sessions.c.state).where(where)).scalar()
            if state is None:
                raise NotFound(f"no session {session_id}")
            if state == SessionState.CLOSED:
                raise InvalidInput(f"session {session_id} is closed")
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

    def check_join_token(self, token: str) -> JoinGrant:
        """What ``token`` grants. It says nothing of the session's state: whether the
        session is open yet, or closed, is for the caller to check."""
        tokens = t.join_tokens
        query = select(tokens).where(tokens.c.token_hash == presented_digest(token))
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise InvalidToken("unknown or revoked join token")
        if self._clock() >= row.expires_at:
            raise TokenExpired("the join token has expired")
        return JoinGrant(row.session_id, row.site_id, row.expires_at)

    def revoke_join_tokens(self, session_id: int, site_id: int | None = None) -> int:
        """Revoke the session's join tokens (one site's, or every site's); returns how many."""
        tokens = t.join_tokens
        query = delete(tokens).where(tokens.c.session_id == session_id)
        if site_id is not None:
            query = query.where(tokens.c.site_id == site_id)
        with self._write() as conn:
            return conn.execute(query).rowcount

    # -- operators -----------------------------------------------------------------------

    def create_operator(
        self, username: str, password: str, role: OperatorRole = OperatorRole.OPERATOR
    ) -> Operator:
        """A new operator. Usernames are unique regardless of case."""
        username = clean_text(username, "username", MAX_USERNAME_CHARS)
        role = parse_enum(OperatorRole, role, "operator role")
        # Hash before the transaction: argon2's tens of milliseconds must not hold the lock.
        hashed = self._passwords.hash(check_password(password))
        values = {"username": username, "password_hash": hashed, "role": role}
        try:
            with self._write() as conn:
                operator_id, _ = self._insert(conn, t.operators, values)
        except IntegrityError as exc:
            # The operators table's only unique column is the username.
            raise Conflict(f"an operator named {username!r} already exists") from exc
        return Operator(operator_id, username, role)

    def set_operator_password(self, username: str, password: str) -> None:
        """Set a new password and end every login of that operator: a password is
        usually changed because the old one leaked."""
        hashed = self._passwords.hash(check_password(password))
        with self._write() as conn:
            where = t.operators.c.username == username.strip()
            operator_id = conn.execute(select(t.operators.c.id).where(where)).scalar()
            if operator_id is None:
                raise NotFound(f"no operator {username!r}")
            conn.execute(update(t.operators).where(where).values(password_hash=hashed))
            tokens = t.operator_tokens
            conn.execute(delete(tokens).where(tokens.c.operator_id == operator_id))

    def list_operators(self) -> list[Operator]:
        query = select(t.operators).order_by(t.operators.c.username)
        with self._read() as conn:
            return [Operator(r.id, r.username, OperatorRole(r.role)) for r in conn.execute(query)]

    def login(self, username: str, password: str, valid_for: timedelta) -> IssuedToken:
        """An operator token for the right username and password; ``InvalidCredentials``
        otherwise, taking about as long whether or not the username exists."""
        check_valid_for(valid_for)
        # Long enough to fail verification, short enough not to burn CPU on a huge one.
        password = password[: MAX_PASSWORD_CHARS + 1]
        query = select(t.operators).where(t.operators.c.username == username.strip())
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            self._passwords.verify_nothing(password)
            raise InvalidCredentials("wrong username or password")
        if not self._passwords.verify(row.password_hash, password):
            raise InvalidCredentials("wrong username or password")
        # The hash parameters were raised since this password was set: upgrade the hash
        # now, while we hold the plaintext, the only moment we ever can.
        rehashed = None
        if self._passwords.needs_rehash(row.password_hash):
            rehashed = self._passwords.hash(password)
        token = new_token()
        with self._write() as conn:
            now = self._clock()
            where = t.operators.c.id == row.id
            current = conn.execute(select(t.operators.c.password_hash).where(where)).scalar()
            if current != row.password_hash:
                # Changed or deleted since we verified: that verification no longer holds.
                raise InvalidCredentials("wrong username or password")
            if rehashed is not None:
                conn.execute(update(t.operators).where(where).values(password_hash=rehashed))
            tokens = t.operator_tokens
            conn.execute(delete(tokens).where(tokens.c.expires_at < now - PURGE_AFTER))
            expires_at = now + valid_for
            conn.execute(
                insert(tokens).values(
                    token_hash=token_digest(token),
                    operator_id=row.id,
                    expires_at=expires_at,
                    created_at=now,
                )
            )
        return IssuedToken(token, expires_at)

    def check_operator_token(self, token: str) -> Operator:
        tokens = t.operator_tokens
        query = (
            select(t.operators, tokens.c.expires_at)
            .join(tokens, tokens.c.operator_id == t.operators.c.id)
            .where(tokens.c.token_hash == presented_digest(token))
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise InvalidToken("unknown or revoked operator token")
        if self._clock() >= row.expires_at:
            raise TokenExpired("the operator token has expired")
        return Operator(row.id, row.username, OperatorRole(row.role))

    def revoke_operator_token(self, token: str) -> None:
        """Log out. Revoking an unknown token is no error: the outcome is the same."""
        tokens = t.operator_tokens
        with self._write() as conn:
            conn.execute(delete(tokens).where(tokens.c.token_hash == presented_digest(token)))
