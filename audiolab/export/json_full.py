"""The full model as JSON: lossless, schema-versioned, the format to move work between databases.

``{"type": "audiolab.transcript", "schema_version": 1, "recording": {...}, "tiers": [...],
"speakers": [...], "segments": [...], "tags": [...]}``; each entity is the codec's dict of the
core type with None fields left out (a missing field decodes to its default, which is None for
every field that may be None). Times are integer milliseconds of the stored (media) clock: this
format ignores the clock and snapping options on purpose, so that ``loads(dumps(t)) == t``.
"""

from __future__ import annotations

import json
from typing import Any

from audiolab.core import codec
from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions

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
