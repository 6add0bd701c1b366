"""Label Studio tasks: one task per recording with the segments as predictions.

The shape Label Studio imports (``[{"data": {...}, "predictions": [{"model_version", "result"}]}]``)
for an audio labeling config like::

    <View>
      <Audio name="audio" value="$audio"/>
      <Labels name="speaker" toName="audio"> <Label value="Alice"/> ... </Labels>
      <TextArea name="transcription" toName="audio" perRegion="true"/>
      <Choices name="emotion" toName="audio" perRegion="true"> ... </Choices>
      <Labels name="sound_event" toName="audio"> ... </Labels>
    </View>

Each segment is one region id carrying a ``labels`` result (the speaker), a ``textarea`` result
(the text) and, when the segment has an emotion tag, a ``choices`` result. Sound events are
regions of their own under ``sound_event``. Times are seconds (Label Studio's ``start``/``end``).
:data:`LABEL_CONFIG` builds the matching config. The importer reads Label Studio's JSON export
(``annotations``, falling back to ``predictions``) back into segments.
"""

from __future__ import annotations

import json
from typing import Any

from audiolab.core.model import TagKind, Transcript
from audiolab.export.options import ExportOptions
from audiolab.export.records import iter_segments, iter_tags, one_line

EXTENSION = ".json"
MODEL_VERSION = "audiolab"


def _value(start_ms: int, end_ms: int, **extra: Any) -> dict[str, Any]:
    return {"start": start_ms / 1000, "end": end_ms / 1000, "channel": 0, **extra}


def task(t: Transcript, opts: ExportOptions) -> dict[str, Any]:
    duration = t.recording.duration_ms / 1000
    emotions: dict[str, str] = {}
    for tag in t.tags_of(TagKind.EMOTION):
        if tag.segment_id:
            emotions.setdefault(tag.segment_id, tag.label)
    results: list[dict[str, Any]] = []
    common = {"to_name": "audio", "origin": "prediction", "original_length": duration}
    for rec in iter_segments(t, opts):
        rid = rec.segment.id
        label = rec.speaker or "unknown"
        results.append({"id": rid, "from_name": "speaker", "type": "labels", **common,
                        "value": _value(rec.start_ms, rec.end_ms, labels=[label])})
        results.append({"id": rid, "from_name": "transcription", "type": "textarea", **common,
                        "value": _value(rec.start_ms, rec.end_ms, text=[one_line(rec.text)])})
        if rid in emotions:
            results.append({"id": rid, "from_name": "emotion", "type": "choices", **common,
                            "value": _value(rec.start_ms, rec.end_ms, choices=[emotions[rid]])})
    if opts.include_events:
        for ev in iter_tags(t, opts, TagKind.SOUND_EVENT):
            results.append({"id": ev.tag.id, "from_name": "sound_event", "type": "labels", **common,
                            "value": _value(ev.start_ms, ev.end_ms, labels=[ev.label])})
    return {
        "data": {"audio": opts.audio_path or t.recording.path, "recording_id": t.recording.id},
        "predictions": [{"model_version": MODEL_VERSION, "result": results}],
    }


def label_config(t: Transcript) -> str:
    """A Label Studio labeling config matching :func:`task`'s results for this transcript."""
    from xml.sax.saxutils import quoteattr

    speakers = sorted({s.display_name for s in t.speakers} | {"unknown"})
    emotions = sorted({x.label for x in t.tags_of(TagKind.EMOTION)})
    events = sorted({x.label for x in t.tags_of(TagKind.SOUND_EVENT)})
    def items(tag: str, values: list[str]) -> str:
        return "".join(f"<{tag} value={quoteattr(v)}/>" for v in values)
    return ('<View><Audio name="audio" value="$audio"/>'
            f'<Labels name="speaker" toName="audio">{items("Label", speakers)}</Labels>'
            '<TextArea name="transcription" toName="audio" perRegion="true" editable="true"/>'
            f'<Choices name="emotion" toName="audio" perRegion="true">{items("Choice", emotions)}</Choices>'
            f'<Labels name="sound_event" toName="audio">{items("Label", events)}</Labels></View>')


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return json.dumps([task(t, opts)], ensure_ascii=False, indent=1) + "\n"
