"""Signed-in sessions that end the moment a user's access changes (disabled, removed, new password).

Gradio checks a password once, at sign-in, and then trusts the session cookie until the server
stops. audiolab checks every request of a signed-in user against the database instead: the
first request of a session records the user's *session epoch* (which disabling a user or
changing their password bumps, see :mod:`audiolab.services.review.users`); a later request
whose user is gone, disabled or at another epoch ends the session (its token is forgotten by
the server) and is refused. Users that are not in the database (``--auth USER``) are left to
Gradio's own check.
"""

from __future__ import annotations

import threading
from typing import Any

from audiolab.errors import AuthError
from audiolab.services import Workbench, access
from audiolab.services import review

NOT_A_DATABASE_USER = -1


class SessionGuard:
    """Remembers the epoch each session token started under and refuses it once that changed."""

    def __init__(self, wb: Workbench) -> None:
        self.wb = wb
        self._epochs: dict[str, int] = {}
        self._lock = threading.Lock()

    def check(self, app: Any, token: str, username: str) -> None:
        """Pass, or end the session of ``token`` and raise :class:`AuthError`."""
        with self._lock:
            seen = self._epochs.get(token)
        if seen == NOT_A_DATABASE_USER:
            return
        if seen is None and access.registered(self.wb.db, username) is None:
            with self._lock:
                self._epochs[token] = NOT_A_DATABASE_USER
            return
        epoch = review.session_epoch(self.wb, username)  # None: removed or disabled
        if epoch is not None and seen in (None, epoch):
            with self._lock:
                self._epochs[token] = epoch
            return
        with self._lock:
            self._epochs.pop(token, None)
        getattr(app, "tokens", {}).pop(token, None)
        raise AuthError(f"the session of {username} has ended: their access changed (disabled, removed or a new "
                        "password); sign in again")


def guard_of(app: Any) -> SessionGuard | None:
    """The guard of the app a request reached (set on the Blocks by ``build_app``), if any."""
    get_blocks = getattr(app, "get_blocks", None)
    try:
        blocks = get_blocks() if callable(get_blocks) else None
    except Exception:  # noqa: BLE001 - an app without blocks (tests' fake requests)
        return None
    return getattr(blocks, "audiolab_sessions", None)
