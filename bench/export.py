"""Export speed: 10,000 segments (with words, emotions and sound events) to every format.

Run: ``.venv/bin/python bench/export.py [--segments 10000]``. Prints one row per format: seconds
(best of 3 runs of ``write_transcript`` to a temporary file), output size, and whether it meets the
2 s goal. The transcript is synthetic (3 speakers, 8 words a segment, overlap every 7th segment,
an emotion on every 10th segment, a sound event every 20th) on a 29.97 fps video with a start
timecode, exported in video time with frame snapping where a format has a clock.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from audiolab.core.model import (
    Recording,
    Segment,
    Span,
    Speaker,
    Tag,
    TagKind,
    Tier,
    TierKind,
    Transcript,
    VideoInfo,
    Word,
)
from audiolab.export import FORMATS, ExportOptions, write_transcript

GOAL_S = 2.0


def synthetic(n: int, seed: int = 1) -> Transcript:
    rnd = random.Random(seed)
    rid = "bench0000001"
    tiers = (Tier(f"{rid}-t", rid, "transcript"), Tier(f"{rid}-e", rid, "events", TierKind.SOUND_EVENT),
             Tier(f"{rid}-m", rid, "emotions", TierKind.EMOTION))
    speakers = tuple(Speaker(f"s{i}", rid, f"SPEAKER_{i:02d}", name) for i, name in enumerate(("Ann", "Ben", "Cy")))
    segs, tags = [], []
    t = 0
    vocab = "the quick brown fox jumps over a lazy dog while we talk about frames".split()
    for i in range(n):
        dur = rnd.randint(1200, 4000)
        start = t - (500 if i % 7 == 0 and i else 0)
        words, w0, step = [], start, dur // 8
        for k in range(8):
            words.append(Word(Span(w0 + k * step, w0 + (k + 1) * step - 10), rnd.choice(vocab), 0.9, f"s{i % 3}"))
        text = " ".join(w.text for w in words)
        segs.append(Segment(f"g{i}", rid, tiers[0].id, Span(start, start + dur), text, f"s{i % 3}", tuple(words)))
        if i % 10 == 0:
            tags.append(Tag(f"m{i}", rid, TagKind.EMOTION, Span(start, start + dur), "happy", tiers[2].id, f"g{i}"))
        if i % 20 == 0:
            tags.append(Tag(f"e{i}", rid, TagKind.SOUND_EVENT, Span(start + 100, start + 900), "laughter", tiers[1].id))
        t = start + dur + rnd.randint(50, 600)
    rec = Recording(rid, "/media/bench.mp4", "0" * 64, t + 1000, 48000, 2, "aac", "mp4", 1,
                    video=VideoInfo(30000, 1001, "01:00:00;00", 40), created_at="2026-01-01T00:00:00Z")
    return Transcript(rec, tiers, speakers, tuple(segs), tuple(tags))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t = synthetic(args.segments)
    opts = ExportOptions(clock="video", snap_to_frames=True, audio_path="bench.wav")
    print(f"{args.segments:,} segments, {sum(len(s.words) for s in t.segments):,} words, {len(t.tags):,} tags")
    print(f"{'format':<12} {'seconds':>8} {'size':>10}  goal <= {GOAL_S:g} s")
    with tempfile.TemporaryDirectory() as tmp:
        for name, info in FORMATS.items():
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                out = write_transcript(t, name, Path(tmp) / f"bench{info.extension}", opts)
                best = min(best, time.perf_counter() - t0)
            size = out.stat().st_size
            print(f"{name:<12} {best:>8.3f} {size / 1e6:>8.2f} MB  {'ok' if best <= GOAL_S else 'SLOW'}")


if __name__ == "__main__":
    main()
