"""One exception hierarchy for every user-facing failure.

Edges (CLI, UI) turn these into one clear line; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class AudiolabError(Exception):
    """Base of every error a user can cause and fix."""


class ValidationError(AudiolabError, ValueError):
    """A value breaks a rule of the model (a span that ends before it starts, an empty label)."""


class MediaError(AudiolabError):
    """A media file cannot be used. The message names the file and the reason."""

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class NotFoundError(AudiolabError, LookupError):
    """A recording, segment, speaker or other entity does not exist."""


class ConflictError(AudiolabError):
    """An edit was based on a stale version; nothing was written.

    Attributes:
        entity: table name of the entity in conflict.
        entity_id: its id.
        expected: the version the edit was based on.
        current: the version stored now (None when it was deleted).
    """

    def __init__(self, entity: str, entity_id: str, expected: int | None, current: int | None):
        self.entity, self.entity_id = entity, entity_id
        self.expected, self.current = expected, current
        now = "it was deleted" if current is None else f"it is now at version {current}"
        super().__init__(
            f"conflict: {entity} {entity_id} was changed by someone else "
            f"(your edit was based on version {expected}, {now}); reload and try again"
        )


class NothingToDoError(AudiolabError):
    """Undo or redo found nothing to undo or redo."""


class ModelError(AudiolabError):
    """A model cannot be found or loaded."""


class ImportFormatError(AudiolabError):
    """A file to import is malformed. Carries the file and, where known, the line."""

    def __init__(self, path: object, reason: str, line: int | None = None):
        self.path, self.reason, self.line = str(path), reason, line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class StorageError(AudiolabError):
    """The database cannot be read or written (corrupt, read-only, full disk, locked, unreachable).

    The message names the database and the problem; nothing of the failed change was written.
    """


class AuthError(AudiolabError):
    """Sign-in failed or the signed-in user may not do this."""
