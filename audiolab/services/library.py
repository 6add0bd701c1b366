"""The recordings a project holds, each with how far its correction has come (the Library's rows).

The Library tab and the editor's recording picker list the same rows; both read them here.
"""

from __future__ import annotations

from dataclasses import dataclass

from audiolab.core.model import Recording, TierRole
from audiolab.services import Workbench
from audiolab.storage import repository


@dataclass(frozen=True, slots=True)
class LibraryRow:
    """One recording with its segment count and how many of those are no longer drafts."""

    recording: Recording
    segments: int = 0
    corrected: int = 0

    @property
    def progress(self) -> float:
        """The share of segments corrected (0.0 without segments)."""
        return (self.corrected / self.segments) if self.segments else 0.0


def library_rows(wb: Workbench, project: str | None = None) -> list[LibraryRow]:
    """One row per recording of ``project`` (of every project when None), in listing order.

    Segments are those of the version exports use (the adjudicated tier if there is one, else the
    shared working copy); annotators' private copies and imported references are not counted.
    """
    counts = repository.segment_counts(wb.db, (TierRole.ADJUDICATED, TierRole.WORK))
    out = []
    for rec in wb.recordings(project):
        n, done = counts.get((rec.id, TierRole.ADJUDICATED)) or counts.get((rec.id, TierRole.WORK)) or (0, 0)
        out.append(LibraryRow(rec, n, done))
    return out
