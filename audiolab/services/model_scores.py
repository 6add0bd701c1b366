"""Drafts measured back: every stored pre-labeling run scored against the corrected version.

A vendor wants to know which model and settings save annotators the most correction. Once a
recording has a corrected version, each finished pre-labeling run on it is scored against that
version, and the scores are pooled per model and settings.

Computed on demand from what is stored (no background job, nothing cached): the table is as
fresh as the history the moment it is asked for (``audiolab stats --models``, the Dashboard tab).

**The corrected version** of a recording is, in this order:

1. gold: the reference tier (role ``reference``) when it holds segments, scored over the gold
   items' spans (the whole recording when the recording itself is gold, or has no gold item);
2. the adjudicated tier, when it holds segments (whole recording);
3. the working copy's segments that are no longer drafts (status ``corrected`` or ``reviewed``):
   over the whole recording once no draft is left in it or the recording is ``reviewed`` (then
   its remaining drafts count as accepted), else only over the corrected segments' spans.

A recording without any of these is left out (its runs are counted as waiting).

**A run's own drafts** come from the edit history (:func:`audiolab.storage.runs.run_drafts`): the
segments as the batch ``pre-label run <id>`` created them, whatever people did to them since. A
run that found no speech has no drafts. A re-run over human work drops its drafts that overlap
human segments; such a run is marked ``partial`` (its misses there are not its model's).

**Scores** (:mod:`audiolab.qa.metrics`, the options of :class:`audiolab.qa.QaOptions`): WER of
the normalized text, DER and JER (pyannote.metrics, ``collar_s``, overlap scored) over the
scored spans, and the word-boundary error: the median absolute difference of the starts and
ends of the words matched by normalized text (in time order, longest common subsequence).
Segments count where their midpoint lies in the scored spans. Pooled per model and settings:
WER weighted by reference words, DER and JER by reference speech, the boundary error as the
median of all matched words' differences.

**Settings** are the run's stored options flattened (``asr.beam_size``, ``assign.pause_ms``),
without those that do not change the output (threads, batch sizes of the embedding model,
parallelism, the token). The table's ``label`` names only the settings that differ between its
rows, so the difference between two rows reads at a glance.

The corrected version is usually made by correcting one run's drafts, which favours that run
(what was not corrected looks right); compare runs on gold where it matters.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from audiolab.core.model import PipelineRun, RecordingStatus, Segment, SegmentStatus, Span, TierRole, Transcript
from audiolab.qa import metrics
from audiolab.qa.compare import QaOptions, in_spans
from audiolab.qa.normalize import normalize_text
from audiolab.qa.versions import reference_tier, transcript_tiers
from audiolab.services import Workbench, access
from audiolab.storage import gold as gold_store
from audiolab.storage import runs as run_store

#: Option keys that do not change what a run produces (left out of its settings).
NEUTRAL_OPTIONS = frozenset({"parallel", "asr.cpu_threads", "diarization.threads", "asr.hf_token",
                             "diarization.hf_token", "diarization.embedding_batch_size",
                             "diarization.segmentation_batch_size"})


@dataclass(frozen=True, slots=True)
class Corrected:
    """The version runs are scored against: its kind, segments and the spans scored."""

    kind: str
    segments: tuple[Segment, ...]
    uem: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class RunScore:
    """One run on one recording against the recording's corrected version.

    Error rates are fractions (None where undefined: no reference words, no reference speech, no
    matched words).
    """

    recording_id: str
    run_id: str
    model: str
    settings: dict[str, Any]
    started_at: str | None
    reference: str
    wer: float | None
    der: float | None
    jer: float | None
    word_boundary_ms: float | None
    reference_words: int
    draft_words: int
    matched_words: int
    speech_s: float
    drafts: int
    partial: bool
    boundary_deltas: tuple[int, ...] = dataclasses.field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        del d["boundary_deltas"]
        return d


@dataclass(frozen=True, slots=True)
class ModelScore:
    """The runs of one model with one set of settings, pooled (see the module docstring)."""

    model: str
    settings: dict[str, Any]
    label: str
    runs: int
    recordings: int
    wer: float | None
    der: float | None
    jer: float | None
    word_boundary_ms: float | None
    reference_words: int
    speech_s: float
    references: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class ModelScores:
    """The table (best first), the runs behind it, and the runs still waiting for a corrected version."""

    models: tuple[ModelScore, ...]
    runs: tuple[RunScore, ...]
    waiting: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"models": [m.to_dict() for m in self.models], "runs": [r.to_dict() for r in self.runs],
                "waiting": [{"recording_id": rid, "run_id": run} for rid, run in self.waiting]}


def corrected_version(t: Transcript, gold_spans: Sequence[Span] = ()) -> Corrected | None:
    """The version a recording's runs are scored against, or None while it has none.

    Args:
        t: the recording's transcript.
        gold_spans: the spans of the recording's gold items (empty: the whole recording).
    """
    whole = (Span(0, max(1, t.recording.duration_ms)),)
    ref = reference_tier(t)
    if ref is not None and (segs := t.segments_of(ref.id)):
        return Corrected("reference", tuple(segs), tuple(gold_spans) or whole)
    for tier in transcript_tiers(t):
        if tier.role == TierRole.ADJUDICATED and (segs := t.segments_of(tier.id)):
            return Corrected("adjudicated", tuple(segs), whole)
    work = next((x for x in transcript_tiers(t) if x.role == TierRole.WORK), None)
    segs = t.segments_of(work.id) if work is not None else []
    done = [s for s in segs if s.status != SegmentStatus.DRAFT]
    if segs and (len(done) == len(segs) or t.recording.status == RecordingStatus.REVIEWED):
        return Corrected("work", tuple(segs), whole)
    if done:
        return Corrected("work (corrected segments)", tuple(done), _merged(s.span for s in done))
    return None


def _merged(spans: Any) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: s.start_ms):
        if out and s.start_ms <= out[-1].end_ms:
            out[-1] = out[-1].union(s)
        else:
            out.append(s)
    return tuple(out)


def _timed_words(segments: Sequence[Segment], options: QaOptions) -> list[tuple[str, Span]]:
    words = sorted((w for s in segments for w in s.words), key=lambda w: (w.span.start_ms, w.span.end_ms))
    out = []
    for w in words:
        token = normalize_text(w.text, options.normalize).replace(" ", "")
        if token:
            out.append((token, w.span))
    return out


def word_boundary_deltas(reference: Sequence[Segment], hypothesis: Sequence[Segment],
                         options: QaOptions | None = None) -> list[int]:
    """|start difference| and |end difference| (ms) of each pair of words matched by text.

    Words of each side are put in time order and normalized; pairs are the longest common
    subsequence of the two token lists (difflib, no junk heuristic).

    >>> from audiolab.core.model import Word
    >>> ref = [Segment("r", "x", "t", Span(0, 2000), "hi there", words=(Word(Span(0, 500), "Hi,"),
    ...        Word(Span(600, 1000), "there"))), ]
    >>> hyp = [Segment("h", "x", "t", Span(0, 2000), "hi where", words=(Word(Span(100, 450), "hi"),
    ...        Word(Span(600, 1100), "where"))), ]
    >>> word_boundary_deltas(ref, hyp)
    [100, 50]
    """
    options = options or QaOptions()
    a, b = _timed_words(reference, options), _timed_words(hypothesis, options)
    matcher = difflib.SequenceMatcher(a=[x for x, _ in a], b=[x for x, _ in b], autojunk=False)
    out: list[int] = []
    for i, j, n in matcher.get_matching_blocks():
        for k in range(n):
            ra, hb = a[i + k][1], b[j + k][1]
            out += [abs(ra.start_ms - hb.start_ms), abs(ra.end_ms - hb.end_ms)]
    return out


def settings_of(run: PipelineRun) -> dict[str, Any]:
    """A run's options flattened to ``section.key`` (lists as JSON), without :data:`NEUTRAL_OPTIONS`."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif prefix not in NEUTRAL_OPTIONS:
            flat[prefix] = json.dumps(value) if isinstance(value, (list, tuple)) else value

    walk("", run.options or {})
    return dict(sorted(flat.items()))


def score_run(run: PipelineRun, corrected: Corrected, drafts: Sequence[Segment],
              options: QaOptions | None = None) -> RunScore:
    """One run's drafts against a corrected version (see the module docstring)."""
    options = options or QaOptions()
    uem = list(corrected.uem)
    ref = [s for s in corrected.segments if in_spans(s.span, uem)]
    hyp = [s for s in drafts if in_spans(s.span, uem)]
    ref_text = metrics.version_text(ref, options.normalize)
    hyp_text = metrics.version_text(hyp, options.normalize)
    dia = metrics.diarization_errors(ref, hyp, uem, options.collar_s)
    deltas = word_boundary_deltas(ref, hyp, options)
    speech = sum(s.span.overlap_ms(u) for s in ref for u in uem)
    return RunScore(
        recording_id=run.recording_id, run_id=run.id, model=run.model, settings=settings_of(run),
        started_at=run.started_at, reference=corrected.kind, wer=metrics.wer(ref_text, hyp_text),
        der=dia["der"], jer=dia["jer"], word_boundary_ms=statistics.median(deltas) if deltas else None,
        reference_words=len(ref_text.split()), draft_words=len(hyp_text.split()), matched_words=len(deltas) // 2,
        speech_s=round(speech / 1000, 3), drafts=len(hyp),
        partial=bool((run.stats or {}).get("dropped_overlapping_human")), boundary_deltas=tuple(deltas))


def _pooled(values: Sequence[tuple[float | None, float]]) -> float | None:
    kept = [(v, w) for v, w in values if v is not None and w > 0]
    total = sum(w for _, w in kept)
    return sum(v * w for v, w in kept) / total if total else None


def _labels(keys: list[tuple[str, tuple[tuple[str, Any], ...]]]) -> dict[tuple[str, tuple[tuple[str, Any], ...]], str]:
    """Per (model, settings): the settings that differ between rows, as ``key=value`` pairs."""
    all_keys = sorted({k for _, s in keys for k, _ in s})
    varying = [k for k in all_keys if len({dict(s).get(k, "-") for _, s in keys}) > 1]
    return {key: ", ".join(f"{k}={dict(key[1]).get(k, '-')}" for k in varying) or "-" for key in keys}


def model_scores(wb: Workbench, project: str | None = None, options: QaOptions | None = None,
                 actor: str | None = None) -> ModelScores:
    """Every finished pre-labeling run scored against its recording's corrected version, pooled.

    Args:
        wb: the workbench.
        project: only this project's recordings (default all).
        options: scoring options (collar, text normalization).
        actor: who asks; a registered annotator is refused (scores are a reviewer's or manager's).

    Returns:
        The table per model and settings, best WER first (then DER), the per-run scores behind
        it, and ``(recording, run)`` pairs still waiting for a corrected version.

    Raises:
        AuthError: ``actor`` is a registered user who is neither reviewer nor manager.
    """
    if actor is not None:
        access.require_role(wb.db, actor, access.REVIEWER_ROLES, "see model scores")
    options = options or QaOptions()
    by_rec: dict[str, list[PipelineRun]] = {}
    for run in run_store.finished_runs(wb.db, project):
        by_rec.setdefault(run.recording_id, []).append(run)
    gold: dict[str, list[Span]] = {}
    for g in gold_store.list_gold_items(wb.db, project):
        gold.setdefault(g.recording_id, []).append(g.span)
    scores: list[RunScore] = []
    waiting: list[tuple[str, str]] = []
    for rid, runs in by_rec.items():
        corrected = corrected_version(wb.transcript(rid), gold.get(rid, ()))
        for run in runs:
            drafts = run_store.run_drafts(wb.db, rid, run.id)
            if corrected is None or (drafts is None and not (run.stats or {}).get("no_speech")):
                waiting.append((rid, run.id))
                continue
            scores.append(score_run(run, corrected, drafts or [], options))
    groups: dict[tuple[str, tuple[tuple[str, Any], ...]], list[RunScore]] = {}
    for s in scores:
        groups.setdefault((s.model, tuple(s.settings.items())), []).append(s)
    labels = _labels(list(groups))
    table = []
    for key, items in groups.items():
        deltas = [d for s in items for d in s.boundary_deltas]
        refs: dict[str, int] = {}
        for s in items:
            refs[s.reference] = refs.get(s.reference, 0) + 1
        table.append(ModelScore(
            model=key[0], settings=dict(key[1]), label=labels[key], runs=len(items),
            recordings=len({s.recording_id for s in items}),
            wer=_pooled([(s.wer, s.reference_words) for s in items]),
            der=_pooled([(s.der, s.speech_s) for s in items]), jer=_pooled([(s.jer, s.speech_s) for s in items]),
            word_boundary_ms=statistics.median(deltas) if deltas else None,
            reference_words=sum(s.reference_words for s in items), speech_s=round(sum(s.speech_s for s in items), 3),
            references=refs))
    table.sort(key=lambda m: (m.wer is None, m.wer or 0.0, m.der is None, m.der or 0.0, m.model, m.label))
    return ModelScores(tuple(table), tuple(scores), tuple(waiting))
