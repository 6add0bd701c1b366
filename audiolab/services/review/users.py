"""Users and roles: who may sign in and what each role may do; passwords kept as scrypt hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Literal

from audiolab.errors import AuthError, NotFoundError, ValidationError
from audiolab.services import Workbench
from audiolab.storage import assignments as assignment_store
from audiolab.storage import users as store
from audiolab.storage.users import User

Role = Literal["annotator", "reviewer", "manager"]
ROLES: tuple[str, ...] = ("annotator", "reviewer", "manager")
REVIEWERS = ("reviewer", "manager")

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` with a random 16-byte salt (base64 fields)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against a stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


# Checked against when the user is unknown, so that a wrong name costs as much as a wrong password.
_DUMMY_HASH = hash_password("audiolab-timing-equalizer")


def _check_password(password: str) -> None:
    if len(password) < 4:
        raise ValidationError("a password must have at least 4 characters")


def add_user(wb: Workbench, name: str, role: str, password: str) -> User:
    """Create a user.

    Raises:
        ValidationError: empty name or password, unknown role, or the name is taken.
    """
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise ValidationError("a user name must be non-empty and contain no spaces")
    if role not in ROLES:
        raise ValidationError(f"unknown role '{role}' (use one of: {', '.join(ROLES)})")
    _check_password(password)
    with wb.db.transaction():
        if store.find_user(wb.db, name) is not None:
            raise ValidationError(f"user '{name}' already exists")
        return store.insert_user(wb.db, name, role, hash_password(password))


def set_password(wb: Workbench, name: str, password: str) -> None:
    """Give an existing user a new password.

    Raises:
        NotFoundError: no such user.
        ValidationError: the password is too short.
    """
    get_user(wb, name)
    _check_password(password)
    with wb.db.transaction():
        store.set_password_hash(wb.db, name, hash_password(password))


class LoginThrottle:
    """Refuses sign-in for a name that failed ``limit`` times within ``window_s`` seconds.

    While a name is throttled even its right password is refused (without being checked), so
    guessing costs one window per ``limit`` tries. Kept per process: the server that takes the
    sign-ins is the one that counts them.
    """

    def __init__(self, limit: int = 5, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str) -> deque[float]:
        now = self.clock()
        q = self._failures.setdefault(name, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def blocked(self, name: str) -> bool:
        with self._lock:
            return len(self._recent(name)) >= self.limit

    def failed(self, name: str) -> None:
        with self._lock:
            self._recent(name).append(self.clock())

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


THROTTLE = LoginThrottle()


def authenticate(wb: Workbench, username: str, password: str, throttle: LoginThrottle | None = None) -> bool:
    """Whether the name and password match an active user (same cost when the user is unknown).

    Repeated failures for one name refuse it for a while (:class:`LoginThrottle`).
    """
    throttle = throttle or THROTTLE
    name = (username or "").strip()
    if throttle.blocked(name):
        return False
    found = store.find_credentials(wb.db, name)
    if found is None:
        verify_password(password or "", _DUMMY_HASH)
        ok = False
    else:
        ok = verify_password(password or "", found.password_hash) and found.active
    (throttle.succeeded if ok else throttle.failed)(name)
    return ok


def session_epoch(wb: Workbench, name: str) -> int | None:
    """The user's current session epoch, or None when they are unknown or disabled.

    A server remembers the epoch a session started under and ends the session once this differs.
    """
    found = store.find_credentials(wb.db, name)
    return found.session_epoch if found is not None and found.active else None


def set_active(wb: Workbench, name: str, active: bool) -> None:
    """Enable or disable a user; a disabled user cannot sign in and their open sessions end."""
    get_user(wb, name)
    with wb.db.transaction():
        store.set_active(wb.db, name, active)


def remove_user(wb: Workbench, name: str) -> None:
    """Remove a user who has no assignments (their edits keep their name in the history).

    Raises:
        NotFoundError: no such user.
        ValidationError: the user still has assignments (disable them instead).
    """
    get_user(wb, name)
    with wb.db.transaction():
        held = assignment_store.list_assignments(wb.db, user=name)
        if held:
            raise ValidationError(f"{name} has {len(held)} assignment(s); disable the user instead "
                                  f"(audiolab user disable {name}) to keep their work and its review")
        store.delete_user(wb.db, name)


def has_users(wb: Workbench) -> bool:
    """Whether any user exists (then the UI asks everyone to sign in)."""
    return store.count_users(wb.db) > 0


def get_user(wb: Workbench, name: str) -> User:
    """The user of that name.

    Raises:
        NotFoundError: no such user.
    """
    user = store.find_user(wb.db, name)
    if user is None:
        raise NotFoundError(f"no user '{name}' (see `audiolab user ls`)")
    return user


def list_users(wb: Workbench) -> list[User]:
    """Every user, by name."""
    return store.list_users(wb.db)


def require_role(wb: Workbench, username: str, roles: Sequence[str]) -> User:
    """The user, if they hold one of ``roles``; else :class:`AuthError`."""
    try:
        user = get_user(wb, username)
    except NotFoundError:
        raise AuthError(f"unknown user '{username}'") from None
    if user.role not in roles or not user.active:
        raise AuthError(f"{user.name} is {user.role}; this needs the role {' or '.join(roles)}")
    return user


__all__ = ["REVIEWERS", "ROLES", "THROTTLE", "LoginThrottle", "Role", "User", "add_user", "authenticate",
           "get_user", "has_users", "hash_password", "list_users", "remove_user", "require_role", "session_epoch",
           "set_active", "set_password", "verify_password"]
