"""Scores between two versions of one recording: WER/CER on text, DER/JER on speaker turns.

The only module of :mod:`audiolab.qa` that imports the scoring libraries (``jiwer`` and
``pyannote.metrics``, both imported lazily): the numbers are the libraries' own, computed on
audiolab's core types.

Conventions:
- Text of a version is its segments' text in time order (start, end, id), joined by spaces,
  then normalized (:mod:`audiolab.qa.normalize`). WER/CER are ``None`` when the reference has no
  words (undefined), ``0.0`` when both are empty.
- Speaker turns are the segments' spans labelled with their speaker id (``"?"`` when a
  segment has no speaker). DER and JER use ``skip_overlap=False`` and a ``collar`` in seconds as
  pyannote.metrics defines it (the total width removed around each reference boundary, i.e.
  ``collar/2`` on each side). The evaluated region (UEM) is ``[0, duration)`` of the recording
  unless a list of spans is given (gold segments).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from audiolab.core.model import Segment, Span
from audiolab.qa.normalize import NormalizeOptions, normalize_text

UNKNOWN_SPEAKER = "?"


def version_text(segments: Iterable[Segment], options: NormalizeOptions | None = None) -> str:
    """A version's normalized text: its segments in time order, joined."""
    ordered = sorted(segments, key=lambda s: (s.span, s.id))
    return normalize_text(" ".join(s.text for s in ordered), options)


def _error_rate(measure: str, reference: str, hypothesis: str) -> float | None:
    """jiwer's ``measure`` of already-normalized strings; None if the reference is empty."""
    import jiwer

    if not reference.strip():
        return 0.0 if not hypothesis.strip() else None
    if not hypothesis.strip():
        return 1.0
    return float(getattr(jiwer, measure)(reference, hypothesis))


def wer(reference: str, hypothesis: str) -> float | None:
    """Word error rate of already-normalized strings (jiwer); None if the reference is empty."""
    return _error_rate("wer", reference, hypothesis)


def cer(reference: str, hypothesis: str) -> float | None:
    """Character error rate of already-normalized strings (jiwer); None if the reference is empty."""
    return _error_rate("cer", reference, hypothesis)


def to_annotation(segments: Iterable[Segment], uri: str = "recording"):  # noqa: ANN201 - pyannote Annotation
    """Speaker turns of segments as a ``pyannote.core.Annotation`` (seconds)."""
    from pyannote.core import Annotation
    from pyannote.core import Segment as PSegment

    ann = Annotation(uri=uri)
    for s in segments:
        ann[PSegment(s.span.start_s, s.span.end_s), s.id] = s.speaker_id or UNKNOWN_SPEAKER
    return ann


def _uem(spans: Sequence[Span], uri: str):  # noqa: ANN202
    from pyannote.core import Segment as PSegment
    from pyannote.core import Timeline

    return Timeline([PSegment(s.start_s, s.end_s) for s in spans], uri=uri)


def diarization_errors(reference: Sequence[Segment], hypothesis: Sequence[Segment], uem: Sequence[Span],
                       collar_s: float = 0.0) -> dict[str, float | None]:
    """DER and JER (pyannote.metrics, ``skip_overlap=False``) over the spans in ``uem``.

    Returns:
        ``{"der": ..., "jer": ...}``; None where the reference has no speech in the UEM.
    """
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    ref, hyp, u = to_annotation(reference), to_annotation(hypothesis), _uem(uem, "recording")
    if not ref.crop(u).get_timeline():
        return {"der": None, "jer": None}
    der = DiarizationErrorRate(collar=collar_s, skip_overlap=False)(ref, hyp, uem=u)
    jer = JaccardErrorRate(collar=collar_s, skip_overlap=False)(ref, hyp, uem=u)
    return {"der": float(der), "jer": float(jer)}


def boundary_shift_ms(pairs: Iterable[tuple[Segment | None, Segment | None]]) -> float | None:
    """Mean absolute shift of start and end boundaries over matched segment pairs (ms).

    Each matched pair contributes two shifts (its starts and its ends); unmatched segments are not
    counted here (they show in DER and WER). None when nothing matched.
    """
    shifts: list[int] = []
    for a, b in pairs:
        if a is not None and b is not None:
            shifts += [abs(a.span.start_ms - b.span.start_ms), abs(a.span.end_ms - b.span.end_ms)]
    return sum(shifts) / len(shifts) if shifts else None
