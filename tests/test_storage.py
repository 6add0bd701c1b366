"""Storage: migrations, constraints, the edit API with history, conflicts, undo/redo.

Every test runs on SQLite and on PostgreSQL (``backend``); SQLite-only checks say so.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from audiolab.core.model import Segment, Span, Speaker, new_id
from audiolab.errors import ConflictError, NothingToDoError
from audiolab.services import editing
from audiolab.storage import edits
from audiolab.storage.db import Database
from audiolab.storage.edits import Change
from audiolab.storage.migrations import MIGRATIONS, migrate


@pytest.fixture
def db_path(any_db_path):
    return any_db_path


def integrity_error(db: Database) -> type[Exception]:
    """What the engine raises for a broken constraint (passed through, unlike operational errors)."""
    if db.dialect == "sqlite":
        return sqlite3.IntegrityError
    import psycopg

    return psycopg.IntegrityError


@pytest.fixture
def rec(wb, speech_wav):
    return wb.ingest_file(speech_wav).recording


def _seg(rec, start=0, end=1000, text="hello world", speaker=None) -> Segment:
    return Segment(id=new_id(), recording_id=rec.id, tier_id=f"{rec.id}-transcript", span=Span(start, end),
                   text=text, speaker_id=speaker)


def test_migrations_are_recorded_in_order_and_idempotent(db_path) -> None:
    db = Database(db_path)
    assert migrate(db) == [n for n, _ in MIGRATIONS]
    names = [r["name"] for r in db.query("SELECT name FROM schema_migrations ORDER BY position")]
    assert names == [n for n, _ in MIGRATIONS]
    db.close()
    db2 = Database(db_path)
    assert migrate(db2) == []  # re-opening applies nothing twice
    assert db2.query_one("SELECT COUNT(*) AS n FROM schema_migrations")["n"] == len(MIGRATIONS)
    if db2.dialect == "sqlite":
        assert db2.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db2.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db2.integrity_ok()
    db2.close()


def test_database_enforces_start_before_end_and_foreign_keys(wb, rec) -> None:
    with pytest.raises(integrity_error(wb.db)):
        wb.db.execute("INSERT INTO segments (id, recording_id, tier_id, start_ms, end_ms, origin, status)"
                      " VALUES ('x', ?, ?, 500, 400, 'human', 'draft')", (rec.id, f"{rec.id}-transcript"))
    with pytest.raises(integrity_error(wb.db)):
        wb.db.execute("INSERT INTO segments (id, recording_id, tier_id, start_ms, end_ms, origin, status)"
                      " VALUES ('y', 'nope', 'nope', 0, 400, 'human', 'draft')")


def test_edit_writes_change_and_history_in_one_batch(wb, rec) -> None:
    seg = _seg(rec)
    res = wb.apply(rec.id, [Change.create(seg)], "ann")
    stored = res.values[seg.id]
    assert stored.version == 1
    res2 = editing.set_text(wb, stored, "hello there world", "ann")
    after = res2.values[seg.id]
    assert after.version == 2 and after.text == "hello there world" and after.touched
    hist = edits.history(wb.db, rec.id, seg.id)
    assert [h.op for h in hist] == ["update", "create"]
    assert hist[0].before["text"] == "hello world" and hist[0].after["text"] == "hello there world"
    assert hist[0].author == "ann" and hist[0].at


def test_stale_edit_is_refused_and_nothing_is_written(wb, rec) -> None:
    seg = wb.apply(rec.id, [Change.create(_seg(rec))], "a").values
    s1 = next(iter(seg.values()))
    editing.set_text(wb, s1, "first writer", "a")
    n_hist = len(edits.history(wb.db, rec.id))
    with pytest.raises(ConflictError) as exc:
        editing.set_text(wb, s1, "second writer with stale version", "b")
    assert exc.value.current == 2 and exc.value.expected == 1
    assert wb.transcript(rec.id).segments[0].text == "first writer"
    assert len(edits.history(wb.db, rec.id)) == n_hist


def test_a_failing_change_rolls_back_the_whole_batch(wb, rec) -> None:
    good = _seg(rec, 0, 500)
    bad = dataclasses.replace(_seg(rec, 600, 900), tier_id="no-such-tier")
    with pytest.raises(integrity_error(wb.db)):
        wb.apply(rec.id, [Change.create(good), Change.create(bad)], "a")
    assert wb.transcript(rec.id).segments == ()
    assert edits.history(wb.db, rec.id) == []


def test_undo_redo_restore_exact_states(wb, rec) -> None:
    spk = Speaker(new_id(), rec.id, "SPEAKER_00", "Ann")
    wb.apply(rec.id, [Change.create(spk)], "a")
    s = wb.apply(rec.id, [Change.create(_seg(rec, 0, 2000, "one two three four", spk.id))], "a").values
    seg = next(iter(s.values()))
    res = editing.split(wb, seg, 1000, "a")
    assert len(wb.transcript(rec.id).segments) == 2
    wb.undo(rec.id, "a")
    segs = wb.transcript(rec.id).segments
    assert len(segs) == 1 and segs[0].span == Span(0, 2000) and segs[0].text == "one two three four"
    wb.redo(rec.id, "a")
    segs = wb.transcript(rec.id).segments
    assert [x.span for x in segs] == [Span(0, 1000), Span(1000, 2000)]
    assert {x.id for x in segs} == set(res.values)
    wb.undo(rec.id, "a")
    wb.undo(rec.id, "a")  # the create
    assert wb.transcript(rec.id).segments == ()
    wb.undo(rec.id, "a")  # the speaker
    with pytest.raises(NothingToDoError):
        wb.undo(rec.id, "a")
    for _ in range(3):
        wb.redo(rec.id, "a")
    assert len(wb.transcript(rec.id).segments) == 2


def test_new_edit_clears_redo_and_undo_refuses_when_entity_moved_on(wb, rec) -> None:
    seg = next(iter(wb.apply(rec.id, [Change.create(_seg(rec))], "a").values.values()))
    v2 = editing.set_text(wb, seg, "edited by a", "a").values[seg.id]
    wb.undo(rec.id, "a")
    cur = wb.transcript(rec.id).segments[0]
    editing.set_text(wb, cur, "new branch", "a")
    with pytest.raises(NothingToDoError):
        wb.redo(rec.id, "a")
    # Another scope changes the segment: undoing the scope-"" batch must not clobber it.
    cur = wb.transcript(rec.id).segments[0]
    wb.apply(rec.id, [Change.update(dataclasses.replace(cur, text="changed elsewhere"))], "b", scope="other")
    with pytest.raises(ConflictError):
        wb.undo(rec.id, "a")
    assert wb.transcript(rec.id).segments[0].text == "changed elsewhere"
    assert v2.version == 2


def test_undo_of_delete_recreates_with_bumped_version(wb, rec) -> None:
    seg = next(iter(wb.apply(rec.id, [Change.create(_seg(rec))], "a").values.values()))
    editing.delete_segment(wb, seg, author="a")
    wb.undo(rec.id, "a")
    back = wb.transcript(rec.id).segments[0]
    assert back.text == seg.text and back.version > seg.version
    with pytest.raises(ConflictError):  # an editor still holding the old version is refused
        editing.set_text(wb, seg, "stale", "b")


def test_merge_speakers_and_rename(wb, rec) -> None:
    a = Speaker(new_id(), rec.id, "SPEAKER_00")
    b = Speaker(new_id(), rec.id, "SPEAKER_01")
    wb.apply(rec.id, [Change.create(a), Change.create(b)], "x")
    wb.apply(rec.id, [Change.create(_seg(rec, 0, 500, "hi", a.id)), Change.create(_seg(rec, 600, 900, "yo", b.id))], "x")
    t = wb.transcript(rec.id)
    editing.merge_speakers(wb, t.speaker(a.id), t.speaker(b.id), t.segments, "x")
    t = wb.transcript(rec.id)
    assert [s.speaker_id for s in t.segments] == [a.id, a.id] and len(t.speakers) == 1
    editing.rename_speaker(wb, t.speakers[0], "Diane", "x")
    assert wb.transcript(rec.id).speaker_name(a.id) == "Diane"


def test_cli_undo_redo_and_history(wb, rec, capsys) -> None:
    from audiolab.cli import main

    seg = next(iter(wb.apply(rec.id, [Change.create(_seg(rec))], "a").values.values()))
    editing.set_text(wb, seg, "corrected text", "a")
    db = str(getattr(wb.db, "url", wb.db.path))
    assert main(["undo", rec.id, "--db", db, "--author", "cli-user"]) == 0
    assert wb.transcript(rec.id).segments[0].text == "hello world"
    assert main(["redo", rec.id, "--db", db]) == 0
    assert wb.transcript(rec.id).segments[0].text == "corrected text"
    assert main(["history", rec.id, "--db", db, "--json"]) == 0
    out = capsys.readouterr().out
    hist = json.loads(out[out.index("["):])
    assert hist[0]["op"] == "update" and {h["author"] for h in hist} >= {"a", "cli-user"}
    main(["undo", rec.id, "--db", db])
    main(["undo", rec.id, "--db", db])
    capsys.readouterr()
    assert main(["undo", rec.id, "--db", db]) == 1
    assert capsys.readouterr().err.strip() == f"audiolab: error: nothing to undo on recording {rec.id}"


def test_replace_text_is_one_batch_with_word_timings_kept(wb, rec) -> None:
    from audiolab.core.model import SegmentStatus, Word
    from audiolab.errors import ValidationError

    words = (Word(Span(0, 300), "Meet"), Word(Span(300, 600), "me"), Word(Span(600, 900), "in"),
             Word(Span(900, 1200), "boston."))
    a = Segment(new_id(), rec.id, f"{rec.id}-transcript", Span(0, 1200), "Meet me in boston.", words=words)
    b = Segment(new_id(), rec.id, f"{rec.id}-transcript", Span(1300, 2000), "Bostonians love BOSTON")
    wb.apply(rec.id, [Change.create(a), Change.create(b)], "t")
    res = editing.replace_text(wb, [a, b], "boston", "Boston", "ann")
    got = {s.id: s for s in res.values.values()}
    assert got[a.id].text == "Meet me in Boston." and got[b.id].text == "Bostonians love Boston"
    assert [w.span for w in got[a.id].words] == [w.span for w in words]  # timings kept
    assert got[a.id].status == SegmentStatus.CORRECTED
    assert len({e.batch_id for e in edits.history(wb.db, rec.id) if e.author == "ann"}) == 1
    with pytest.raises(ValidationError, match="not in the transcript"):
        editing.replace_text(wb, [got[a.id], got[b.id]], "Boston", "Boston", "ann", match_case=True)
    with pytest.raises(ValidationError, match="type the text"):
        editing.replace_text(wb, [got[a.id]], "  ", "x", "ann")
    with pytest.raises(ConflictError):  # built from versions that are no longer stored: nothing is written
        editing.replace_text(wb, [a], "Meet", "See", "ann")
