"""The ``users`` table: who may sign in, with which role; the only SQL on it.

Password hashes are written and read here but never put on a :class:`User`: only
:func:`find_credentials` returns one, for the sign-in check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audiolab.storage.db import Database, utcnow


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in (the password hash never leaves the database layer)."""

    name: str
    role: str
    active: bool = True
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the sign-in check needs of one user.

    ``session_epoch`` grows whenever the user's access changes (disabled, password changed):
    a server drops every session it let in under an older epoch.
    """

    password_hash: str
    active: bool
    session_epoch: int = 0


def _user(row: dict[str, Any]) -> User:
    return User(row["name"], row["role"], bool(row["active"]), row["created_at"])


def insert_user(db: Database, name: str, role: str, password_hash: str) -> User:
    """Add an active user, stamped now (the caller checks that the name is free)."""
    now = utcnow()
    db.execute("INSERT INTO users (name, role, password_hash, active, created_at) VALUES (?, ?, ?, 1, ?)",
               (name, role, password_hash, now))
    return User(name, role, True, now)


def set_password_hash(db: Database, name: str, password_hash: str) -> None:
    """Replace a user's password hash; their open sessions end."""
    db.execute("UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE name = ?",
               (password_hash, name))


def set_active(db: Database, name: str, active: bool) -> None:
    """Enable or disable a user; disabling ends their open sessions."""
    db.execute("UPDATE users SET active = ?, session_epoch = session_epoch + ? WHERE name = ?",
               (int(active), 0 if active else 1, name))


def delete_user(db: Database, name: str) -> None:
    """Remove a user (the caller checks that nothing refers to them)."""
    db.execute("DELETE FROM users WHERE name = ?", (name,))


def find_user(db: Database, name: str) -> User | None:
    """The user of that name, or None."""
    row = db.query_one("SELECT name, role, active, created_at FROM users WHERE name = ?", (name,))
    return _user(row) if row is not None else None


def find_credentials(db: Database, name: str) -> Credentials | None:
    """The stored password hash and active flag of a user, or None for an unknown name."""
    row = db.query_one("SELECT password_hash, active, session_epoch FROM users WHERE name = ?", (name,))
    return Credentials(row["password_hash"], bool(row["active"]), row["session_epoch"]) if row is not None else None


def list_users(db: Database) -> list[User]:
    """Every user, by name."""
    return [_user(r) for r in db.query("SELECT name, role, active, created_at FROM users ORDER BY name")]


def count_users(db: Database) -> int:
    """How many users there are (active or not)."""
    row = db.query_one("SELECT COUNT(*) AS n FROM users")
    return int(row["n"]) if row else 0
