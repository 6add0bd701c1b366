"""Browser tests of correcting a draft from the keyboard (issue 15): one test per problem found by
correcting the sample call as a new user would, then the keyboard-first features annotators
expect. Real app, real Chromium, real sample audio; the database is the judge.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from audiolab.core.model import Origin, Segment, SegmentStatus, Span, Speaker, Word
from audiolab.services import Workbench
from audiolab.services import review as rv
from audiolab.storage.edits import Change
from tests.conftest import shared_file, wait_until
from tests.test_ui_editor import click_row, open_editor, seed_sample, seg, wait_db

ARTIFACTS = Path(__file__).parent / "artifacts"
ED = "window.audiolabEditor"


def seed_long(wb: Workbench, wav: Path, n: int = 90) -> str:
    """A recording with ``n`` short draft segments with words, two speakers in turns of two."""
    rec = wb.ingest_file(wav).recording
    spk = [Speaker(id=f"ls{i}", recording_id=rec.id, label=f"SPEAKER_{i:02d}", name=name, color=color)
           for i, (name, color) in enumerate((("Ann", "#4e9cf5"), ("Bo", "#f5a04e")))]
    changes = [Change.create(s) for s in spk]
    for i in range(n):
        start, end = 500 + i * 600, 500 + i * 600 + 540
        toks = f"line {i} of the long call".split()
        step = (end - start) // len(toks)
        who = spk[(i // 2) % 2].id
        words = tuple(Word(Span(start + k * step, start + (k + 1) * step), t, 0.9, who) for k, t in enumerate(toks))
        changes.append(Change.create(Segment(id=f"L{i:03d}", recording_id=rec.id, tier_id=f"{rec.id}-transcript",
                                             span=Span(start, end), text=" ".join(toks), speaker_id=who, words=words,
                                             origin=Origin.ASR, status=SegmentStatus.DRAFT)))
    wb.apply(rec.id, changes, "fixture", "seed")
    return rec.id


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    import numpy as np
    import soundfile as sf

    from audiolab.ui.devserver import serve

    ARTIFACTS.mkdir(exist_ok=True)
    root = tmp_path_factory.mktemp("workflow")
    wb = Workbench(root / "wf.db")
    rid = seed_sample(wb, shared_file("diarization/pyannote_sample.wav"), shared_file("diarization/pyannote_sample.stm"))
    wav = root / "long.wav"
    sf.write(wav, (np.random.default_rng(1).standard_normal(16000 * 56) * 0.05).astype(np.float32), 16000)
    lid = seed_long(wb, wav)
    vrec = wb.ingest_file(shared_file("video/grid_swwp2s.mp4")).recording
    url, demo = serve(wb)
    yield {"wb": wb, "url": url, "rid": rid, "lid": lid, "vid": vrec.id, "root": root}
    demo.close()


def place(page) -> dict | None:
    """Where the transcript pane is scrolled and where the selected row sits in it."""
    return page.evaluate("""() => { const b = document.querySelector('.al-rows'), r = document.querySelector('.al-row.sel');
      if (!r) return null; const br = b.getBoundingClientRect(), rr = r.getBoundingClientRect();
      return {top: b.scrollTop, dy: rr.top - br.top, inView: rr.top >= br.top - 1 && rr.bottom <= br.bottom + 1, id: r.dataset.id,
              focus: document.activeElement ? document.activeElement.className : ''}; }""")


def edits_done(page, before: int) -> None:
    page.wait_for_function(f"Number(document.querySelector('[data-edits]') ? document.querySelector('[data-edits]').dataset.edits : 0) > {before}"
                           " && document.querySelector('[data-edits]').dataset.pending === '0'", timeout=10000)


def edit_count(page) -> int:
    return int(page.evaluate("Number((document.querySelector('[data-edits]') || {dataset: {}}).dataset.edits || 0)"))


def settle(page) -> None:
    page.wait_for_function("!document.querySelector('[data-pending]') || document.querySelector('[data-pending]').dataset.pending === '0'",
                           timeout=10000)
    page.wait_for_timeout(150)


def lane_drag(page, sid_or_lane, t0: int, t1: int, lane: int | None = None) -> None:
    y = page.evaluate(f"{ED}.laneCenterY({lane if lane is not None else ED + '.laneOfSegment(' + json.dumps(sid_or_lane) + ')'})")
    page.mouse.move(page.evaluate(f"{ED}.timeToX({t0})"), y)
    page.mouse.down()
    page.mouse.move(page.evaluate(f"{ED}.timeToX({t1})"), y, steps=8)
    page.mouse.up()


# -- 1. structural edits keep the place -----------------------------------------------------------
@pytest.mark.browser
def test_structural_edits_undo_and_live_updates_keep_the_place_and_the_focus(app, browser):
    wb, lid = app["wb"], app["lid"]
    ctx, page = open_editor(browser, app["url"], lid)
    page.evaluate(f"location.hash = 'rec={lid}&seg=L050'")
    page.wait_for_selector('.al-row.sel[data-id="L050"]', timeout=5000)
    click_row(page, "L050")
    before = place(page)
    assert before["top"] > 800 and before["inView"], before

    def kept(what: str) -> None:
        settle(page)
        now = place(page)
        assert now and now["id"] == "L050" and now["inView"], (what, before, now)
        assert abs(now["dy"] - before["dy"]) < 6, (what, before, now)  # the row did not move on screen
        assert "al-editor" in now["focus"], (what, now)  # the keys still reach the editor

    page.keyboard.press("2")
    wait_db(page, lambda: seg(wb, "L050").speaker_id == "ls1", "speaker key")
    kept("speaker key")
    page.evaluate(f"{ED}.seek(30700)")
    page.keyboard.press("s")
    wait_db(page, lambda: seg(wb, "L050").span.end_ms == 30700, "split")
    kept("split")
    page.keyboard.press("m")
    wait_db(page, lambda: seg(wb, "L050").span.end_ms == 31040, "merge")
    kept("merge")
    page.keyboard.press("Control+z")
    wait_db(page, lambda: seg(wb, "L050").span.end_ms == 30700, "undo")
    kept("undo")
    for _ in range(3):
        page.keyboard.press("+")  # (around the selection) until the segment is wide enough to grab its end
    lane_drag(page, "L050", 30700, 30600)
    wait_db(page, lambda: abs(seg(wb, "L050").span.end_ms - 30600) <= 40, "boundary drag")
    kept("boundary drag")
    # someone else deletes a row above and rewrites one below: the rows move, the place stays
    wb.apply(lid, [Change.delete(seg(wb, "L040")), Change.update(dataclasses.replace(seg(wb, "L052"), text="theirs"))],
             "carol", "remote")
    page.wait_for_function("!document.querySelector('.al-row[data-id=\"L040\"]') && "
                           "document.querySelector('.al-row[data-id=\"L052\"]').textContent.includes('theirs')", timeout=15000)
    kept("live update")
    page.screenshot(path=str(ARTIFACTS / "workflow_place_kept.png"))
    ctx.close()


# -- 2. boundaries from the keyboard; zoom around the selection ----------------------------------
@pytest.mark.browser
def test_boundaries_from_the_keyboard_and_zoom_around_the_selection(app, browser):
    wb, rid = app["wb"], app["rid"]
    ctx, page = open_editor(browser, app["url"], rid)
    click_row(page, "seg005")  # 10.780 - 12.540 s
    page.evaluate(f"{ED}.seek(10900)")
    page.keyboard.press("i")
    wait_db(page, lambda: seg(wb, "seg005").span.start_ms == 10900, "start to the playhead")
    page.evaluate(f"{ED}.seek(12300)")
    page.keyboard.press("o")
    wait_db(page, lambda: seg(wb, "seg005").span.end_ms == 12300, "end to the playhead")
    for key, start, end in ((",", 10890, 12300), (".", 10900, 12300), ("<", 10800, 12300), (">", 10900, 12300),
                            (";", 10900, 12290), ("'", 10900, 12300), (":", 10900, 12200), ('"', 10900, 12300)):
        page.keyboard.press(key)
        wait_db(page, lambda: (seg(wb, "seg005").span.start_ms, seg(wb, "seg005").span.end_ms) == (start, end), f"nudge {key}")
    # quick presses build on each other (each edit names the version the one before produced)
    for _ in range(3):
        page.keyboard.press(".")
    wait_db(page, lambda: seg(wb, "seg005").span.start_ms == 10930, "three quick nudges")
    assert page.locator(".al-toast.al-conflict").count() == 0
    # + zooms around the selected segment: its middle stays where it was on screen
    mid = (10930 + 12300) / 2
    x0, mpp0 = page.evaluate(f"{ED}.timeToX({mid})"), page.evaluate(f"{ED}.view.mpp")
    page.keyboard.press("+")
    page.wait_for_timeout(100)
    assert page.evaluate(f"{ED}.view.mpp") == pytest.approx(mpp0 / 2, rel=0.01)
    assert abs(page.evaluate(f"{ED}.timeToX({mid})") - x0) < 2
    page.keyboard.press("+")
    page.keyboard.press("Escape")  # nothing selected: the playhead (in view) is the anchor
    ph = round(page.evaluate(f"{ED}.view.start + {ED}.view.width * {ED}.view.mpp * 0.8"))
    page.evaluate(f"{ED}.seek({ph})")
    x0 = page.evaluate(f"{ED}.timeToX({ph})")
    page.keyboard.press("-")
    page.wait_for_timeout(100)
    assert abs(page.evaluate(f"{ED}.timeToX({ph})") - x0) < 2
    page.click(".al-helpbtn")
    keys = page.locator(".al-keys").inner_text()
    assert "Set the start to the playhead" in keys and "End 100 ms later" in keys and "Slower" in keys
    ctx.close()


# -- 3. words to another segment or speaker; merge with a choice of speaker ----------------------
def caret_at(page, n: int) -> None:
    page.keyboard.press("Home")
    page.keyboard.press("Control+Home")
    for _ in range(n):
        page.keyboard.press("ArrowRight")


@pytest.mark.browser
def test_words_move_to_the_next_previous_segment_or_a_speaker_and_merge_picks_the_speaker(app, browser):
    wb, rid = app["wb"], app["rid"]
    ctx, page = open_editor(browser, app["url"], rid)
    s7, s8 = seg(wb, "seg008"), seg(wb, "seg009")  # "Oh, I'm originally from Chicago also." / "I'm in New Jersey now though."
    also = next(w for w in s7.words if w.text == "also.")
    # the last word of seg008 to the next segment (Alt+↓ with the cursor before it)
    click_row(page, "seg008")
    page.keyboard.press("Enter")
    caret_at(page, len("Oh, I'm originally from Chicago "))
    page.keyboard.press("Alt+ArrowDown")
    wait_db(page, lambda: seg(wb, "seg008").text == "Oh, I'm originally from Chicago", "word moved to the next segment")
    assert seg(wb, "seg009").text == "also. I'm in New Jersey now though."
    assert seg(wb, "seg008").span.end_ms == also.span.start_ms == seg(wb, "seg009").span.start_ms
    # and back: the words before the cursor to the previous segment (Alt+↑)
    settle(page)
    click_row(page, "seg009")
    page.keyboard.press("Enter")
    caret_at(page, len("also."))
    page.keyboard.press("Alt+ArrowUp")
    wait_db(page, lambda: seg(wb, "seg008").text == "Oh, I'm originally from Chicago also.", "word moved back")
    assert seg(wb, "seg009").text == s8.text
    # the words after the cursor to speaker 2 (Ctrl+Shift+2): a new segment of Sheila's
    settle(page)
    click_row(page, "seg009")
    page.keyboard.press("Enter")
    caret_at(page, len("I'm in New Jersey "))
    page.keyboard.press("Control+Shift+Digit2")
    wait_db(page, lambda: seg(wb, "seg009").text == "I'm in New Jersey", "words to speaker 2")
    new = next(s for s in wb.transcript(rid).segments if s.text == "now though.")
    assert new.speaker_id == "spk1" and all(w.speaker_id == "spk1" for w in new.words)
    page.wait_for_function(f"{ED}.view.sel === '{new.id}'", timeout=5000)
    # split at the text cursor (Alt+Enter): the text after it is a new segment, selected
    settle(page)
    click_row(page, "seg011")
    page.keyboard.press("Enter")
    caret_at(page, len("At least you know, they all call me a Yankee down here, "))
    page.keyboard.press("Alt+Enter")
    wait_db(page, lambda: seg(wb, "seg011").text == "At least you know, they all call me a Yankee down here,", "split at the cursor")
    tail = next(s for s in wb.transcript(rid).segments if s.text == "so what can I say?")
    assert tail.span.start_ms == seg(wb, "seg011").span.end_ms and tail.speaker_id == "spk1"
    page.wait_for_function(f"{ED}.view.sel === '{tail.id}'", timeout=5000)
    # M merges with the next segment as the speaker with more speech (Diane's 0.48 s, Sheila's 0.52 s)
    settle(page)
    click_row(page, "seg000")
    page.keyboard.press("m")
    wait_db(page, lambda: seg(wb, "seg001") is None, "merge")
    assert seg(wb, "seg000").speaker_id == "spk1" and seg(wb, "seg000").text == "Hello? Hello?"
    page.wait_for_function("document.querySelector('.al-toasts').textContent.includes('Merged as Sheila')", timeout=5000)
    settle(page)
    page.keyboard.press("1")  # the other choice: one key
    wait_db(page, lambda: seg(wb, "seg000").speaker_id == "spk0", "the other speaker")
    # Backspace at the start of the text merges with the previous segment; the box stays open at the join
    settle(page)
    before5 = seg(wb, "seg005").text
    click_row(page, "seg006")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Backspace")
    wait_db(page, lambda: seg(wb, "seg006") is None, "merged with the previous one")
    assert seg(wb, "seg005").text == before5 + " This is Diane in New Jersey."
    page.wait_for_function(f"{ED}.view.editing && {ED}.view.editing.id === 'seg005'", timeout=5000)
    assert page.evaluate("document.activeElement.selectionStart") == len(before5) + 1
    page.keyboard.press("Escape")
    ctx.close()


# -- 4. a new region is selected and has a speaker -----------------------------------------------
@pytest.mark.browser
def test_a_new_region_is_selected_and_has_a_speaker(app, browser):
    wb, rid = app["wb"], app["rid"]
    ctx, page = open_editor(browser, app["url"], rid)
    ids = {s.id for s in wb.transcript(rid).segments}
    lane = page.evaluate(f"{ED}.view.lanes.findIndex((l) => l.kind === 'speaker' && l.id === 'spk1')")
    lane_drag(page, None, 1000, 2000, lane=lane)
    wait_db(page, lambda: len({s.id for s in wb.transcript(rid).segments} - ids) == 1, "a segment dragged in Sheila's lane")
    made = next(s for s in wb.transcript(rid).segments if s.id not in ids)
    assert made.speaker_id == "spk1"
    page.wait_for_function(f"{ED}.view.sel === '{made.id}'", timeout=5000)
    assert page.locator(f'.al-row.sel[data-id="{made.id}"]').count() == 1
    assert page.locator(".al-insp-spk").input_value() == "spk1"
    # N: a range dragged on the waveform becomes a segment with the selected segment's speaker, selected
    y = page.evaluate(f"{ED}.waveY()")
    page.mouse.move(page.evaluate(f"{ED}.timeToX(3000)"), y)
    page.mouse.down()
    page.mouse.move(page.evaluate(f"{ED}.timeToX(4200)"), y, steps=8)
    page.mouse.up()
    page.keyboard.press("n")
    ids.add(made.id)
    wait_db(page, lambda: len({s.id for s in wb.transcript(rid).segments} - ids) == 1, "a segment from the range")
    made2 = next(s for s in wb.transcript(rid).segments if s.id not in ids)
    assert made2.speaker_id == "spk1" and abs(made2.span.start_ms - 3000) <= 40 and abs(made2.span.end_ms - 4200) <= 40
    page.wait_for_function(f"{ED}.view.sel === '{made2.id}'", timeout=5000)
    page.keyboard.press("Enter")  # and it can be typed into at once
    page.keyboard.type("new words")
    page.keyboard.press("Enter")
    wait_db(page, lambda: seg(wb, made2.id).text == "new words", "its text")
    for s in (made, made2):
        wb.apply(rid, [Change.delete(seg(wb, s.id))], "fixture", "clean up")
    ctx.close()


# -- 5. open side panels leave the transcript alone ----------------------------------------------
@pytest.mark.browser
def test_open_vocabulary_editor_and_history_leave_the_transcript_whole(app, browser):
    ctx, page = open_editor(browser, app["url"], app["lid"])
    box = lambda sel: page.evaluate(f"(() => {{ const r = document.querySelector('{sel}').getBoundingClientRect(); return [r.top, r.bottom]; }})()")  # noqa: E731
    pane0 = box(".al-transcript")
    page.locator(".al-vocabed summary").click()
    page.locator(".al-histdet summary").click()
    page.wait_for_timeout(500)
    pane, rows = box(".al-transcript"), box(".al-rows")
    assert abs(pane[1] - pane0[1]) < 2, (pane0, pane)  # the pane keeps its height
    assert pane[1] - rows[1] < 8, (pane, rows)  # the rows fill it: no blank area under them
    for where in ("b.scrollHeight / 2", "b.scrollHeight"):
        page.evaluate(f"() => {{ const b = document.querySelector('.al-rows'); b.scrollTop = {where}; }}")
        page.wait_for_timeout(150)
        shown = page.evaluate("""() => { const b = document.querySelector('.al-rows').getBoundingClientRect();
          return Array.from(document.querySelectorAll('.al-row')).filter((r) => { const x = r.getBoundingClientRect();
            return x.bottom > b.top && x.top < b.bottom; }).map((r) => r.querySelector('.al-text').textContent.trim()); }""")
        assert len(shown) >= 5 and all(t for t in shown), shown  # rows with their text, no blank ones
    last = page.locator('.al-row[data-id="L089"]')
    assert last.is_visible() and "line 89" in last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "workflow_side_panels_open.png"))
    ctx.close()


# -- 6. importing an SRT replaces the untouched draft, maps speakers, says so where one looks ------
@pytest.mark.browser
def test_import_replaces_the_untouched_draft_maps_speakers_and_shows_the_result(app, browser, speech_wav, tmp_path):
    wb = app["wb"]
    rec = wb.ingest_file(speech_wav).recording
    tier = f"{rec.id}-transcript"
    spk = [Speaker(id=f"im{i}", recording_id=rec.id, label=f"SPEAKER_{i:02d}") for i in range(2)]
    drafts = [Segment(id="imd0", recording_id=rec.id, tier_id=tier, span=Span(100, 1200), text="hello dare",
                      speaker_id="im0", origin=Origin.ASR),
              Segment(id="imd1", recording_id=rec.id, tier_id=tier, span=Span(1300, 2600), text="this is test",
                      speaker_id="im1", origin=Origin.ASR),
              Segment(id="imh2", recording_id=rec.id, tier_id=tier, span=Span(2700, 3500), text="Checked by a human.",
                      speaker_id="im1", origin=Origin.ASR, status=SegmentStatus.CORRECTED, touched=True)]
    wb.apply(rec.id, [Change.create(x) for x in (*spk, *drafts)], "fixture", "seed")
    srt = tmp_path / "fixed.srt"
    srt.write_text("1\n00:00:00,150 --> 00:00:01,150\nAnn: Hello there.\n\n2\n00:00:01,300 --> 00:00:02,500\n"
                   "Ben: This is a test.\n\n3\n00:00:02,800 --> 00:00:03,300\nBen: over the human edit\n", encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    page.goto(app["url"])
    page.wait_for_function(f"{ED} !== undefined", timeout=20000)
    page.get_by_role("tab", name="Library").click()
    dd = page.locator("#al-lib-pick input")
    dd.click()
    dd.fill(rec.id)
    page.locator("ul[role=listbox] li[role=option]", has_text=rec.id).first.click()
    page.locator("#al-lib-import-acc").get_by_text("Import", exact=True).first.click()
    assert page.locator("#al-lib-import-replace input").is_checked()  # the default for drafts
    page.locator("#al-lib-import-file input[type=file]").set_input_files(str(srt))
    page.wait_for_timeout(300)
    page.locator("#al-lib-import-btn").click()
    msg = page.locator("#al-lib-import-msg textarea")
    wait_until(page, lambda: msg.input_value().startswith(("Imported", "Import failed")), "the import")
    assert msg.input_value().startswith("Imported 2 segments"), msg.input_value()
    assert "replaced 2 untouched draft segments" in msg.input_value() and "1 of the file's segments left out" in msg.input_value()
    # the result is in view where the button is
    box = msg.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 1000, box
    t = wb.transcript(rec.id)
    got = sorted((s.span.start_ms, s.text, t.speaker_name(s.speaker_id)) for s in t.segments_of(tier))
    assert got == [(150, "Hello there.", "Ann"), (1300, "This is a test.", "Ben"), (2700, "Checked by a human.", "Ben")], got
    assert {s.id for s in t.speakers} == {"im0", "im1"}  # mapped onto the draft's speakers, none added
    page.screenshot(path=str(ARTIFACTS / "workflow_import_replace.png"))
    ctx.close()


# -- 7. users added while the app runs turn sign-in on -------------------------------------------
@pytest.mark.browser
def test_users_added_while_serving_turn_sign_in_on_without_a_restart(tmp_path, browser):
    from audiolab.storage.edits import history
    from audiolab.ui.devserver import serve

    wb = Workbench(tmp_path / "auth.db")
    rid = seed_sample(wb, shared_file("diarization/pyannote_sample.wav"), shared_file("diarization/pyannote_sample.stm"))
    url, demo = serve(wb)
    try:
        ctx, page = open_editor(browser, url, rid)  # no users: no sign-in
        assert "local" in page.locator(".al-user").inner_text()
        click_row(page, "seg002")
        page.keyboard.press("r")
        wait_db(page, lambda: seg(wb, "seg002").status == SegmentStatus.REVIEWED, "an edit without sign-in")
        assert history(wb.db, rid, "seg002")[0].author == "local"
        rv.add_user(wb, "nina", "annotator", "nina-pw-123")
        page.reload()
        page.locator("input[type=password]").wait_for(timeout=20000)  # the sign-in page, no restart
        assert page.locator(".al-editor").count() == 0
        page.locator("input").first.fill("nina")
        page.locator("input[type=password]").fill("nina-pw-123")
        page.keyboard.press("Enter")
        page.wait_for_function(f"{ED} && {ED}.view.ready", timeout=20000)
        assert "nina" in page.locator(".al-user").inner_text()
        click_row(page, "seg003")
        page.keyboard.press("r")
        wait_db(page, lambda: seg(wb, "seg003").status == SegmentStatus.REVIEWED, "an edit signed in")
        assert history(wb.db, rid, "seg003")[0].author == "nina"
        ctx.close()
        # a request without a session is refused now
        import urllib.error
        import urllib.request

        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url + "config", timeout=10)
        assert err.value.code == 401
    finally:
        demo.close()


# -- 8. annotators submit from the browser; the Library table is readable and clickable ----------
@pytest.mark.browser
def test_an_annotator_submits_from_the_editor(tmp_path, browser):
    from audiolab.ui.devserver import serve

    wb = Workbench(tmp_path / "submit.db")
    rid = seed_sample(wb, shared_file("diarization/pyannote_sample.wav"), shared_file("diarization/pyannote_sample.stm"))
    rv.add_user(wb, "ada", "annotator", "ada-pw-123")
    rv.assign(wb, [rid], "ada", independent=True)
    url, demo = serve(wb)
    try:
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        page = ctx.new_page()
        page.goto(url)
        page.locator("input").first.fill("ada")
        page.locator("input[type=password]").fill("ada-pw-123")
        page.keyboard.press("Enter")
        page.wait_for_function(f"{ED} && {ED}.view.ready", timeout=20000)
        page.goto(f"{url}#rec={rid}")
        page.wait_for_function(f"{ED}.view.ready && {ED}.state.rec.id === '{rid}'", timeout=20000)
        button = page.locator(".al-submit")
        assert button.is_visible() and "Submit" in button.inner_text()
        sid = page.evaluate(f"{ED}.state.segs[1].id")
        click_row(page, sid)
        page.keyboard.press("Enter")
        page.keyboard.type("Hello? (checked)")
        page.keyboard.press("Enter")
        settle(page)
        button.click()
        page.locator(".al-submit-comment").fill("all checked")
        page.locator(".al-submit-yes").click()
        wait_db(page, lambda: rv.get_assignment(wb, rid, "ada").status == "submitted", "the submission")
        assert rv.get_assignment(wb, rid, "ada").comment == "all checked"
        page.wait_for_function("document.querySelector('.al-submit').textContent.includes('Submitted')", timeout=5000)
        assert button.is_disabled()
        page.screenshot(path=str(ARTIFACTS / "workflow_submitted.png"))
        ctx.close()
    finally:
        demo.close()


@pytest.mark.browser
def test_the_library_table_is_readable_at_1500_px_and_a_click_chooses_the_row(app, browser):
    wb = app["wb"]
    import numpy as np
    import soundfile as sf

    long_name = app["root"] / "a_rather_long_recording_name_from_the_field_interviews_2024_session_07.wav"
    sf.write(long_name, (np.random.default_rng(7).standard_normal(16000 * 4) * 0.05).astype(np.float32), 16000)
    rec = wb.ingest_file(long_name).recording
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    page.goto(app["url"])
    page.wait_for_function(f"{ED} !== undefined", timeout=20000)
    page.get_by_role("tab", name="Library").click()
    page.locator("#al-lib-grid").wait_for(timeout=20000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "workflow_library_table.png"))
    heads = page.evaluate("""() => Array.from(document.querySelectorAll('#al-lib-grid th')).map((c) => {
        const r = c.getBoundingClientRect(); return {text: c.innerText.trim(), h: r.height, w: r.width, left: r.left, right: r.right}; })""")
    heads = [h for h in heads if h["text"]]
    assert [h["text"] for h in heads][:7] == ["ID", "Name", "Duration", "Status", "Corrected", "Segments", "Video"], heads
    assert all("\n" not in h["text"] for h in heads), heads  # no header broken over lines ("Corre cte d")
    assert max(h["h"] for h in heads) - min(h["h"] for h in heads) < 4, heads
    box = page.evaluate("(() => { const r = document.querySelector('#al-lib-grid').getBoundingClientRect(); return [r.left, r.right]; })()")
    assert all(box[0] - 1 <= h["left"] and h["right"] <= box[1] + 1 for h in heads), (box, heads)  # every column in view
    cell = page.locator("#al-lib-grid [role=gridcell]").filter(has_text=rec.id).first
    assert cell.evaluate("(c) => c.scrollWidth <= c.clientWidth + 1")  # the id is whole
    # clicking a row chooses that recording in the picker
    other = next(r for r in wb.recordings() if r.id != rec.id)
    page.locator("#al-lib-grid [role=gridcell]").filter(has_text=other.id).first.click()
    page.wait_for_function(f"document.querySelector('#al-lib-pick input').value.includes('[{other.id}]')", timeout=10000)
    page.locator("#al-lib-grid [role=gridcell]").filter(has_text="a_rather_long").first.click()
    page.wait_for_function(f"document.querySelector('#al-lib-pick input').value.includes('[{rec.id}]')", timeout=10000)
    ctx.close()


# -- 9. the small things --------------------------------------------------------------------------
@pytest.mark.browser
def test_delete_asks_nothing_but_says_it_esc_asks_before_discarding(app, browser):
    wb, lid = app["wb"], app["lid"]
    ctx, page = open_editor(browser, app["url"], lid)
    click_row(page, "L003")
    page.keyboard.press("Backspace")  # not a delete key for segments
    page.wait_for_timeout(400)
    assert seg(wb, "L003") is not None
    assert "Delete removes" in page.locator(".al-toasts").inner_text()
    page.keyboard.press("Delete")
    wait_db(page, lambda: seg(wb, "L003") is None, "delete")
    page.wait_for_function("document.querySelector('.al-toasts').textContent.includes('Ctrl+Z brings it back')", timeout=5000)
    page.keyboard.press("Control+z")
    wait_db(page, lambda: seg(wb, "L003") is not None, "undo brings it back")
    # Esc with changed text asks first; a second Esc discards
    settle(page)
    click_row(page, "L004")
    page.keyboard.press("Enter")
    page.keyboard.type("half typed")
    page.keyboard.press("Escape")
    assert page.locator(".al-edit").count() == 1 and "Esc again discards" in page.locator(".al-edit-hint").inner_text()
    page.keyboard.press("Escape")
    page.wait_for_selector(".al-edit", state="detached", timeout=5000)
    assert seg(wb, "L004").text == "line 4 of the long call"
    # Esc on unchanged text just closes
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_selector(".al-edit", state="detached", timeout=5000)
    ctx.close()


@pytest.mark.browser
def test_hotkey_clash_names_the_label_and_two_emotions_are_both_drawn(app, browser):
    wb, lid = app["wb"], app["lid"]
    ctx, page = open_editor(browser, app["url"], lid)
    page.locator(".al-vocabed summary").click()
    sec = page.locator(".al-vocab-kind").first
    sec.get_by_text("+ label").click()
    row = sec.locator(".al-vrow").last
    row.locator(".al-vlabel").fill("hurt")
    row.locator(".al-vkey").fill("h")
    sec.get_by_text("Save").click()
    page.wait_for_function("document.querySelector('.al-vocab-msg').textContent.length > 0", timeout=5000)
    said = sec.locator(".al-vocab-msg").inner_text()
    assert "'happy'" in said and "'hurt'" in said and "H" in said, said
    from audiolab.services import editor as editor_svc  # the server says the same
    from audiolab.core.model import TagKind, VocabularyEntry

    with pytest.raises(Exception, match="taken by 'happy': choose another key for 'hurt'"):
        editor_svc.set_vocabulary(wb, lid, TagKind.EMOTION, [VocabularyEntry("happy", "h"), VocabularyEntry("hurt", "h")])
    page.locator(".al-vocabed summary").click()
    # two emotions on one segment: each in its own row of the lane
    click_row(page, "L010")
    page.keyboard.press("Shift+H")
    page.keyboard.press("Shift+D")
    wait_db(page, lambda: len([t for t in wb.transcript(lid).tags if t.segment_id == "L010"]) == 2, "two emotions")
    settle(page)
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    colours = page.evaluate(f"""() => {{
      const ed = {ED}, c = document.querySelector('.al-main'), g = c.getContext('2d'), dpr = devicePixelRatio;
      const lane = ed.laneOfKind('emotion'), s = ed.state.segs.find((x) => x.id === 'L010');
      const r = c.getBoundingClientRect(), x = ed.timeToX((s.start + s.end) / 2) - r.left, y = ed.laneCenterY(lane) - r.top;
      const at = (yy) => Array.from(g.getImageData(Math.round(x * dpr), Math.round(yy * dpr), 1, 1).data.slice(0, 3));
      return [at(y - 5), at(y + 5)]; }}""")
    happy, sad = (0xF6, 0xC0, 0x26), (0x3F, 0x7F, 0xBF)

    def near(px, rgb):  # drawn at 62 % over the lane's dark background
        return all(abs(p - (0.62 * c + 0.38 * 16)) < 40 for p, c in zip(px, rgb))

    assert near(colours[0], happy) and near(colours[1], sad), colours
    ctx.close()


@pytest.mark.browser
def test_names_toolbar_and_pause_icon(app, browser):
    wb, rid, vid = app["wb"], app["rid"], app["vid"]
    ctx, page = open_editor(browser, app["url"], vid)  # a video: the timecode is in the toolbar too
    bar = page.evaluate("(() => { const t = document.querySelector('.al-toolbar'); return [t.getBoundingClientRect().height, t.scrollWidth, t.clientWidth]; })()")
    assert bar[0] < 44 and bar[1] <= bar[2] + 1, bar  # one line, nothing pushed out
    # pause: drawn, not a font glyph
    page.click(".al-play")
    page.wait_for_function(f"!{ED}.media().paused", timeout=10000)
    # the media's "play" event (which draws the pause icon) comes a task after paused turns false
    page.wait_for_selector(".al-play.playing", timeout=10000)
    icon = page.evaluate("""() => { const b = document.querySelector('.al-play'), i = b.querySelector('.al-ico'), s = getComputedStyle(i);
      return {text: b.textContent.trim(), cls: b.className, w: i.getBoundingClientRect().width, left: s.borderLeftWidth, right: s.borderRightWidth}; }""")
    assert icon["text"] == "" and "playing" in icon["cls"] and icon["left"] == "3px" and icon["right"] == "3px" and icon["w"] >= 8, icon
    page.locator(".al-play").screenshot(path=str(ARTIFACTS / "workflow_pause_icon.png"))
    page.click(".al-play")
    ctx.close()
    # a long speaker name is written whole in its lane
    spk = wb.transcript(rid).speaker("spk1")
    wb.apply(rid, [Change.update(dataclasses.replace(spk, name="Sheila from Texas (caller)"))], "fixture", "long name")
    ctx, page = open_editor(browser, app["url"], rid)
    widths = page.evaluate(f"""() => {{ const c = document.createElement('canvas').getContext('2d'); c.font = '12px system-ui, sans-serif';
      return [c.measureText('2 Sheila from Texas (caller)').width, {ED}.view.gutter]; }}""")
    assert widths[1] - 16 - 6 >= widths[0], widths
    page.screenshot(path=str(ARTIFACTS / "workflow_lane_names.png"))
    wb.apply(rid, [Change.update(dataclasses.replace(wb.transcript(rid).speaker("spk1"), name="Sheila"))], "fixture", "name back")
    ctx.close()


# -- what annotators expect of a keyboard-first editor -------------------------------------------
@pytest.mark.browser
def test_ctrl_enter_advances_and_jumps_to_unreviewed_or_flagged(app, browser):
    wb, lid = app["wb"], app["lid"]
    wb.apply(lid, [Change.update(dataclasses.replace(seg(wb, "L070"), flags=("overlap",)))], "fixture", "flag")
    ctx, page = open_editor(browser, app["url"], lid)
    page.evaluate(f"location.hash = 'rec={lid}&seg=L060'")  # (the row is built when it comes into view)
    page.wait_for_selector('.al-row.sel[data-id="L060"]', timeout=5000)
    click_row(page, "L060")
    page.keyboard.press("Enter")
    page.keyboard.type("line sixty")
    page.keyboard.press("Control+Enter")
    wait_db(page, lambda: seg(wb, "L060").text == "line sixty" and seg(wb, "L060").status == SegmentStatus.REVIEWED, "saved as reviewed")
    page.wait_for_function(f"{ED}.view.editing && {ED}.view.editing.id === 'L061'", timeout=5000)
    assert page.evaluate("document.activeElement.selectionStart === 0 && document.activeElement.selectionEnd === document.activeElement.value.length")
    page.keyboard.press("Control+Enter")  # unchanged: marked reviewed, on to the next
    wait_db(page, lambda: seg(wb, "L061").status == SegmentStatus.REVIEWED, "reviewed without typing")
    page.wait_for_function(f"{ED}.view.editing && {ED}.view.editing.id === 'L062'", timeout=5000)
    page.keyboard.press("Escape")
    settle(page)
    click_row(page, "L059")
    page.keyboard.press("u")  # the next one not reviewed skips L060 and L061
    page.wait_for_function(f"{ED}.view.sel === 'L062'", timeout=5000)
    page.keyboard.press("f")
    page.wait_for_function(f"{ED}.view.sel === 'L070'", timeout=5000)
    ctx.close()


@pytest.mark.browser
def test_conversation_view(app, browser):
    ctx, page = open_editor(browser, app["url"], app["lid"])
    page.keyboard.press("c")
    page.wait_for_selector(".al-rows.convo .al-row.convo", timeout=5000)
    # turns of two: L000 starts a turn (name shown), L001 continues it, L002 is the other speaker's
    first, cont, other = (page.locator(f'.al-row[data-id="L00{i}"]') for i in range(3))
    assert first.locator(".al-spk-name").inner_text() == "Ann" and "cont" not in first.get_attribute("class")
    assert "cont" in cont.get_attribute("class") and cont.locator(".al-spk-name").count() == 0
    assert other.locator(".al-spk-name").inner_text() == "Bo" and "right" in other.get_attribute("class")
    page.screenshot(path=str(ARTIFACTS / "workflow_conversation.png"))
    page.reload()
    page.wait_for_function(f"{ED} && {ED}.view.ready", timeout=20000)
    assert page.locator(".al-row.convo").count() > 0 and page.locator(".al-convocb").is_checked()
    page.locator(".al-convocb").uncheck()
    assert page.locator(".al-row.convo").count() == 0
    ctx.close()


@pytest.mark.browser
def test_keys_can_be_changed_in_the_help_and_stay(app, browser):
    wb, lid = app["wb"], app["lid"]
    ctx, page = open_editor(browser, app["url"], lid)
    page.keyboard.press("?")
    split = page.locator('.al-keybtn[data-id="split"]')
    assert split.inner_text() == "S"
    split.click()
    page.keyboard.press("r")  # taken: refused, saying by what
    assert "taken by" in page.locator(".al-keymsg").inner_text() and "reviewed" in page.locator(".al-keymsg").inner_text()
    page.locator('.al-keybtn[data-id="split"]').click()
    page.keyboard.press("x")
    page.wait_for_function("document.querySelector('.al-keybtn[data-id=\"split\"]').textContent === 'X'", timeout=3000)
    assert json.loads(page.evaluate("localStorage.getItem('audiolab.keys')")) == {"split": ["x"]}
    page.click(".al-helpclose")
    click_row(page, "L020")
    page.evaluate(f"{ED}.seek(12700)")
    page.keyboard.press("s")  # not split any more
    page.wait_for_timeout(300)
    assert seg(wb, "L020").span.end_ms == 13040
    page.keyboard.press("x")
    wait_db(page, lambda: seg(wb, "L020").span.end_ms == 12700, "split with the new key")
    page.reload()
    page.wait_for_function(f"{ED} && {ED}.view.ready", timeout=20000)
    page.click(".al-helpbtn")
    assert page.locator('.al-keybtn[data-id="split"]').inner_text() == "X"
    page.click(".al-keyreset")
    assert page.locator('.al-keybtn[data-id="split"]').inner_text() == "S"
    ctx.close()


# -- the server side of it (no browser) -----------------------------------------------------------
def _two(wb: Workbench, speech_wav: Path, tag: bool = False):
    rec = wb.ingest_file(speech_wav).recording
    tier = f"{rec.id}-transcript"
    spk = [Speaker(id=f"p{i}", recording_id=rec.id, label=f"SPEAKER_{i:02d}") for i in range(2)]
    w = lambda a, b, t, s: Word(Span(a, b), t, 0.9, s)  # noqa: E731
    a = Segment(id="a", recording_id=rec.id, tier_id=tier, span=Span(0, 1000), text="so I", speaker_id="p1",
                words=(w(0, 400, "so", "p1"), w(500, 900, "I", "p1")), origin=Origin.ASR)
    b = Segment(id="b", recording_id=rec.id, tier_id=tier, span=Span(1000, 2500), text="don't hear that", speaker_id="p0",
                words=(w(1000, 1400, "don't", "p0"), w(1500, 1900, "hear", "p0"), w(2000, 2400, "that", "p0")), origin=Origin.ASR)
    changes = [Change.create(x) for x in (*spk, a, b)]
    if tag:
        from audiolab.core.model import Tag, TagKind

        changes.append(Change.create(Tag(id="t", recording_id=rec.id, kind=TagKind.EMOTION, span=Span(0, 1000), label="happy",
                                         segment_id="a")))
    wb.apply(rec.id, changes, "fixture", "seed")
    return rec.id


def test_move_words_split_at_text_and_words_to_speaker(wb, speech_wav):
    from audiolab.services import editing

    rid = _two(wb, speech_wav)
    editing.move_words(wb, seg(wb, "a"), "so I", 3, seg(wb, "b"), "next", author="ann")
    a, b = seg(wb, "a"), seg(wb, "b")
    assert (a.text, a.span) == ("so", Span(0, 500)) and (b.text, b.span) == ("I don't hear that", Span(500, 2500))
    assert [w.speaker_id for w in b.words] == ["p0"] * 4  # the moved word takes the segment's speaker
    assert wb.undo(rid, "ann") and seg(wb, "a").text == "so I"  # one batch, one undo
    # a cursor inside a word cuts before it; typed text is saved with the cut
    editing.split_at_text(wb, seg(wb, "b"), "don't hear thAT", 12, "ann")
    assert seg(wb, "b").text == "don't hear" and seg(wb, "b").span == Span(1000, 2000)
    right = next(s for s in wb.transcript(rid).segments if s.text == "thAT")
    assert right.span == Span(2000, 2500) and right.words[0].span == Span(2000, 2400)
    editing.words_to_speaker(wb, seg(wb, "b"), "don't hear", 6, "p1", "ann")
    gave = next(s for s in wb.transcript(rid).segments if s.text == "hear")
    assert gave.speaker_id == "p1" and seg(wb, "b").text == "don't" and seg(wb, "b").span.end_ms == gave.span.start_ms == 1500
    with pytest.raises(Exception, match="no words after the text cursor"):
        editing.words_to_speaker(wb, seg(wb, "b"), "don't", 5, "p1", "ann")


def test_moving_every_word_deletes_the_segment_and_its_tags_follow(wb, speech_wav):
    from audiolab.services import editing
    from audiolab.services import editor as svc

    rid = _two(wb, speech_wav, tag=True)
    editing.move_words(wb, seg(wb, "a"), "so I", 0, seg(wb, "b"), "next", svc.tags_of_segment(wb, rid, "a"), "ann")
    assert seg(wb, "a") is None and seg(wb, "b").text == "so I don't hear that" and seg(wb, "b").span.start_ms == 0
    assert [t.segment_id for t in wb.transcript(rid).tags] == ["b"]
    with pytest.raises(Exception, match="same version"):  # a segment is not its own neighbour
        editing.move_words(wb, seg(wb, "b"), "so I", 2, seg(wb, "b"), "next", author="ann")


def test_merge_speaker_rules(wb, speech_wav):
    from audiolab.services import editing

    rid = _two(wb, speech_wav)
    assert editing.speaker_with_more_speech(seg(wb, "a"), seg(wb, "b")) == "p0"  # 1.2 s of words against 0.8 s
    editing.merge(wb, seg(wb, "a"), seg(wb, "b"), author="ann", speaker=editing.MOST_SPEECH)
    merged = seg(wb, "a")
    assert merged.speaker_id == "p0" and {w.speaker_id for w in merged.words} == {"p0"} and merged.text == "so I don't hear that"
    wb.undo(rid, "ann")
    editing.merge(wb, seg(wb, "a"), seg(wb, "b"), author="ann")  # the default keeps the first one's
    assert seg(wb, "a").speaker_id == "p1"


def test_editor_api_ops_are_in_the_table_and_check_versions(wb, speech_wav):
    from audiolab.ui import editor_api

    rid = _two(wb, speech_wav)
    assert {"split_text", "move_words", "words_to_speaker"} <= set(editor_api.OPS)
    ref = lambda sid: {"id": sid, "version": seg(wb, sid).version}  # noqa: E731
    r = editor_api.apply_action(wb, rid, "local", {"op": "merge", "segment": ref("a"), "other": ref("b")})
    assert r["ok"] and r["segments"][0]["speaker_id"] == "p0" and r["deleted"] == ["b"]
    r = editor_api.apply_action(wb, rid, "local", {"op": "split_text", "segment": {"id": "a", "version": 1}, "text": "x y", "cursor": 1})
    assert r["ok"] is False and r["conflict"] is True
    r = editor_api.apply_action(wb, rid, "local", {"op": "split_text", "segment": ref("a"), "text": "so I", "cursor": "2"})
    assert r["ok"] is False and "character offset" in r["message"]


def test_import_replace_maps_an_unprefixed_file_onto_the_drafts_speakers(wb, speech_wav, tmp_path):
    from audiolab.services.exporting import import_file

    rid = _two(wb, speech_wav)
    srt = tmp_path / "plain.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nSo I.\n\n2\n00:00:01,000 --> 00:00:02,500\nDon't hear that.\n", encoding="utf-8")
    res = import_file(wb, srt, rid, author="ann", replace_drafts=True)
    t = wb.transcript(rid)
    assert (res.segments, res.replaced, res.speakers_created) == (2, 2, 0)
    assert sorted((s.text, s.speaker_id) for s in t.segments) == [("Don't hear that.", "p0"), ("So I.", "p1")]
    # the import's own drafts are untouched drafts too: importing again replaces them, not doubles them
    again = import_file(wb, srt, rid, author="ann", replace_drafts=True)
    assert again.replaced == 2 and len(wb.transcript(rid).segments) == 2
    # without the option, an import adds (as before)
    import_file(wb, srt, rid, author="ann")
    assert len(wb.transcript(rid).segments) == 4


def test_sign_in_follows_the_users_table(wb):
    from audiolab.ui.app import LOCAL_USER, SessionTokens, SignIn

    signin = SignIn(wb)
    tokens = SessionTokens(signin, {"tok": "someone"})
    assert not signin.is_open() and tokens.get(None) is None  # not open until launch allows it (loopback)
    signin.open_allowed = True
    assert signin.is_open() and tokens.get(None) == LOCAL_USER and tokens.get("stale") == LOCAL_USER
    rv.add_user(wb, "zoe", "annotator", "zoe-pw-123")
    assert not signin.is_open() and tokens.get(None) is None and tokens.get("tok") == "someone"
    assert signin("zoe", "zoe-pw-123") and not signin("zoe", "nope")
