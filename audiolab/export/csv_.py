"""CSV writer: one row per segment, for spreadsheets.

Columns: ``id, start, end`` (seconds in the export's clock), ``start_tc, end_tc`` (timecode, empty
without a frame rate), ``speaker, text, status, origin, emotion, sound_events``. Emotions are the
labels of the exported version's emotion tags attached to the segment; sound events the labels of
its sound-event tags that overlap it (``;``-separated). Tags on no segment, and tag times, are not
part of the format. Standard CSV quoting (RFC 4180), UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.records import iter_segments, seconds, segment_tags

EXTENSION = ".csv"
COLUMNS = ("id", "start", "end", "start_tc", "end_tc", "speaker", "text", "status", "origin", "emotion", "sound_events")


def iter_rows(t: Transcript, opts: ExportOptions) -> Iterator[dict[str, str]]:
    tmap = TimeMap(t.recording, opts)
    emotions, events = segment_tags(t, opts)
    for rec in iter_segments(t, opts, tmap):
        seg = rec.segment
        tc = tmap.clock is not None
        yield {
            "id": seg.id, "start": seconds(rec.start_ms), "end": seconds(rec.end_ms),
            "start_tc": tmap.timecode(rec.media_start_ms) if tc else "",
            "end_tc": tmap.timecode(rec.media_end_ms) if tc else "",
            "speaker": rec.speaker, "text": rec.text, "status": seg.status.value, "origin": seg.origin.value,
            "emotion": ";".join(emotions.get(seg.id, [])),
            "sound_events": ";".join(e.label for e in events(seg.span)),
        }


def dumps(t: Transcript, opts: ExportOptions) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(iter_rows(t, opts))
    return buf.getvalue()
