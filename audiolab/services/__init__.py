"""Use cases shared by the CLI and the UI: ingest, read, edit, undo.

Feature modules beside this one (``prelabel``, ``exporting``, ...) add their use cases as functions
that take a :class:`Workbench`. Nothing here imports gradio or prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from audiolab.core.model import Edit, Recording, RecordingStatus, Tier, TierKind, TierRole, Transcript, VideoInfo, tier_id
from audiolab.errors import AudiolabError, MediaError
from audiolab.media import peaks as peaks_mod
from audiolab.media import probe as probe_mod
from audiolab.services import access
from audiolab.storage import edits, migrations, repository
from audiolab.storage.db import Database, resolve_db_path, utcnow
from audiolab.storage.repository import MAPPERS

MEDIA_EXTENSIONS = frozenset(
    ".wav .wave .flac .mp3 .ogg .oga .opus .m4a .aac .wma .aif .aiff .caf .amr .webm .mp4 .m4v .mov "
    ".mkv .avi .mpg .mpeg .mts .m2ts .ts .wmv .3gp .mxf".split()
)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one path: a recording (new or already known) or an error."""

    path: str
    recording: Recording | None = None
    error: str | None = None
    existed: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def iter_media(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Expand folders recursively (media extensions only); named files are always tried."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in MEDIA_EXTENSIONS:
                    yield child
                elif child.suffix.lower() in MEDIA_EXTENSIONS and (child.is_dir() or child.is_symlink()):
                    yield child  # a folder or a broken / looping link named like media: reported
        else:
            yield p


class Workbench:
    """The application's use cases over one database."""

    def __init__(self, db: Database | str | os.PathLike[str] | None = None):
        self.db = db if isinstance(db, Database) else Database(resolve_db_path(db))
        migrations.migrate(self.db)

    # -- ingest -----------------------------------------------------------------------------
    def peaks_path(self, recording_id: str) -> Path:
        return self.db.cache_dir / "peaks" / f"{recording_id}.peaks"

    def ingest_file(self, path: str | os.PathLike[str], project: str = "default",
                    max_bytes: int = probe_mod.MAX_BYTES_DEFAULT) -> IngestResult:
        """Ingest one file; nothing is written for it unless every check passes."""
        p = Path(path)
        probe_mod.check_file(p, max_bytes)
        mtime_ns = p.stat().st_mtime_ns  # of the content hashed next (see services.media_check)
        sha = probe_mod.sha256_file(p)
        known = repository.find_recording_by_sha(self.db, sha)
        if known is not None:
            return IngestResult(str(p), known, existed=True)
        info = probe_mod.probe(p, max_bytes)
        builder = peaks_mod.PeakBuilder()
        _, samples, packets_ms = probe_mod.decode(p, on_chunk=builder, keep=False, expected_ms=info.duration_ms)
        # The timeline spans the longest of: decoded audio, the audio packets (codec padding
        # included, as ffprobe reports it) and the video stream.
        duration_ms = max(int(round(samples * 1000 / probe_mod.MODEL_RATE)), packets_ms, info.video_end_ms or 0)
        if duration_ms < 1:
            raise MediaError(p, "audio is shorter than 1 ms")
        rec_id = sha[:12]
        video = None
        if info.fps is not None:
            video = VideoInfo(info.fps.numerator, info.fps.denominator, info.timecode, info.video_offset_ms,
                              info.width, info.height, info.video_codec)
        rec = Recording(
            id=rec_id, path=str(p.resolve()), sha256=sha, duration_ms=duration_ms,
            sample_rate=info.sample_rate, channels=info.channels, audio_codec=info.audio_codec,
            container=info.container, size_bytes=info.size_bytes, project=project,
            status=RecordingStatus.NEW, audio_start_ms=info.audio_start_ms, video=video, created_at=utcnow(),
        )
        peaks_file = self.peaks_path(rec_id)
        peaks_mod.write_peaks(peaks_file, builder.finish())
        try:
            with self.db.transaction():
                repository.insert_recording(self.db, rec)
                repository.set_media_mtime_ns(self.db, rec_id, mtime_ns)
                for tier in default_tiers(rec_id):
                    MAPPERS["tier"].insert(self.db, tier)
        except BaseException:
            peaks_file.unlink(missing_ok=True)
            raise
        return IngestResult(str(p), rec)

    def ingest(self, paths: Iterable[str | os.PathLike[str]], project: str = "default",
               progress: Progress | None = None, max_bytes: int = probe_mod.MAX_BYTES_DEFAULT,
               actor: str | None = None, uploaded: bool = False) -> list[IngestResult]:
        """Ingest files and folders; a failure on one file never stops the others.

        Args:
            actor: who asks (the UI's signed-in user); a registered user must be a reviewer or
                manager to add recordings, and a manager to name paths on the server (which
                also tells what exists there), unless the files are their ``uploaded`` ones.

        Raises:
            AuthError: ``actor`` may not add these recordings (nothing is read).
        """
        if actor is not None:
            roles, what = (access.REVIEWER_ROLES, "add recordings") if uploaded else (
                ("manager",), "ingest paths on the server")
            access.require_role(self.db, actor, roles, what)
        files = list(iter_media(paths))
        results = []
        for i, f in enumerate(files):
            if progress:
                progress(i, len(files), str(f))
            try:
                results.append(self.ingest_file(f, project, max_bytes))
            except AudiolabError as exc:
                reason = exc.reason if isinstance(exc, MediaError) else str(exc)
                results.append(IngestResult(str(f), error=reason))
        if progress:
            progress(len(files), len(files), "")
        return results

    # -- reads ------------------------------------------------------------------------------
    def recordings(self, project: str | None = None) -> list[Recording]:
        return repository.list_recordings(self.db, project)

    def recording(self, recording_id: str) -> Recording:
        return repository.get_recording(self.db, recording_id)

    def transcript(self, recording_id: str) -> Transcript:
        return repository.get_transcript(self.db, self.recording(recording_id).id)

    def set_status(self, recording_id: str, status: RecordingStatus) -> None:
        with self.db.transaction():
            repository.set_recording_status(self.db, recording_id, status)

    # -- edits ------------------------------------------------------------------------------
    def apply(self, recording_id: str, changes: list[edits.Change], author: str, description: str = "",
              scope: str = "") -> edits.BatchResult:
        """Write a batch of changes with history; marks a pre-labeled recording as in progress.

        Raises:
            AuthError: ``author`` is a registered user who may not write a tier the batch touches
                (:mod:`audiolab.services.access`); nothing is written.
        """
        with self.db.transaction():
            access.check_changes(self.db, author, recording_id, changes)
            result = edits.apply(self.db, recording_id, changes, author, description, scope)
            rec = repository.get_recording(self.db, recording_id)
            if rec.status in (RecordingStatus.NEW, RecordingStatus.PRELABELED):
                repository.set_recording_status(self.db, recording_id, RecordingStatus.IN_PROGRESS)
        return result

    def undo(self, recording_id: str, author: str, scope: str = "") -> edits.BatchResult:
        return self._undo_redo(edits.undo, recording_id, author, scope)

    def redo(self, recording_id: str, author: str, scope: str = "") -> edits.BatchResult:
        return self._undo_redo(edits.redo, recording_id, author, scope)

    def _undo_redo(self, fn: Callable[..., edits.BatchResult], recording_id: str, author: str,
                   scope: str) -> edits.BatchResult:
        rec_id = self.recording(recording_id).id
        access.check_scope(self.db, author, rec_id, scope)
        if fn is not edits.undo:
            return fn(self.db, rec_id, author, scope)
        # The system's re-timing of words (services/realign.py) follows a person's edit on the
        # same stack; one undo takes back both, so Ctrl+Z means "my last edit". One transaction:
        # a re-timing stored between the look at the stack and the undo would be what it took back.
        from audiolab.services.realign import AUTHOR as RETIMING_AUTHOR

        with self.db.transaction():
            retiming = None
            while edits.next_target_author(self.db, rec_id, scope, "undo") == RETIMING_AUTHOR:
                retiming = edits.undo(self.db, rec_id, author, scope)
            if retiming is not None and not edits.can_undo_redo(self.db, rec_id, scope)[0]:
                return retiming  # the system's batch was the last one (a transcript it aligned)
            return fn(self.db, rec_id, author, scope)

    def history(self, recording_id: str, entity_id: str | None = None, limit: int = 200) -> list[Edit]:
        """The newest history rows of a recording (or of one entity), newest first."""
        return edits.history(self.db, self.recording(recording_id).id, entity_id, limit)


def default_tiers(recording_id: str) -> list[Tier]:
    """The tiers every recording starts with: the shared transcript, sound events, emotions."""
    return [
        Tier(id=tier_id(recording_id, "transcript"), recording_id=recording_id, name="transcript",
             kind=TierKind.TRANSCRIPT, role=TierRole.WORK),
        Tier(id=tier_id(recording_id, "events"), recording_id=recording_id, name="sound events",
             kind=TierKind.SOUND_EVENT, role=TierRole.WORK),
        Tier(id=tier_id(recording_id, "emotions"), recording_id=recording_id, name="emotions",
             kind=TierKind.EMOTION, role=TierRole.WORK),
    ]
