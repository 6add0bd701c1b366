"""Named, ordered schema migrations, recorded in the database they were applied to.

A migration is never edited once released: add a new one at the end of ``MIGRATIONS``.
The SQL is portable (see ``db.py`` for the few tokens the connection layer translates).
"""

from __future__ import annotations

from audiolab.errors import AudiolabError
from audiolab.storage.db import Database, utcnow

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_core",
        """
        CREATE TABLE recordings (
            id TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),
            sample_rate INTEGER NOT NULL CHECK (sample_rate > 0),
            channels INTEGER NOT NULL CHECK (channels > 0),
            audio_codec TEXT NOT NULL,
            container TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            project TEXT NOT NULL DEFAULT 'default',
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'prelabeled', 'in_progress', 'reviewed')),
            audio_start_ms INTEGER NOT NULL DEFAULT 0,
            fps_num INTEGER,
            fps_den INTEGER,
            start_timecode TEXT,
            video_start_offset_ms INTEGER,
            video_width INTEGER,
            video_height INTEGER,
            video_codec TEXT,
            created_at TEXT NOT NULL,
            CHECK ((fps_num IS NULL) = (fps_den IS NULL))
        );
        CREATE INDEX recordings_project ON recordings (project);

        CREATE TABLE tiers (
            id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('transcript', 'sound_event', 'emotion', 'note')),
            role TEXT NOT NULL DEFAULT 'work'
                CHECK (role IN ('work', 'annotation', 'adjudicated', 'reference')),
            owner TEXT,
            parent_id TEXT REFERENCES tiers (id),
            version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX tiers_recording ON tiers (recording_id);

        CREATE TABLE speakers (
            id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            label TEXT NOT NULL CHECK (label <> ''),
            name TEXT NOT NULL DEFAULT '',
            color TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 1,
            UNIQUE (recording_id, label)
        );

        CREATE TABLE pipeline_runs (
            id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            model TEXT NOT NULL,
            options_json TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
            error TEXT,
            stats_json TEXT NOT NULL DEFAULT '{}'
        );

        CREATE TABLE segments (
            id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            tier_id TEXT NOT NULL REFERENCES tiers (id) ON DELETE CASCADE,
            start_ms INTEGER NOT NULL CHECK (start_ms >= 0),
            end_ms INTEGER NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            speaker_id TEXT REFERENCES speakers (id),
            words_json TEXT NOT NULL DEFAULT '[]',
            language TEXT,
            confidence REAL,
            avg_logprob REAL,
            no_speech_prob REAL,
            origin TEXT NOT NULL CHECK (origin IN ('asr', 'diarization', 'human', 'import')),
            status TEXT NOT NULL CHECK (status IN ('draft', 'corrected', 'reviewed')),
            flags_json TEXT NOT NULL DEFAULT '[]',
            run_id TEXT REFERENCES pipeline_runs (id),
            touched INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 1,
            CHECK (start_ms < end_ms)
        );
        CREATE INDEX segments_recording ON segments (recording_id, tier_id, start_ms);

        CREATE TABLE tags (
            id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('sound_event', 'emotion', 'note')),
            start_ms INTEGER NOT NULL CHECK (start_ms >= 0),
            end_ms INTEGER NOT NULL,
            label TEXT NOT NULL,
            tier_id TEXT REFERENCES tiers (id) ON DELETE CASCADE,
            segment_id TEXT REFERENCES segments (id),
            note TEXT NOT NULL DEFAULT '',
            confidence REAL,
            origin TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            CHECK (start_ms < end_ms)
        );
        CREATE INDEX tags_recording ON tags (recording_id, start_ms);

        CREATE TABLE vocabularies (
            project TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('sound_event', 'emotion', 'note')),
            label TEXT NOT NULL CHECK (label <> ''),
            hotkey TEXT NOT NULL DEFAULT '',
            color TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (project, kind, label)
        );

        CREATE TABLE edit_batches (
            seq {autoinc_pk},
            id TEXT NOT NULL UNIQUE,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            author TEXT NOT NULL,
            at TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('do', 'undo', 'redo')),
            target_batch_id TEXT,
            description TEXT NOT NULL DEFAULT '',
            scope TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX edit_batches_recording ON edit_batches (recording_id, scope, seq);

        CREATE TABLE edits (
            id {autoinc_pk},
            batch_id TEXT NOT NULL REFERENCES edit_batches (id) ON DELETE CASCADE,
            recording_id TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
            before_json TEXT,
            after_json TEXT,
            author TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX edits_batch ON edits (batch_id);
        CREATE INDEX edits_entity ON edits (entity, entity_id);
        """,
    ),
    (
        "0002_users_assignments_gold",
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY CHECK (name <> ''),
            role TEXT NOT NULL CHECK (role IN ('annotator', 'reviewer', 'manager')),
            password_hash TEXT NOT NULL CHECK (password_hash <> ''),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            created_at TEXT NOT NULL
        );

        CREATE TABLE assignments (
            id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            user_name TEXT NOT NULL REFERENCES users (name),
            tier_id TEXT REFERENCES tiers (id) ON DELETE SET NULL,
            independent INTEGER NOT NULL DEFAULT 0 CHECK (independent IN (0, 1)),
            status TEXT NOT NULL DEFAULT 'assigned'
                CHECK (status IN ('assigned', 'in_progress', 'submitted', 'reviewed', 'rejected')),
            comment TEXT NOT NULL DEFAULT '',
            assigned_by TEXT,
            reviewed_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT,
            reviewed_at TEXT,
            UNIQUE (recording_id, user_name)
        );
        CREATE INDEX assignments_user ON assignments (user_name, status);

        CREATE TABLE gold_items (
            id TEXT PRIMARY KEY,
            recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
            segment_id TEXT NOT NULL DEFAULT '',
            start_ms INTEGER NOT NULL CHECK (start_ms >= 0),
            end_ms INTEGER NOT NULL,
            marked_by TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (recording_id, segment_id),
            CHECK (start_ms < end_ms)
        );
        """,
    ),
    (
        "0003_user_sessions",
        """
        ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        "0004_media_mtime",
        """
        ALTER TABLE recordings ADD COLUMN media_mtime_ns INTEGER;
        """,
    ),
    (
        "0005_voiceprints",
        """
        CREATE TABLE voiceprints (
            id TEXT PRIMARY KEY,
            project TEXT NOT NULL,
            name TEXT NOT NULL CHECK (name <> ''),
            recording_id TEXT REFERENCES recordings (id) ON DELETE SET NULL,
            speaker_label TEXT NOT NULL,
            model TEXT NOT NULL,
            vector_json TEXT NOT NULL,
            speech_ms INTEGER NOT NULL CHECK (speech_ms > 0),
            segments INTEGER NOT NULL CHECK (segments > 0),
            source TEXT NOT NULL CHECK (source IN ('checked', 'all')),
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX voiceprints_project ON voiceprints (project, name);
        """,
    ),
]


def migrate(db: Database) -> list[str]:
    """Apply the migrations this database has not seen, each in its own transaction.

    A database that has them all is only read, so a read-only one can still be listed and exported.

    Returns:
        The names of the migrations applied now.
    """
    if _applied(db) == [name for name, _ in MIGRATIONS]:
        return []
    with db.transaction():  # under the write lock: servers starting at once on a new database do not race
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " position INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
        )
    applied_now: list[str] = []
    for position, (name, sql) in enumerate(MIGRATIONS, start=1):
        with db.transaction():
            done = db.query_one("SELECT name FROM schema_migrations WHERE position = ?", (position,))
            if done is not None:
                if done["name"] != name:
                    raise AudiolabError(
                        f"{db.path}: migration {position} is '{done['name']}' in the database but "
                        f"'{name}' in this version of audiolab; refusing to guess"
                    )
                continue
            for statement in _split(sql):  # execute() translates each one
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (position, name, applied_at) VALUES (?, ?, ?)",
                (position, name, utcnow()),
            )
            applied_now.append(name)
    return applied_now


def _applied(db: Database) -> list[str]:
    """The names of the migrations recorded in the database, in order (none for a new one)."""
    if not db.table_exists("schema_migrations"):
        return []
    return [r["name"] for r in db.query("SELECT name FROM schema_migrations ORDER BY position")]


def _split(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]

