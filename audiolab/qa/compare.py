"""All the scores between two versions of one recording, in one call.

``reference`` is the version the other is measured against (gold, or the first annotator when
two annotators are compared: WER/DER are then not symmetric, kappa/alpha and F1 are).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from audiolab.core.model import Segment, Span, Tag, TagKind, Tier, Transcript
from audiolab.qa import agreement, events, metrics
from audiolab.qa.normalize import NormalizeOptions
from audiolab.qa.versions import segments_of_version, tags_of_version, version_name


@dataclass(frozen=True, slots=True)
class QaOptions:
    """What the scores use.

    Args:
        collar_s: DER/JER collar in seconds, as pyannote.metrics defines it (total width).
        normalize: text normalization before WER/CER.
        event_resolution_s: segment length of segment-based event F1.
        event_t_collar_s: onset collar of event-based F1 (also the minimum offset collar).
        event_percentage_of_length: offset collar as a share of the reference event's length.
        frame_ms: frame step of the time-weighted emotion agreement.
    """

    collar_s: float = 0.25
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)
    event_resolution_s: float = 1.0
    event_t_collar_s: float = 0.2
    event_percentage_of_length: float = 0.5
    frame_ms: int = agreement.FRAME_MS


def in_spans(span: Span, spans: Sequence[Span]) -> bool:
    """Whether a span's midpoint lies inside one of ``spans``."""
    mid = (span.start_ms + span.end_ms) // 2
    return any(s.contains(mid) for s in spans)


def compare_versions(t: Transcript, reference: Tier, hypothesis: Tier, options: QaOptions | None = None,
                     uem: Sequence[Span] | None = None) -> dict[str, Any]:
    """Scores of ``hypothesis`` against ``reference`` on one recording.

    Args:
        t: the recording's transcript.
        reference: the version measured against.
        hypothesis: the version measured.
        options: scoring options.
        uem: evaluate only inside these spans (gold segments); default the whole recording.
            Segments and tags count when their midpoint is inside.

    Returns:
        A JSON-ready dict: ``reference``, ``hypothesis`` (version names), ``wer``, ``cer``,
        ``der``, ``jer``, ``boundary_shift_ms``, ``matched_segments``, ``event_f1_segment``,
        ``event_f1_event``, ``emotion_kappa`` and the counts behind them. None marks a score
        that is undefined here (e.g. no reference words).
    """
    options = options or QaOptions()
    spans = list(uem) if uem else [Span(0, t.recording.duration_ms)]
    ref_segs = _keep(segments_of_version(t, reference), spans)
    hyp_segs = _keep(segments_of_version(t, hypothesis), spans)
    ref_text = metrics.version_text(ref_segs, options.normalize)
    hyp_text = metrics.version_text(hyp_segs, options.normalize)
    pairs = agreement.align_segments(ref_segs, hyp_segs)
    out: dict[str, Any] = {
        "reference": version_name(reference),
        "hypothesis": version_name(hypothesis),
        "reference_segments": len(ref_segs),
        "hypothesis_segments": len(hyp_segs),
        "wer": metrics.wer(ref_text, hyp_text),
        "cer": metrics.cer(ref_text, hyp_text),
        **metrics.diarization_errors(ref_segs, hyp_segs, spans, options.collar_s),
        "collar_s": options.collar_s,
        "boundary_shift_ms": metrics.boundary_shift_ms(pairs),
        "matched_segments": sum(1 for a, b in pairs if a is not None and b is not None),
    }
    duration = max(s.end_ms for s in spans)
    ref_ev = _events(_keep_tags(tags_of_version(t, reference, TagKind.SOUND_EVENT), spans))
    hyp_ev = _events(_keep_tags(tags_of_version(t, hypothesis, TagKind.SOUND_EVENT), spans))
    seg = events.segment_based(ref_ev, hyp_ev, duration, options.event_resolution_s)
    evb = events.event_based(ref_ev, hyp_ev, options.event_t_collar_s, options.event_percentage_of_length)
    out.update({
        "events_reference": len(ref_ev), "events_hypothesis": len(hyp_ev),
        "event_f1_segment": seg.f1 if ref_ev or hyp_ev else None,
        "event_f1_event": evb.f1 if ref_ev or hyp_ev else None,
        "event_counts_segment": asdict(seg), "event_counts_event": asdict(evb),
    })
    ref_em = _keep_tags(tags_of_version(t, reference, TagKind.EMOTION), spans)
    hyp_em = _keep_tags(tags_of_version(t, hypothesis, TagKind.EMOTION), spans)
    out["emotion_kappa"] = agreement.emotion_kappa(ref_em, hyp_em, duration, options.frame_ms)
    return out


def emotion_alpha_of(t: Transcript, tiers: Sequence[Tier], options: QaOptions | None = None) -> float | None:
    """Krippendorff's alpha of the emotion labels of several versions."""
    options = options or QaOptions()
    versions = [tags_of_version(t, x, TagKind.EMOTION) for x in tiers]
    return agreement.emotion_alpha(versions, t.recording.duration_ms, options.frame_ms)


def _keep(segs: list[Segment], spans: Sequence[Span]) -> list[Segment]:
    return [s for s in segs if in_spans(s.span, spans)]


def _keep_tags(tags: list[Tag], spans: Sequence[Span]) -> list[Tag]:
    return [x for x in tags if in_spans(x.span, spans)]


def _events(tags: list[Tag]) -> list[events.Event]:
    return [events.Event(x.label, x.span) for x in tags]
