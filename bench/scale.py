"""Pre-labeling of long recordings: peak memory and speed by length, accuracy of a 1-hour talk.

Run:  .venv/bin/python bench/scale.py [--minutes 15 60 180] [--accuracy-minutes 60] [--ray-minutes 6] [--data ../shared/data]

Each row pre-labels one *assembled* recording through the real service
(:func:`audiolab.services.prelabel.prelabel`, default options) in a **fresh subprocess**, so the
peak resident memory (``VmHWM`` of that process) is the pre-labeling's alone: models, decode,
ASR, diarization, attribution and the SQLite write. The recording is ingested first, in this
process. Printed per row: peak RSS, the real-time factor (the service's own ``realtime_factor``:
audio seconds per second of decode, model loads, models and attribution; and the whole child's,
imports and the SQLite write included), and for the rows of ``--accuracy-minutes`` the DER of the
diarization turns and the WER of the stored draft against the assembly's reference.

The assembled recordings are built here and deleted afterwards (never commit them): the shared
single-speaker clips (``asr_en/``) and the two- and three-speaker clips with RTTM references
(``diarization/pyannote_sample``, ``diarization/picovoice_3spk``), nine voices in all, each clip
appearing once per round in a shuffled order (seeded) with 0.3-1.5 s pauses between clips, until
the length is reached (the last clip is cut). Reference turns: the RTTM turns of the multi-speaker
clips; for the single-speaker clips, where the clip's frame energy is within 25 dB of its loud
frames (and 6 dB over its floor), cut at pauses of 250 ms or more. Reference words: each clip's
transcript, in order (a clip cut by the end is left out of the WER and the DER's scored extent).

Rows are :class:`Row` values made by :func:`build_rows`; a new kind of row (a cluster run, another
engine) is a ``Row`` with its own ``runner``, a function ``(Row, Prepared) -> dict`` returning at
least ``peak_rss`` (bytes), ``wall_s`` and ``stats`` (the finished run's stats), and ``turns`` (the
diarizer's ``[start_ms, end_ms, speaker]``) for the DER; rows of the same length share one
assembled, ingested recording.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SR = 16000
DEFAULT_DATA = ROOT.parent / "shared" / "data"


# ---------------------------------------------------------------------------------------------
# assembly


@dataclass(frozen=True)
class Clip:
    path: str
    text: str
    turns: tuple[tuple[float, float, str], ...]  # seconds within the clip, speaker


def _energy_turns(audio: np.ndarray, speaker: str, min_pause_s: float = 0.25) -> tuple[tuple[float, float, str], ...]:
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160)  # 10 ms
    db = 10 * np.log10((frames.astype(np.float64) ** 2).mean(axis=1) + 1e-12)
    active = db > max(np.percentile(db, 95) - 25, np.percentile(db, 10) + 6)
    out: list[list[float]] = []
    for i in np.flatnonzero(active):
        t = i * 0.01
        if out and t - out[-1][1] < min_pause_s:
            out[-1][1] = t + 0.01
        else:
            out.append([t, t + 0.01])
    return tuple((a, b, speaker) for a, b in out if b - a >= 0.1)


def _rttm_turns(path: Path) -> tuple[tuple[float, float, str], ...]:
    rows = []
    for line in path.read_text().splitlines():
        p = line.split()
        if p and p[0] == "SPEAKER":
            rows.append((float(p[3]), float(p[3]) + float(p[4]), f"{path.stem}:{p[7]}"))
    return tuple(sorted(rows))


def load_clips(data: Path) -> list[Clip]:
    """The shared clips with their speakers and transcripts."""
    from audiolab.media.probe import load_audio

    lj = {r["file"]: r["normalized_text"] for r in csv.DictReader(open(data / "asr_en/ljspeech.tsv"), delimiter="\t")}
    single = [("asr_en/jfk.flac", "jfk", (data / "asr_en/jfk.txt").read_text()),
              ("asr_en/librispeech_1272-128104-0000.wav", "ls1272",
               (data / "asr_en/librispeech_1272-128104-0000.txt").read_text()),
              ("asr_en/ljspeech_LJ001-0001.flac", "lj", lj["ljspeech_LJ001-0001.flac"]),
              ("asr_en/ljspeech_LJ001-0007.flac", "lj", lj["ljspeech_LJ001-0007.flac"]),
              ("asr_en/librivox_sonnet001.mp3", "sonnet", (data / "asr_en/librivox_sonnet001.txt").read_text())]
    clips = [Clip(rel, text, _energy_turns(load_audio(data / rel), spk)) for rel, spk, text in single]
    stm = [line.split(maxsplit=5)[5] for line in (data / "diarization/pyannote_sample.stm").read_text().splitlines()
           if len(line.split(maxsplit=5)) == 6]
    clips.append(Clip("diarization/pyannote_sample.wav", " ".join(stm),
                      _rttm_turns(data / "diarization/pyannote_sample.rttm")))
    words = [line.split("\t", 1)[1] for line in (data / "diarization/picovoice_3spk.words.tsv").read_text().splitlines()
             if "\t" in line]
    clips.append(Clip("diarization/picovoice_3spk.wav", " ".join(words),
                      _rttm_turns(data / "diarization/picovoice_3spk.rttm")))
    return clips


@dataclass
class Assembled:
    path: Path
    duration_s: float
    turns: list[tuple[float, float, str]] = field(default_factory=list)  # whole clips only
    texts: list[str] = field(default_factory=list)
    scored_end_s: float = 0.0  # end of the last whole clip


def assemble(data: Path, minutes: float, out: Path, seed: int = 0) -> Assembled:
    """Write a 16 kHz mono 16-bit WAV of about ``minutes`` from the shared clips (streamed to disk)."""
    import soundfile as sf

    from audiolab.media.probe import load_audio

    clips = load_clips(data)
    signals = {c.path: load_audio(data / c.path) for c in clips}
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    target = int(minutes * 60 * SR)
    res = Assembled(out, 0.0)
    pos = 0
    with sf.SoundFile(str(out), "w", samplerate=SR, channels=1, subtype="PCM_16") as f:
        while pos < target:
            order = list(clips)
            rng.shuffle(order)
            for c in order:
                if pos >= target:
                    break
                pause = int(rng.uniform(0.3, 1.5) * SR)
                f.write((noise.standard_normal(pause) * 3e-4).astype(np.float32))
                pos += pause
                sig = signals[c.path][: max(0, target - pos)]
                f.write(sig)
                if len(sig) == len(signals[c.path]):
                    t0 = pos / SR
                    res.turns.extend((t0 + a, t0 + b, s) for a, b, s in c.turns)
                    res.texts.append(c.text)
                    res.scored_end_s = (pos + len(sig)) / SR
                pos += len(sig)
    res.duration_s = pos / SR
    return res


# ---------------------------------------------------------------------------------------------
# the child: one pre-labeling in a fresh process


def _vm(key: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(db: str, rid: str, turns_out: str | None, repo: str | None) -> None:
    """Pre-label one recording; print one JSON line (peak RSS, wall time, run stats)."""
    if repo:  # measure another checkout of the code (e.g. an export of the last commit)
        sys.path.insert(0, str(Path(repo).resolve()))
    t0 = time.perf_counter()
    from audiolab.pipelines import diarize as diarize_mod
    from audiolab.services import Workbench
    from audiolab.services.prelabel import prelabel

    captured: list[Any] = []
    for name in ("diarize", "diarize_stream"):  # keep the diarizer's own turns for the DER
        fn = getattr(diarize_mod, name, None)
        if fn is not None:
            def wrapped(*a: Any, _fn: Callable[..., Any] = fn, **k: Any) -> Any:
                r = _fn(*a, **k)
                captured.append(r)
                return r
            setattr(diarize_mod, name, wrapped)
    wb = Workbench(Path(db))
    run = prelabel(wb, rid, force=True)
    wall = time.perf_counter() - t0
    if turns_out and captured:
        turns = [[t.span.start_ms, t.span.end_ms, t.speaker] for t in captured[-1].turns]
        Path(turns_out).write_text(json.dumps(turns))
    wb.db.close()
    print(json.dumps({"peak_rss": _vm("VmHWM"), "wall_s": wall, "stats": run.stats,
                      "module": diarize_mod.__file__}))


# ---------------------------------------------------------------------------------------------
# Ray rows: the same files pre-labeled in-process and on Ray (`audiolab prelabel --all --ray`),
# throughput and overhead; after the memory rows (`--ray-minutes 0` leaves them out, `--minutes`
# with no value leaves the memory rows out)


_RAY_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from audiolab.cli import main
rc = main(sys.argv[1:])
hwm = next((int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmHWM:')), 0)
print('BENCH ' + json.dumps({'rc': rc, 'wall_s': time.perf_counter() - t0, 'peak_rss': hwm}))
"""

RAY_ROWS = [  # label, extra CLI arguments (None: in-process)
    ("in-process (CLI, no --ray)", None),
    ("--ray local, 1 actor x 2 CPUs", ["--ray", "--ray-actors", "1", "--ray-cpus-per-actor", "2"]),
    ("--ray local, 1 actor x 1 CPU", ["--ray", "--ray-actors", "1", "--ray-cpus-per-actor", "1"]),
    ("--ray local, 2 actors x 1 CPU", ["--ray", "--ray-actors", "2", "--ray-cpus-per-actor", "1"]),
]


def _cut(assembled: Path, piece_s: float, out_dir: Path) -> list[Path]:
    """The assembled recording cut into files of ``piece_s`` seconds (the last may be shorter)."""
    import soundfile as sf

    audio, sr = sf.read(str(assembled), dtype="float32")
    step = int(piece_s * sr)
    paths = []
    for i, start in enumerate(range(0, len(audio), step)):
        piece = audio[start:start + step]
        if len(piece) < sr:  # under a second: not worth a file
            continue
        p = out_dir / f"piece_{i:03d}.wav"
        sf.write(str(p), piece, sr, subtype="PCM_16")
        paths.append(p)
    return paths


def _ray_row(files: list[Path], work: Path, label: str, extra: list[str] | None) -> dict[str, Any]:
    """Ingest ``files`` into a fresh database and pre-label them all in a fresh ``audiolab`` process."""
    from audiolab.services import Workbench
    from audiolab.storage import repository

    db = Path(tempfile.mkdtemp(prefix="row-", dir=work)) / "bench.db"  # a fresh database for every run
    wb = Workbench(db)
    rids = [wb.ingest_file(f).recording.id for f in files]
    wb.db.close()
    cmd = [sys.executable, "-c", _RAY_CHILD, "prelabel", "--all", "--db", str(db), *(extra or [])]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    line = next((x for x in reversed(proc.stdout.splitlines()) if x.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"{label} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    out = json.loads(line[6:])
    wb = Workbench(db)
    runs = [r for rid in rids for r in repository.get_runs(wb.db, rid) if r.status == "done"]
    segments = sum(len(wb.transcript(rid).segments) for rid in rids)
    wb.db.close()
    if len(runs) != len(rids):
        raise SystemExit(f"{label}: {len(runs)} of {len(rids)} files done")
    ray = [r.stats.get("ray", {}) for r in runs]
    summary = next((x for x in proc.stderr.splitlines() if x.startswith("ray: ") and "real time overall" in x), "")
    out.update(label=label, files=len(rids), segments=segments,
               audio_s=sum(r.stats["duration_ms"] for r in runs) / 1000,
               compute_s=sum(r.stats["total_s"] for r in runs),  # in the models, per file, summed
               actor_peak_rss=max((s.get("peak_rss", 0) for s in ray), default=0),
               model_load_s=sorted({s["model_load_s"] for s in ray if "model_load_s" in s}),
               startup_s=float(re.search(r"start-up ([\d.]+) s", summary).group(1)) if summary else None)
    return out


def ray_throughput(data: Path, minutes: float = 6.0, piece_s: float = 30.0, repeat: int = 2,
                   json_out: Path | None = None) -> list[dict[str, Any]]:
    """In-process vs ``--ray`` (local runtime) on the same files; 1 vs 2 Ray actors of 1 CPU each.

    ``minutes`` of assembled audio cut into files of ``piece_s`` seconds. Each row runs
    ``repeat`` times, the rows taking turns (a machine shared with other work drifts); a row's
    figures are those of its fastest run.
    """
    with tempfile.TemporaryDirectory(prefix="audiolab-scale-ray-") as tmp:
        work = Path(tmp)
        assembled = assemble(data, minutes, work / "assembled.wav")
        files = _cut(assembled.path, piece_s, work)
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in RAY_ROWS}
        for _ in range(repeat):
            for label, extra in RAY_ROWS:
                runs[label].append(_ray_row(files, work, label, extra))
    rows = [min(runs[label], key=lambda r: r["wall_s"]) for label, _ in RAY_ROWS]
    print(f"\n# The same {len(files)} files ({assembled.duration_s / 60:.1f} min, {piece_s:g} s each) "
          f"in-process and on Ray ({os.cpu_count()} cores; tiny.en + offline diarizer; best of {repeat})")
    print("| row | wall (whole command) | x real time | models, summed over files | start-up (Ray + first "
          "model load) | peak RSS driver / actor | segments |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        start = f"{r['startup_s']:.1f} s" if r["startup_s"] is not None else "-"
        actor = f"{r['actor_peak_rss'] / 1e9:.2f} GB" if r["actor_peak_rss"] else "-"
        print(f"| {r['label']} | {r['wall_s']:.1f} s | {r['audio_s'] / r['wall_s']:.2f} | {r['compute_s']:.1f} s | "
              f"{start} | {r['peak_rss'] / 1e9:.2f} GB / {actor} | {r['segments']} |")
    base, same, one, two = rows
    extra_s = same["wall_s"] - base["wall_s"]
    print(f"\nRay overhead at the same resources (1 actor x 2 CPUs vs in-process): {extra_s / base['wall_s'] * 100:+.1f} % "
          f"of the whole command ({extra_s:+.1f} s; Ray's start-up, paid once per run, was {same['startup_s']:.1f} s, "
          "the in-process run loads its models inside its wall time too)")
    print(f"2 actors x 1 CPU vs 1 actor x 1 CPU: {one['wall_s'] / two['wall_s']:.2f}x the throughput (whole command)")
    if json_out:
        json_out.write_text(json.dumps(rows, indent=1, default=str))
    return rows


# ---------------------------------------------------------------------------------------------
# rows


@dataclass
class Prepared:
    assembled: Assembled
    db: Path
    rid: str
    work: Path


@dataclass(frozen=True)
class Row:
    label: str
    minutes: float
    accuracy: bool = False
    runner: Callable[["Row", Prepared], dict[str, Any]] | None = None
    repo: str | None = None  # another checkout to measure (the in-process runner only)


def run_inprocess(row: Row, prep: Prepared) -> dict[str, Any]:
    """The real service in a fresh ``python`` subprocess."""
    turns_out = prep.work / "turns.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(prep.db), prep.rid,
           "--turns-out", str(turns_out)] + (["--repo", row.repo] if row.repo else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - t0
    out["turns"] = json.loads(turns_out.read_text()) if turns_out.exists() else None
    return out


def accuracy(prep: Prepared, turns: list[list[Any]] | None) -> dict[str, float]:
    """DER (collar 0 and 0.25 s, overlap scored) of the diarizer's turns; WER of the stored draft."""
    import jiwer
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    from audiolab.pipelines.textnorm import normalize
    from audiolab.services import Workbench

    a = prep.assembled
    ref = Annotation()
    for i, (s, e, spk) in enumerate(a.turns):
        ref[Segment(s, e), i] = spk
    out: dict[str, float] = {}
    uem = Timeline([Segment(0, a.scored_end_s)])
    if turns is not None:
        hyp = Annotation()
        for i, (s, e, spk) in enumerate(turns):
            if s / 1000 < a.scored_end_s:
                hyp[Segment(s / 1000, min(e / 1000, a.scored_end_s)), i] = spk
        out["der0"] = DiarizationErrorRate(collar=0.0)(ref, hyp, uem=uem) * 100
        out["der25"] = DiarizationErrorRate(collar=0.5)(ref, hyp, uem=uem) * 100
        out["speakers"] = len({t[2] for t in turns})
    wb = Workbench(prep.db)
    segs = [s for s in wb.transcript(prep.rid).segments if s.span.start_ms / 1000 < a.scored_end_s]
    wb.db.close()
    hyp_text = normalize(" ".join(s.text for s in sorted(segs, key=lambda s: s.span)))
    ref_text = normalize(" ".join(a.texts))
    out["wer"] = jiwer.wer(ref_text, hyp_text) * 100
    return out


def prepare(data: Path, minutes: float, work: Path) -> Prepared:
    from audiolab.services import Workbench

    work.mkdir(parents=True, exist_ok=True)
    a = assemble(data, minutes, work / f"assembled_{minutes:g}min.wav")
    wb = Workbench(work / "bench.db")
    rid = wb.ingest_file(a.path).recording.id
    wb.db.close()
    return Prepared(a, work / "bench.db", rid, work)


def build_rows(args: argparse.Namespace) -> list[Row]:
    """The rows to measure: one in-process row per ``--minutes``; other engines append theirs here."""
    return [Row(f"in-process, {m:g} min", m, m in args.accuracy_minutes, run_inprocess, args.repo)
            for m in args.minutes]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--minutes", type=float, nargs="*", default=[15, 60, 180])
    ap.add_argument("--accuracy-minutes", type=float, nargs="*", default=[60])
    ap.add_argument("--repo", help="measure the code of another checkout (e.g. `git archive HEAD` output)")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    ap.add_argument("--ray-minutes", type=float, default=6.0, help="audio for the Ray rows (0: no Ray rows)")
    ap.add_argument("--ray-piece-s", type=float, default=30.0, help="length of each file of the Ray rows")
    ap.add_argument("--ray-repeat", type=int, default=2, help="runs per Ray row (the fastest counts)")
    ap.add_argument("--child", nargs=2, metavar=("DB", "RID"), help=argparse.SUPPRESS)
    ap.add_argument("--turns-out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.turns_out, args.repo)
        return
    if args.repo:  # ingest and score with that code too (its storage may lack this tree's migrations)
        sys.path.insert(0, str(Path(args.repo).resolve()))
    results = []
    print(f"# Pre-labeling by length ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          "default options: tiny.en + offline diarizer)")
    print("| row | audio | peak RSS | x real time (service / whole process) | DER c0 / c0.25 | WER | speakers |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="audiolab-scale-") as tmp:
        prepared: dict[float, Prepared] = {}  # one assembled recording per length, shared by its rows
        for row in build_rows(args):
            if row.minutes not in prepared:
                prepared[row.minutes] = prepare(args.data, row.minutes, Path(tmp) / f"{row.minutes:g}")
            prep = prepared[row.minutes]
            res = (row.runner or run_inprocess)(row, prep)
            acc = accuracy(prep, res.get("turns")) if row.accuracy else {}
            dur = prep.assembled.duration_s
            res.pop("turns", None)
            res.update(label=row.label, minutes=row.minutes, audio_s=dur, rtf=res["stats"]["realtime_factor"],
                       rtf_process=dur / res["wall_s"], **acc)
            results.append(res)
            der = f"{acc['der0']:.1f} / {acc['der25']:.1f} %" if "der0" in acc else ""
            wer = f"{acc['wer']:.1f} %" if "wer" in acc else ""
            spk = f"{acc['speakers']:g}/9" if "speakers" in acc else ""
            print(f"| {row.label} | {dur / 60:.1f} min | {res['peak_rss'] / 1e9:.2f} GB | "
                  f"{res['rtf']:.1f} / {res['rtf_process']:.1f} | {der} | {wer} | {spk} |", flush=True)
    inproc = {r["minutes"]: r for r in results if r["label"].startswith("in-process")}
    if len(inproc) >= 2:
        lo, hi = inproc[min(inproc)], inproc[max(inproc)]
        ratio = hi["peak_rss"] / lo["peak_rss"]
        ok = ratio <= 1.15 and all(r["peak_rss"] <= 2.0e9 for r in inproc.values())
        print(f"\npeak of {max(inproc):g} min / {min(inproc):g} min: {ratio:.3f} "
              f"(goal: every peak <= 2.0 GB and this ratio <= 1.15: {'met' if ok else 'NOT met'})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    if args.ray_minutes > 0:
        ray_throughput(args.data, args.ray_minutes, args.ray_piece_s, args.ray_repeat,
                       args.json.with_suffix(".ray.json") if args.json else None)



if __name__ == "__main__":
    main()
