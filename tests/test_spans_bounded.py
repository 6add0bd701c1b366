"""Spans past the recording's end are refused on every path, and nothing is written for them.

On SQLite and on PostgreSQL (``backend``).
"""

from __future__ import annotations

import pytest

from audiolab.core.model import Segment, Span, Tag, TagKind, Word, new_id, tier_id
from audiolab.errors import ValidationError
from audiolab.services import editing
from audiolab.storage import edits, history
from audiolab.storage.edits import Change


@pytest.fixture
def db_path(any_db_path):
    return any_db_path


@pytest.fixture
def rec(wb, speech_wav):
    return wb.ingest_file(speech_wav).recording


def _batches(wb, rec) -> int:
    return history.latest_seq(wb.db, rec.id)


def test_the_editor_refuses_segments_and_tags_past_the_end(wb, rec) -> None:
    before = _batches(wb, rec)
    end = rec.duration_ms
    with pytest.raises(ValidationError, match="after the recording"):
        editing.create_segment(wb, rec.id, tier_id(rec.id, "transcript"), 0, 10**12, "ann")
    with pytest.raises(ValidationError, match="after the recording"):
        editing.add_tag(wb, rec.id, TagKind.SOUND_EVENT, 0, 10**15, "dog", "ann")
    ok = editing.add_tag(wb, rec.id, TagKind.SOUND_EVENT, 0, end, "dog", "ann")
    tag = next(iter(ok.values.values()))
    with pytest.raises(ValidationError, match="after the recording"):
        editing.update_tag(wb, tag, "ann", end_ms=end + 5)
    seg = next(iter(editing.create_segment(wb, rec.id, tier_id(rec.id, "transcript"), 0, end, "ann").values.values()))
    with pytest.raises(ValidationError, match="after the recording"):
        editing.set_span(wb, seg, 0, end + 2, "ann")
    assert _batches(wb, rec) == before + 2  # only the two valid edits were stored
    assert {t.span for t in wb.transcript(rec.id).tags} == {Span(0, end)}


def test_the_edit_api_refuses_absurd_spans_whoever_calls_it(wb, rec) -> None:
    before = _batches(wb, rec)
    far = Segment(new_id(), rec.id, tier_id(rec.id, "transcript"), Span(0, 10**12), "x")
    with pytest.raises(ValidationError, match="ends after the recording"):
        edits.apply(wb.db, rec.id, [Change.create(far)], "import")
    word_far = Segment(new_id(), rec.id, tier_id(rec.id, "transcript"), Span(0, 500), "x",
                       words=(Word(Span(0, 10**9), "x"),))
    with pytest.raises(ValidationError, match="ends after the recording"):
        wb.apply(rec.id, [Change.create(word_far)], "import")
    tag = Tag(new_id(), rec.id, TagKind.EMOTION, Span(0, rec.duration_ms + edits.END_SLACK_MS + 1), "happy")
    with pytest.raises(ValidationError):
        wb.apply(rec.id, [Change.create(tag)], "import")
    # within the container slack is accepted (decoders disagree on the last frame)
    near = Segment(new_id(), rec.id, tier_id(rec.id, "transcript"), Span(0, rec.duration_ms + 400), "x")
    wb.apply(rec.id, [Change.create(near)], "import")
    assert _batches(wb, rec) == before + 1
    assert [s.span.end_ms for s in wb.transcript(rec.id).segments] == [rec.duration_ms + 400]


def test_the_editor_api_refuses_absurd_numbers_in_one_message(wb, rec) -> None:
    from audiolab.ui import editor_api

    before = _batches(wb, rec)
    for end in (1e30, 10**15, float("inf"), float("nan")):
        r = editor_api.apply_action(wb, rec.id, "local", {"op": "create_segment", "start": 0, "end": end})
        assert r["ok"] is False and ("after the recording" in r["message"] or "milliseconds" in r["message"]), r
        r = editor_api.apply_action(wb, rec.id, "local", {"op": "add_tag", "kind": "sound_event", "label": "dog",
                                                          "start": 0, "end": end})
        assert r["ok"] is False, r
    assert _batches(wb, rec) == before
