"""Pure core: value types, interval algebra, codecs. No I/O."""

from audiolab.core.model import (
    Edit,
    Origin,
    PipelineRun,
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
    Vocabulary,
    VocabularyEntry,
    Word,
    new_id,
    tier_id,
)

__all__ = [
    "Edit", "Origin", "PipelineRun", "Recording", "RecordingStatus", "Segment", "SegmentStatus",
    "Span", "Speaker", "Tag", "TagKind", "Tier", "TierKind", "TierRole", "Transcript", "VideoInfo",
    "Vocabulary", "VocabularyEntry", "Word", "new_id", "tier_id",
]
