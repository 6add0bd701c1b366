"""Label Studio tasks: one task per recording with the segments as predictions; writer and reader.

The shape Label Studio imports (``[{"data": {...}, "predictions": [{"model_version", "result"}]}]``)
for an audio labeling config like::

    <View>
      <Audio name="audio" value="$audio"/>
      <Labels name="speaker" toName="audio"> <Label value="Alice"/> ... </Labels>
      <TextArea name="transcription" toName="audio" perRegion="true"/>
      <Choices name="emotion" toName="audio" perRegion="true" choice="multiple"> ... </Choices>
      <Labels name="sound_event" toName="audio"> ... </Labels>
      <Labels name="emotion_region" toName="audio"> ... </Labels>
    </View>

Each segment is one region id carrying a ``labels`` result (the speaker), a ``textarea`` result
(the text) and, when the segment has emotion tags, a ``choices`` result with all of their labels
(a region's choice takes the region's time). Sound events are regions of their own under
``sound_event``, and so are emotions not attached to an exported segment, under
``emotion_region``. Times are seconds (Label Studio's ``start``/``end``).
:func:`label_config` builds the matching config. :func:`parse` reads Label Studio's JSON export
(``annotations``, falling back to ``predictions``) back into segments. Only the exported
version's tags are written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audiolab.core.model import TagKind, Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions
from audiolab.export.reading import ImportedDoc, ImportedSegment, ImportedTag, ReadOptions, check_span, load_json, seconds_ms
from audiolab.export.records import iter_segments, iter_tags, one_line

EXTENSION = ".json"
MODEL_VERSION = "audiolab"


def _value(start_ms: int, end_ms: int, **extra: Any) -> dict[str, Any]:
    return {"start": start_ms / 1000, "end": end_ms / 1000, "channel": 0, **extra}


def task(t: Transcript, opts: ExportOptions) -> dict[str, Any]:
    duration = t.recording.duration_ms / 1000
    records = list(iter_segments(t, opts))
    exported = {rec.segment.id for rec in records}
    emotions: dict[str, list[str]] = {}
    free_emotions = []
    for em in (iter_tags(t, opts, TagKind.EMOTION) if opts.include_emotions else ()):
        if em.tag.segment_id in exported:
            emotions.setdefault(em.tag.segment_id or "", []).append(em.label)
        else:
            free_emotions.append(em)
    results: list[dict[str, Any]] = []
    common = {"to_name": "audio", "origin": "prediction", "original_length": duration}
    for rec in records:
        rid = rec.segment.id
        label = rec.speaker or "unknown"
        results.append({"id": rid, "from_name": "speaker", "type": "labels", **common,
                        "value": _value(rec.start_ms, rec.end_ms, labels=[label])})
        results.append({"id": rid, "from_name": "transcription", "type": "textarea", **common,
                        "value": _value(rec.start_ms, rec.end_ms, text=[one_line(rec.text)])})
        if rid in emotions:
            results.append({"id": rid, "from_name": "emotion", "type": "choices", **common,
                            "value": _value(rec.start_ms, rec.end_ms, choices=emotions[rid])})
    if opts.include_events:
        for ev in iter_tags(t, opts, TagKind.SOUND_EVENT):
            results.append({"id": ev.tag.id, "from_name": "sound_event", "type": "labels", **common,
                            "value": _value(ev.start_ms, ev.end_ms, labels=[ev.label])})
    for em in free_emotions:
        results.append({"id": em.tag.id, "from_name": "emotion_region", "type": "labels", **common,
                        "value": _value(em.start_ms, em.end_ms, labels=[em.label])})
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
            f'<Choices name="emotion" toName="audio" perRegion="true" choice="multiple">{items("Choice", emotions)}'
            '</Choices>'
            f'<Labels name="sound_event" toName="audio">{items("Label", events)}</Labels>'
            f'<Labels name="emotion_region" toName="audio">{items("Label", emotions)}</Labels></View>')


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return json.dumps([task(t, opts)], ensure_ascii=False, indent=1) + "\n"


# -- reading ----------------------------------------------------------------------------------

def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """A Label Studio JSON export (or tasks with predictions): regions -> segments.

    Takes the task's latest non-cancelled annotation, else its first prediction. Results sharing
    a region id are one segment: ``labels`` (speaker; ``sound_event`` and ``emotion_region``
    labels become tags of their own), ``textarea`` (text), ``choices`` from ``emotion`` (an
    emotion tag on the segment for each choice).

    Args:
        path: the file (named in errors).
        text: its text.
        options: ``recording_id`` picks the task of a file holding several
            (its ``data.recording_id``).

    Raises:
        ImportFormatError: not JSON (with the line), not tasks, no single task for the
            recording, no annotation or prediction, or a region without times.
    """
    recording_id = (options or ReadOptions()).recording_id
    doc = ImportedDoc(str(path), "labelstudio")
    data = load_json(doc.path, text)
    tasks = data if isinstance(data, list) else [data]
    if not tasks or not all(isinstance(x, dict) for x in tasks):
        raise ImportFormatError(doc.path, "expected a Label Studio task or a list of tasks")
    if len(tasks) > 1:
        chosen = [x for x in tasks if recording_id and (x.get("data") or {}).get("recording_id") == recording_id]
        if len(chosen) != 1:
            raise ImportFormatError(doc.path, f"the file holds {len(tasks)} tasks; none (or several) is marked with "
                                              "this recording's id in data.recording_id")
        tasks = chosen
    picked = tasks[0]
    anns = [a for a in picked.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    anns.sort(key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))
    source = anns[-1] if anns else ((picked.get("predictions") or [None])[0])
    if not isinstance(source, dict):
        raise ImportFormatError(doc.path, "the task has no annotations or predictions")
    regions: dict[str, dict[str, Any]] = {}
    for k, r in enumerate(source.get("result") or []):
        try:
            rid, v, typ = str(r.get("id", f"r{k}")), r["value"], r.get("type")
            start, end = v["start"], v["end"]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ImportFormatError(doc.path, f"result {k} has no region start/end") from None
        a, b = seconds_ms(doc.path, start, None, f"start of result {k}"), seconds_ms(doc.path, end, None, f"end of result {k}")
        check_span(doc.path, a, b, None, f"region {rid}")
        reg = regions.setdefault(rid, {"start": a, "end": b})
        if typ == "labels":
            labels = v.get("labels") or []
            key = {"sound_event": "event", "emotion_region": "free_emotion"}.get(r.get("from_name"), "speaker")
            reg[key] = str(labels[0]) if labels else ""
        elif typ == "textarea":
            reg["text"] = " ".join(str(x) for x in (v.get("text") or []))
        elif typ == "choices" and r.get("from_name") == "emotion":
            reg["emotions"] = [str(x) for x in (v.get("choices") or [])]
    for reg in sorted(regions.values(), key=lambda x: (x["start"], x["end"])):
        if "event" in reg:
            doc.tags.append(ImportedTag(TagKind.SOUND_EVENT, reg["start"], reg["end"], reg["event"]))
            continue
        if "free_emotion" in reg:
            doc.tags.append(ImportedTag(TagKind.EMOTION, reg["start"], reg["end"], reg["free_emotion"]))
            continue
        spk = reg.get("speaker")
        doc.segments.append(ImportedSegment(reg["start"], reg["end"], " ".join(reg.get("text", "").split()),
                                            None if spk in (None, "", "unknown") else spk))
        for label in reg.get("emotions", []):
            if label:
                doc.tags.append(ImportedTag(TagKind.EMOTION, reg["start"], reg["end"], label, len(doc.segments) - 1))
    return doc
