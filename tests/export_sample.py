"""The small hand-made transcript every export golden file is built from.

Two speakers with overlapping speech (across speakers and within Bob's own turns), timed words,
an emotion tag on a segment, a sound event, text that needs escaping, and a video recording at
29.97 fps (30000/1001) starting at timecode 01:00:00;00 with its video 40 ms after its audio.
"""

from __future__ import annotations

from audiolab.core.model import (
    Origin,
    Recording,
    RecordingStatus,
    Segment,
    SegmentStatus,
    Span,
    Speaker,
    Tag,
    TagKind,
    Tier,
    TierKind,
    TierRole,
    Transcript,
    VideoInfo,
    Word,
)

RID = "rec000000001"


def _words(start: int, text: str, step: int, spk: str) -> tuple[Word, ...]:
    out = []
    for i, tok in enumerate(text.split()):
        out.append(Word(Span(start + i * step, start + (i + 1) * step - 20), tok, round(0.9 - i * 0.05, 2), spk))
    return tuple(out)


def sample_transcript() -> Transcript:
    rec = Recording(
        id=RID, path="/media/interview.mp4", sha256="0" * 64, duration_ms=12_000, sample_rate=48_000, channels=2,
        audio_codec="aac", container="mov,mp4,m4a,3gp,3g2,mj2", size_bytes=1_234_567, status=RecordingStatus.IN_PROGRESS,
        video=VideoInfo(30000, 1001, "01:00:00;00", 40, 1920, 1080, "h264"), created_at="2026-01-02T03:04:05Z",
    )
    tiers = (
        Tier(f"{RID}-transcript", RID, "transcript", TierKind.TRANSCRIPT, TierRole.WORK),
        Tier(f"{RID}-events", RID, "sound events", TierKind.SOUND_EVENT, TierRole.WORK),
        Tier(f"{RID}-emotions", RID, "emotions", TierKind.EMOTION, TierRole.WORK),
    )
    alice = Speaker("spkA", RID, "SPEAKER_00", "Alice", "#1f77b4")
    bob = Speaker("spkB", RID, "SPEAKER_01", "", "#ff7f0e")
    tid = tiers[0].id
    segs = (
        Segment("seg1", RID, tid, Span(500, 3200), "Hello & welcome <everyone> to the show", alice.id,
                _words(500, "Hello & welcome <everyone> to the show", 380, alice.id), "en", 0.91, -0.2, 0.01,
                Origin.ASR, SegmentStatus.CORRECTED, ("checked",), None, True, 3),
        Segment("seg2", RID, tid, Span(2800, 5000), "Thanks, glad to be here.", bob.id,
                _words(2800, "Thanks, glad to be here.", 440, bob.id), "en", origin=Origin.ASR),
        Segment("seg3", RID, tid, Span(4500, 6000), "Mm-hmm.", bob.id, origin=Origin.HUMAN,
                status=SegmentStatus.REVIEWED),
        Segment("seg4", RID, tid, Span(6200, 8000),
                "So today we are talking about timecode, frame rates and why 29.97 is not thirty.", alice.id,
                origin=Origin.HUMAN),
    )
    tags = (
        Tag("tag1", RID, TagKind.EMOTION, Span(2800, 5000), "happy", tiers[2].id, "seg2"),
        Tag("tag2", RID, TagKind.SOUND_EVENT, Span(4000, 4800), "laughter", tiers[1].id, note="audience",
            confidence=0.8),
    )
    return Transcript(rec, tiers, (alice, bob), segs, tags)
