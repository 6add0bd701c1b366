"""The full model as JSON: lossless, schema-versioned, the format to move work between databases.

``{"type": "audiolab.transcript", "schema_version": 1, "recording": {...}, "tiers": [...],
"speakers": [...], "segments": [...], "tags": [...]}``; each entity is the codec's dict of the
core type with None fields left out (a missing field decodes to its default, which is None for
every field that may be None). Times are integer milliseconds of the stored (media) clock: this
format ignores the clock and snapping options on purpose, so that ``loads(dumps(t)) == t``.
Importing (:func:`parse`) takes the document's main transcript tier, its speakers and tags.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audiolab.core import codec
from audiolab.core.model import TagKind, Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions
from audiolab.export.reading import ImportedDoc, ImportedSegment, ImportedTag, ImportedWord, ReadOptions, load_json

EXTENSION = ".json"
TYPE = "audiolab.transcript"
SCHEMA_VERSION = 1


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def to_document(t: Transcript) -> dict[str, Any]:
    body = _prune(codec.to_dict(t))
    return {"type": TYPE, "schema_version": SCHEMA_VERSION, **body}


def dumps(t: Transcript, opts: ExportOptions | None = None) -> str:
    return json.dumps(to_document(t), ensure_ascii=False, indent=1) + "\n"


def from_document(doc: dict[str, Any]) -> Transcript:
    """Decode a document; raises ValueError/KeyError/TypeError on a malformed one."""
    if doc.get("type") != TYPE:
        raise ValueError(f"not an audiolab transcript (type is {doc.get('type')!r})")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"schema_version {doc.get('schema_version')!r} is not supported (this audiolab reads {SCHEMA_VERSION})")
    body = {k: v for k, v in doc.items() if k not in ("type", "schema_version")}
    return codec.from_dict(Transcript, body)


def loads(text: str) -> Transcript:
    return from_document(json.loads(text))


# -- reading ----------------------------------------------------------------------------------

def sniff(text: str) -> bool:
    """Whether a ``.json`` file's text is an audiolab document (its ``type`` near the start)."""
    return f'"{TYPE}"' in text[:4096]


def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """An audiolab JSON export: its main transcript tier, speakers and tags (notes are left out).

    Args:
        path: the file (named in errors).
        text: its text.
        options: unused (the document says everything).

    Raises:
        ImportFormatError: not JSON (with the line), not an audiolab document, or one without a
            transcript tier.
    """
    doc = ImportedDoc(str(path), "json")
    data = load_json(doc.path, text)
    try:
        t = from_document(data)
    except Exception as exc:
        raise ImportFormatError(doc.path, f"not an audiolab transcript document: {exc}") from None
    tier = t.main_tier()
    if tier is None:
        raise ImportFormatError(doc.path, "the document has no transcript tier")
    index: dict[str, int] = {}
    for seg in t.segments_of(tier.id):
        spk = t.speaker(seg.speaker_id)
        index[seg.id] = len(doc.segments)
        extra = {k: v for k, v in codec.to_dict(seg).items()
                 if k in ("language", "confidence", "avg_logprob", "no_speech_prob", "status", "flags")}
        doc.segments.append(ImportedSegment(
            seg.span.start_ms, seg.span.end_ms, seg.text, spk.label if spk else None,
            [ImportedWord(w.span.start_ms, w.span.end_ms, w.text) for w in seg.words], extra=extra))
    for spk in t.speakers:
        if spk.name:
            doc.speaker_names[spk.label] = spk.name
    for tag in t.tags:
        if tag.kind == TagKind.NOTE:
            continue
        doc.tags.append(ImportedTag(tag.kind, tag.span.start_ms, tag.span.end_ms, tag.label,
                                    index.get(tag.segment_id or ""), note=tag.note, confidence=tag.confidence))
    return doc
