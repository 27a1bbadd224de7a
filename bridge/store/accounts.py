"""``store.accounts``: the people who log in (admin, office, organiser, operator, observer),
their passwords and their login tokens.

Passwords are kept as argon2id hashes, login tokens as their SHA-256 (see ``secrets.py``).
"""

from __future__ import annotations

import builtins
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bridge.store import schema as t
from bridge.store.engine import Database
from bridge.store.errors import (
    Conflict,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    TokenExpired,
    check_valid_for,
    clean_text,
    parse_enum,
)
from bridge.store.records import Account, AccountRole, IssuedToken
from bridge.store.secrets import (
    MAX_PASSWORD_CHARS,
    Passwords,
    check_password,
    new_token,
    presented_digest,
    token_digest,
)
from bridge.store.tokens import PURGE_AFTER

MAX_USERNAME_CHARS = 64


class Accounts:
    def __init__(self, db: Database, passwords: Passwords) -> None:
        self._db = db
        self._passwords = passwords

    def create(
        self, username: str, password: str, role: AccountRole | str = AccountRole.OPERATOR
    ) -> Account:
        """A new account. Usernames are unique regardless of case; ``role`` is checked
        (``InvalidInput``), so a role as it came off the wire will do."""
        username = clean_text(username, "username", MAX_USERNAME_CHARS)
        kind = parse_enum(AccountRole, role, "account role")
        # Hash before the transaction: argon2's tens of milliseconds must not hold the lock.
        hashed = self._passwords.hash(check_password(password))
        values = {"username": username, "password_hash": hashed, "role": kind}
        try:
            with self._db.write() as conn:
                account_id, _ = self._db.insert(conn, t.operators, values)
        except IntegrityError as exc:
            # The table's only unique column is the username.
            raise Conflict(f"an account named {username!r} already exists") from exc
        return Account(account_id, username, kind)

    def get(self, account_id: int) -> Account:
        query = select(t.operators).where(t.operators.c.id == account_id)
        with self._db.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"no account {account_id}")
        return Account(row.id, row.username, AccountRole(row.role))

    def set_password(self, username: str, password: str) -> None:
        """Set a new password and end every login of that account: a password is usually
        changed because the old one leaked."""
        hashed = self._passwords.hash(check_password(password))
        with self._db.write() as conn:
            where = t.operators.c.username == username.strip()
            account_id = conn.execute(select(t.operators.c.id).where(where)).scalar()
            if account_id is None:
                raise NotFound(f"no account {username!r}")
            conn.execute(update(t.operators).where(where).values(password_hash=hashed))
            tokens = t.operator_tokens
            conn.execute(delete(tokens).where(tokens.c.operator_id == account_id))

    def login(self, username: str, password: str, valid_for: timedelta) -> IssuedToken:
        """A login token for the right username and password; ``InvalidCredentials``
        otherwise, taking about as long whether or not the username exists."""
        check_valid_for(valid_for)
        # Long enough to fail verification, short enough not to burn CPU on a huge one.
        password = password[: MAX_PASSWORD_CHARS + 1]
        query = select(t.operators).where(t.operators.c.username == username.strip())
        with self._db.read() as conn:
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
        with self._db.write() as conn:
            now = self._db.clock()
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

    def check_token(self, token: str) -> Account:
        """The account a login token belongs to."""
        tokens = t.operator_tokens
        query = (
            select(t.operators, tokens.c.expires_at)
            .join(tokens, tokens.c.operator_id == t.operators.c.id)
            .where(tokens.c.token_hash == presented_digest(token))
        )
        with self._db.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise InvalidToken("unknown or revoked login token")
        if self._db.clock() >= row.expires_at:
            raise TokenExpired("the login token has expired")
        return Account(row.id, row.username, AccountRole(row.role))

    def revoke_token(self, token: str) -> None:
        """Log out. Revoking an unknown token is no error: the outcome is the same."""
        tokens = t.operator_tokens
        with self._db.write() as conn:
            conn.execute(delete(tokens).where(tokens.c.token_hash == presented_digest(token)))

    def list(self) -> builtins.list[Account]:
        """Every account, by username."""
        query = select(t.operators).order_by(t.operators.c.username)
        with self._db.read() as conn:
            return [Account(r.id, r.username, AccountRole(r.role)) for r in conn.execute(query)]
