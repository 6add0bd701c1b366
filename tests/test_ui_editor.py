"""Browser tests of the editor: real app, real Chromium, real sample audio; the DB is the judge."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from audiolab.core.model import Segment, SegmentStatus, Span, Speaker, TagKind, Word, Origin
from audiolab.services import Workbench
from audiolab.storage.edits import Change
from tests.conftest import shared_file, wait_until

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(2)</script>"


def seed_sample(wb: Workbench, wav: Path, stm: Path) -> str:
    """Ingest the two-speaker call and import its STM as draft segments with spread words."""
    rec = wb.ingest_file(wav).recording
    assert rec is not None
    names = []
    rows = []
    for line in stm.read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) < 6 or line.startswith(";;"):
            continue
        names.append(parts[2])
        rows.append((parts[2], float(parts[3]), float(parts[4]), parts[5]))
    speakers = {}
    colors = ["#4e9cf5", "#f5a04e", "#5fd38d"]
    for i, n in enumerate(dict.fromkeys(names)):
        speakers[n] = Speaker(id=f"spk{i}", recording_id=rec.id, label=f"SPEAKER_{i:02d}", name=n, color=colors[i])
    changes = [Change.create(s) for s in speakers.values()]
    for i, (name, s, e, text) in enumerate(rows):
        span = Span.from_seconds(s, e)
        toks = text.split()
        step = span.duration_ms // max(1, len(toks))
        words = tuple(Word(Span(span.start_ms + k * step, span.start_ms + (k + 1) * step), t,
                           0.3 if k == 0 and i % 3 == 0 else 0.9, speakers[name].id) for k, t in enumerate(toks))
        changes.append(Change.create(Segment(id=f"seg{i:03d}", recording_id=rec.id, tier_id=f"{rec.id}-transcript",
                                             span=span, text=text, speaker_id=speakers[name].id, words=words,
                                             origin=Origin.IMPORT, status=SegmentStatus.DRAFT)))
    wb.apply(rec.id, changes, "fixture", "seed")
    return rec.id


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from audiolab.ui.devserver import serve

    wav = shared_file("diarization/pyannote_sample.wav")
    stm = shared_file("diarization/pyannote_sample.stm")
    video = shared_file("video/grid_swwp2s.mp4")
    wb = Workbench(tmp_path_factory.mktemp("ui") / "ui.db")
    rid = seed_sample(wb, wav, stm)
    vrec = wb.ingest_file(video).recording
    align = [("set", 490, 770), ("white", 770, 1090), ("with", 1090, 1220), ("p", 1220, 1440), ("two", 1440, 1730), ("soon", 1730, 2210)]
    spk = Speaker(id="vspk", recording_id=vrec.id, label="SPEAKER_00", name="GRID s2", color="#4e9cf5")
    seg = Segment(id="vseg", recording_id=vrec.id, tier_id=f"{vrec.id}-transcript", span=Span(490, 2210),
                  text=" ".join(w for w, _, _ in align), speaker_id="vspk",
                  words=tuple(Word(Span(a, b), w, 0.95, "vspk") for w, a, b in align))
    wb.apply(vrec.id, [Change.create(spk), Change.create(seg)], "fixture", "seed")
    url, demo = serve(wb)
    yield {"wb": wb, "url": url, "rid": rid, "vid": vrec.id}
    demo.close()


def open_editor(browser, url: str, rid: str, dialogs: list | None = None):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    if dialogs is not None:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{url}#rec={rid}")
    page.wait_for_selector(".al-editor", timeout=20000)
    page.wait_for_function(f"document.querySelector('#audiolab-editor [data-ready=\"1\"], #audiolab-editor[data-ready=\"1\"]') !== null || (window.audiolabEditor && window.audiolabEditor.view.ready && window.audiolabEditor.state.rec.id === '{rid}')", timeout=20000)
    return ctx, page


def seg(wb: Workbench, sid: str):
    from audiolab.storage.repository import MAPPERS

    return MAPPERS["segment"].get(wb.db, sid)


def wait_db(page, predicate, what: str, timeout_s: float = 10.0) -> None:
    wait_until(page, predicate, f"the database to hold: {what}", timeout_s, step_ms=50)


def assert_conflict_shown(page, wb: Workbench, sid: str, typed: str, stored: str) -> None:
    """A refused stale save: the message keeps the typed words, the row and the DB show the stored ones."""
    page.wait_for_selector(".al-toast.al-conflict", timeout=10000)
    message = page.locator(".al-toast.al-conflict").inner_text()
    assert "changed by someone else" in message and typed in message  # nothing is lost
    assert seg(wb, sid).text == stored
    assert page.locator(f'.al-row[data-id="{sid}"] .al-text').inner_text().strip() == stored


def click_row(page, sid: str) -> None:
    page.locator(f'.al-row[data-id="{sid}"] .al-time').click()


def test_edit_session_persists(app, browser):
    wb, rid = app["wb"], app["rid"]
    dialogs: list[str] = []
    ctx, page = open_editor(browser, app["url"], rid, dialogs)
    ed = "window.audiolabEditor"

    # play, then pause: the playhead moves
    page.click(".al-play")
    page.wait_for_function(f"{ed}.media().currentTime > 0.3", timeout=10000)
    page.click(".al-play")
    assert page.evaluate(f"{ed}.media().paused")

    # drag the end boundary of seg005 (10.780-12.540 s) to about 12.2 s
    x0 = page.evaluate(f"{ed}.timeToX(12540)")
    x1 = page.evaluate(f"{ed}.timeToX(12200)")
    y = page.evaluate(f"{ed}.laneCenterY({ed}.laneOfSegment('seg005'))")
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=6)
    page.mouse.up()
    wait_db(page, lambda: abs(seg(wb, "seg005").span.end_ms - 12200) <= 40, "moved boundary")

    # split seg007 (14.444-17.769 s) at 16 s
    click_row(page, "seg007")
    page.evaluate(f"{ed}.seek(16000)")
    page.keyboard.press("s")
    wait_db(page, lambda: seg(wb, "seg007").span.end_ms == 16000, "split")
    assert len([s for s in wb.transcript(rid).segments if s.span.start_ms == 16000]) == 1

    # change the speaker of seg001 (Sheila) to speaker 1 (Diane)
    click_row(page, "seg001")
    page.keyboard.press("1")
    wait_db(page, lambda: seg(wb, "seg001").speaker_id == "spk0", "speaker change")

    # edit the text of seg003; matching words keep their timings
    before = seg(wb, "seg003")
    click_row(page, "seg003")
    page.keyboard.press("Enter")
    page.fill(".al-edit", "I did not know you were there.")
    page.keyboard.press("Enter")
    wait_db(page, lambda: seg(wb, "seg003").text == "I did not know you were there.", "text edit")
    # as the text edit stored it (the background re-timing may follow it at any moment)
    edit = next(e for e in __import__("audiolab.storage.edits", fromlist=["history"]).history(wb.db, rid, "seg003")
                if e.author == "local" and e.after and e.after["text"] == "I did not know you were there.")
    after_words = edit.after["words"]
    assert (after_words[-1]["start_ms"], after_words[-1]["end_ms"]) == (before.words[-1].span.start_ms,
                                                                         before.words[-1].span.end_ms)
    assert (after_words[0]["start_ms"], after_words[0]["end_ms"]) == (before.words[0].span.start_ms,
                                                                       before.words[0].span.end_ms)

    # emotion on the selected segment (Shift+H = happy), a sound event dragged in its lane
    page.keyboard.press("Shift+H")
    wait_db(page, lambda: any(t.label == "happy" and t.segment_id == "seg003" for t in wb.transcript(rid).tags), "emotion")
    page.select_option(".al-eventsel", "laughter")
    lane = page.evaluate(f"{ed}.laneOfKind('sound_event')")
    ly = page.evaluate(f"{ed}.laneCenterY({lane})")
    page.mouse.move(page.evaluate(f"{ed}.timeToX(1000)"), ly)
    page.mouse.down()
    page.mouse.move(page.evaluate(f"{ed}.timeToX(3000)"), ly, steps=8)
    page.mouse.up()
    events = lambda: [t for t in wb.transcript(rid).tags if t.kind == TagKind.SOUND_EVENT]  # noqa: E731
    wait_db(page, lambda: len(events()) == 1 and events()[0].label == "laughter", "sound event")
    assert abs(events()[0].span.start_ms - 1000) <= 40 and abs(events()[0].span.end_ms - 3000) <= 40

    # undo removes the event, redo brings it back
    page.keyboard.press("Control+z")
    wait_db(page, lambda: len(events()) == 0, "undo")
    page.keyboard.press("Control+Shift+Z")
    wait_db(page, lambda: len(events()) == 1, "redo")
    page.screenshot(path=str(ARTIFACTS / "editor_after_edits.png"))

    # reload: the page shows what the database holds
    page.reload()
    page.wait_for_function(f"{ed} && {ed}.view.ready", timeout=20000)
    assert page.locator('.al-row[data-id="seg003"] .al-text').inner_text().strip() == "I did not know you were there."
    assert "happy" in page.locator('.al-row[data-id="seg003"] .al-row-meta').inner_text()
    assert page.evaluate(f"{ed}.state.tags.filter(t => t.kind === 'sound_event' && t.label === 'laughter').length") == 1
    assert page.evaluate(f"{ed}.state.segs.find(s => s.id === 'seg005').end") == seg(wb, "seg005").span.end_ms
    assert page.evaluate(f"{ed}.state.segs.find(s => s.id === 'seg001').speaker_id") == "spk0"
    # every edit is the person's, but for the system re-timing words after their text edits
    assert all(e.author == "local" for e in __import__("audiolab.storage.edits", fromlist=["history"]).history(wb.db, rid)
               if e.author not in ("fixture", "audiolab-align"))
    assert dialogs == []
    ctx.close()


def test_user_text_is_never_html(app, browser):
    wb, rid = app["wb"], app["rid"]
    s = seg(wb, "seg010")
    spk = wb.transcript(rid).speaker("spk1")
    wb.apply(rid, [Change.update(dataclasses.replace(s, text=f"{XSS_IMG} and {XSS_SCRIPT}", words=())),
                   Change.update(dataclasses.replace(spk, name=XSS_IMG))], "fixture", "xss")
    dialogs: list[str] = []
    ctx, page = open_editor(browser, app["url"], rid, dialogs)
    row = page.locator('.al-row[data-id="seg010"]')
    assert XSS_IMG in row.inner_text() and XSS_SCRIPT in row.inner_text()
    assert page.locator("#audiolab-editor img").count() == 0
    assert page.locator(".al-rows script").count() == 0
    click_row(page, "seg010")  # the inspector shows the speaker name in a <select>
    page.click(".al-helpbtn")
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "editor_xss.png"))
    assert dialogs == []
    ctx.close()


def test_stale_edit_is_refused_and_shown(app, browser):
    wb, rid = app["wb"], app["rid"]
    ctx_a, a = open_editor(browser, app["url"], rid)
    ctx_b, b = open_editor(browser, app["url"], rid)
    # B opens the segment's text first, A saves while B types: B's save names a stale version
    # (the editors' live updates leave a segment being typed alone).
    click_row(b, "seg011")
    b.keyboard.press("Enter")
    for page, text in ((a, "First annotator's words."), (b, "Second annotator's words.")):
        if page is a:
            click_row(page, "seg011")
            page.keyboard.press("Enter")
        page.fill(".al-edit", text)
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelector('.al-saved').textContent !== ''", timeout=10000)
    assert_conflict_shown(b, wb, "seg011", typed="Second annotator's words.", stored="First annotator's words.")
    b.screenshot(path=str(ARTIFACTS / "editor_conflict.png"))
    ctx_a.close()
    ctx_b.close()


def test_other_peoples_edits_appear_without_reload(app, browser):
    wb, rid = app["wb"], app["rid"]
    ctx_a, a = open_editor(browser, app["url"], rid)
    ctx_b, b = open_editor(browser, app["url"], rid)
    b.evaluate("window.__sameDocument = true")
    # B is typing in seg008 when the others' changes arrive: the typed text must survive.
    click_row(b, "seg008")
    b.keyboard.press("Enter")
    b.fill(".al-edit", "B is still typing this")
    # A, in another browser, corrects seg007
    click_row(a, "seg007")
    a.keyboard.press("Enter")
    a.fill(".al-edit", "Corrected by the other tab.")
    a.keyboard.press("Enter")
    wait_db(a, lambda: seg(wb, "seg007").text == "Corrected by the other tab.", "A's text")
    # someone else (another tool, another user) deletes seg009 and rewrites seg008
    s9, s8 = seg(wb, "seg009"), seg(wb, "seg008")
    wb.apply(rid, [Change.delete(s9), Change.update(dataclasses.replace(s8, text="carol's version"))], "carol", "cleanup")
    b.wait_for_function("document.querySelector('.al-row[data-id=\"seg007\"] .al-text') &&"
                        " document.querySelector('.al-row[data-id=\"seg007\"] .al-text').textContent.includes('Corrected by the other tab.')",
                        timeout=15000)
    b.wait_for_function("!document.querySelector('.al-row[data-id=\"seg009\"]')", timeout=15000)
    assert b.evaluate("window.__sameDocument === true")  # no reload
    assert "Updated: 1 change by carol" in b.locator(".al-toasts").inner_text()  # A is the same user: not announced
    assert b.input_value(".al-edit") == "B is still typing this"  # not overwritten
    b.keyboard.press("Enter")  # saving it meets the conflict, and B's words are shown, not lost
    assert_conflict_shown(b, wb, "seg008", typed="B is still typing this", stored="carol's version")
    b.screenshot(path=str(ARTIFACTS / "editor_live_update.png"))
    ctx_a.close()
    ctx_b.close()


def test_unsaved_text_survives_a_lost_connection_and_a_reload(app, browser):
    """Typed text the server never got is kept in the browser and restored; Esc discards it."""
    wb, rid = app["wb"], app["rid"]
    before = seg(wb, "seg012").text
    ctx, page = open_editor(browser, app["url"], rid)

    def drop_edits(route):  # the connection is gone for edits
        if '"fn_name":"edit"' in (route.request.post_data or "").replace(" ", ""):
            route.abort()
        else:
            route.continue_()

    page.route("**/component_server/**", drop_edits)
    click_row(page, "seg012")
    page.keyboard.press("Enter")
    page.fill(".al-edit", "Words typed while offline.")
    page.keyboard.press("Enter")
    page.wait_for_selector(".al-toast.al-error", timeout=10000)  # the failed save is said, not hidden
    assert seg(wb, "seg012").text == before
    page.unroute("**/component_server/**")
    page.reload()
    page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=20000)
    page.wait_for_function("document.querySelector('.al-toasts').textContent.includes('did not save is kept for 1 segment')",
                           timeout=10000)
    click_row(page, "seg012")
    page.keyboard.press("Enter")
    assert page.input_value(".al-edit") == "Words typed while offline."
    page.keyboard.press("Enter")
    wait_db(page, lambda: seg(wb, "seg012").text == "Words typed while offline.", "the restored text")
    # saved: nothing is kept any more, so a reload restores nothing
    page.reload()
    page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=20000)
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('audiolab.unsaved.')).length") == 0
    # typed then discarded with Esc (it asks first: a second Esc discards): not kept either
    click_row(page, "seg012")
    page.keyboard.press("Enter")
    page.fill(".al-edit", "never mind")
    page.keyboard.press("Escape")
    assert page.locator(".al-edit").count() == 1  # not discarded yet
    page.keyboard.press("Escape")
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('audiolab.unsaved.')).length") == 0
    assert seg(wb, "seg012").text == "Words typed while offline."
    ctx.close()


def test_playback_keys_while_typing(app, browser):
    """Tab plays / pauses (resuming 1 s back) and Shift+Tab goes back 2 s without leaving the text."""
    ctx, page = open_editor(browser, app["url"], app["rid"])
    ed = "window.audiolabEditor"
    click_row(page, "seg004")
    page.keyboard.press("Enter")
    page.keyboard.type(" extra")
    before = page.evaluate(f"{ed}.media().currentTime")
    page.keyboard.press("Tab")
    page.wait_for_function(f"!{ed}.media().paused && {ed}.media().currentTime > {before - 1.2}", timeout=10000)
    assert page.evaluate("document.activeElement.classList.contains('al-edit')")
    page.wait_for_timeout(400)
    page.keyboard.press("Tab")
    page.wait_for_function(f"{ed}.media().paused", timeout=5000)
    paused_at = page.evaluate(f"{ed}.media().currentTime")
    page.keyboard.press("Shift+Tab")
    page.wait_for_function(f"Math.abs({ed}.media().currentTime - {max(0.0, paused_at - 2)}) < 0.05", timeout=5000)
    assert page.input_value(".al-edit").endswith(" extra") and "\t" not in page.input_value(".al-edit")
    assert page.evaluate("document.activeElement.classList.contains('al-edit')")
    page.keyboard.press("Escape")
    ctx.close()


def test_find_and_replace_all_is_one_undo(app, browser):
    """Ctrl+F finds segment by segment; Replace all is one batch that one undo takes back."""
    import re

    wb, rid = app["wb"], app["rid"]
    tier = f"{rid}-transcript"
    wb.apply(rid, [Change.update(dataclasses.replace(seg(wb, "seg000"), text="Hello? New Jersey calling.", words=())),
                   Change.update(dataclasses.replace(seg(wb, "seg006"), text="Back in new jersey, not New Jerseyan.",
                                                     words=()))], "fixture", "find fixture")
    before = {s.id: s.text for s in wb.transcript(rid).segments_of(tier)}
    hits = [sid for sid, text in sorted(before.items(), key=lambda kv: seg(wb, kv[0]).span.start_ms)
            if re.search(r"(?<!\w)new jersey(?!\w)", text, re.IGNORECASE)]
    assert hits[0] == "seg000" and "seg006" in hits and len(hits) >= 2, before
    ctx, page = open_editor(browser, app["url"], rid)
    page.locator(".al-editor").focus()
    page.keyboard.press("Control+f")
    page.wait_for_selector(".al-find-q", state="visible")
    page.keyboard.type("new jersey")
    assert page.locator(".al-find-n").inner_text() == f"{len(hits)} segments"
    assert page.locator(f'.al-row.hit[data-id="{hits[0]}"]').count() == 1  # matching rows are marked
    page.keyboard.press("Enter")
    page.wait_for_function(f"window.audiolabEditor.view.sel === '{hits[0]}'", timeout=5000)
    page.keyboard.press("Enter")
    page.wait_for_function(f"window.audiolabEditor.view.sel === '{hits[1]}'", timeout=5000)
    assert page.locator(".al-find-n").inner_text() == f"2 of {len(hits)} segments"
    page.screenshot(path=str(ARTIFACTS / "editor_find.png"))
    page.fill(".al-find-r", "New Jersey <b>City</b>")
    batches = wb.db.query_one("SELECT COUNT(*) AS n FROM edit_batches")["n"]
    page.click(".al-find-all")
    wait_db(page, lambda: all("New Jersey <b>City</b>" in seg(wb, sid).text for sid in hits), "replaced text")
    assert seg(wb, "seg006").text == "Back in New Jersey <b>City</b>, not New Jerseyan."  # whole words only
    assert wb.db.query_one("SELECT COUNT(*) AS n FROM edit_batches")["n"] == batches + 1  # one batch
    assert {sid: seg(wb, sid).text for sid in before if sid not in hits} == {sid: t for sid, t in before.items() if sid not in hits}
    row = page.locator(f'.al-row[data-id="{hits[0]}"] .al-text')
    page.wait_for_function(f"document.querySelector('.al-row[data-id=\"{hits[0]}\"] .al-text').textContent.includes('<b>City</b>')")
    assert page.locator(f'.al-row[data-id="{hits[0]}"] .al-text b').count() == 0  # text, not markup
    page.keyboard.press("Escape")
    page.locator(".al-editor").focus()
    page.keyboard.press("Control+z")
    wait_db(page, lambda: all(seg(wb, sid).text == before[sid] for sid in hits), "one undo restores every segment")
    assert "New Jersey" in row.inner_text()
    ctx.close()


def test_w_and_b_step_through_low_confidence_words(app, browser):
    wb, rid = app["wb"], app["rid"]
    s4 = seg(wb, "seg004")  # two doubtful words of its own, whatever the other tests did
    toks, step = s4.text.split(), s4.span.duration_ms // max(1, len(s4.text.split()))
    words = tuple(Word(Span(s4.span.start_ms + k * step, s4.span.start_ms + (k + 1) * step), t, 0.2 if k in (0, 2) else 0.95)
                  for k, t in enumerate(toks))
    wb.apply(rid, [Change.update(dataclasses.replace(s4, words=words))], "fixture", "low words")
    low = sorted((w.span.start_ms, s.id) for s in wb.transcript(rid).segments_of(f"{rid}-transcript")
                 for w in s.words if w.probability is not None and w.probability < 0.5)
    assert len(low) >= 2, low
    ctx, page = open_editor(browser, app["url"], rid)
    ed = "window.audiolabEditor"
    page.evaluate(f"{ed}.seek(0)")
    page.locator(".al-editor").focus()
    for key, (start, sid) in (("w", low[0]), ("w", low[1]), ("b", low[0])):
        page.keyboard.press(key)
        page.wait_for_function(f"{ed}.view.sel === '{sid}' && Math.abs({ed}.media().currentTime * 1000 - {start}) < 2",
                               timeout=5000)
    ctx.close()


FRAME_AT = """async (ms) => {
  const ed = window.audiolabEditor, v = ed.media();
  const seeked = new Promise((r) => v.addEventListener("seeked", r, { once: true }));
  const wait = (p) => Promise.race([p, new Promise((r) => setTimeout(r, 3000))]);
  ed.seek(ms); await wait(seeked);
  await wait(new Promise((r) => v.requestVideoFrameCallback(() => r())));
  const c = document.createElement("canvas"); c.width = c.height = 8;
  const g = c.getContext("2d"); g.drawImage(v, 0, 0, 8, 8);
  return g.getImageData(4, 4, 1, 1).data[0];
}"""


@pytest.mark.parametrize("container", ["mp4", "mpegts"])
def test_player_follows_the_audio_when_it_starts_after_the_video(app, browser, tmp_path, container):
    """Audio 0.5 s behind the first frame: seeking to a media time shows the frame the export names."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (Debian package) is needed to make the test video")
    wb = app["wb"]
    video = tmp_path / "v.mp4"
    run = lambda *a: subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *a], check=True, timeout=120)  # noqa: E731
    # black for the first second of video, then white; a tone that starts 0.5 s into the video
    run("-f", "lavfi", "-i", "color=c=black:s=64x64:r=25:d=1", "-f", "lavfi", "-i", "color=c=white:s=64x64:r=25:d=2",
        "-filter_complex", "[0][1]concat=n=2:v=1:a=0,format=yuv420p", "-c:v", "libx264", str(video))
    run("-f", "lavfi", "-i", "sine=f=440:d=3", "-c:a", "aac", str(tmp_path / "a.m4a"))
    out = tmp_path / ("late_audio.mp4" if container == "mp4" else "late_audio.ts")
    run("-i", str(video), "-itsoffset", "0.5", "-i", str(tmp_path / "a.m4a"), "-map", "0:v", "-map", "1:a", "-c", "copy",
        *(["-f", "mpegts"] if container == "mpegts" else []), str(out))
    rec = wb.ingest_file(out).recording
    assert rec.video is not None and -560 <= rec.video.start_offset_ms <= -440
    ctx, page = open_editor(browser, app["url"], rec.id)
    assert page.evaluate("window.audiolabEditor.state.rec.id") == rec.id
    # media 700 ms is video time 700 - offset (about 1.2 s: white); media 300 ms is about 0.8 s (black)
    from audiolab.export.timecode import ms_to_frame_floor

    assert page.evaluate(FRAME_AT, 300) < 60
    assert page.evaluate(FRAME_AT, 700) > 200
    # the timecode shown is the one exports write for that media time
    frame = ms_to_frame_floor(700 - rec.video.start_offset_ms, rec.video.fps)
    assert page.locator(".al-tc").inner_text().strip() == f"00:00:{frame // 25:02d}:{frame % 25:02d}"
    if container == "mp4":  # the browser's clock is the file's timestamps (a proxy moves the earliest stream to 0)
        assert abs(page.evaluate("window.audiolabEditor.media().currentTime * 1000") - (700 + rec.audio_start_ms)) < 5
    ctx.close()


def test_video_word_seek_is_frame_accurate(app, browser):
    ctx, page = open_editor(browser, app["url"], app["vid"])
    ed = "window.audiolabEditor"
    page.wait_for_function(f"{ed}.media().readyState >= 2", timeout=15000)
    assert page.locator(".al-videobox video").count() == 1
    for word, start in (("white", 770), ("two", 1440)):
        page.locator(".al-word", has_text=word).first.click()
        page.wait_for_function(f"!{ed}.media().seeking && Math.abs({ed}.media().currentTime - {start / 1000}) < 0.04",
                               timeout=5000)
        frame = start * 25 // 1000
        assert page.locator(".al-tc").inner_text() == f"00:00:{frame // 25:02d}:{frame % 25:02d}"
        assert page.locator(".al-word.now").inner_text() == word
    page.screenshot(path=str(ARTIFACTS / "editor_video.png"))
    ctx.close()


def test_signed_in_user_is_the_author(tmp_path, browser):
    from audiolab.storage.edits import history
    from audiolab.ui.devserver import serve

    wb = Workbench(tmp_path / "auth.db")
    rid = seed_sample(wb, shared_file("diarization/pyannote_sample.wav"), shared_file("diarization/pyannote_sample.stm"))
    url, demo = serve(wb, auth=("ann", "s3cret-pw"))
    try:
        # The head script's early state request goes through the same sign-in check: no session, no state.
        import json
        import urllib.error
        import urllib.request

        body = json.dumps({"data": {"recording": rid, "width": 800}, "component_id": demo.audiolab_editor_id,
                           "fn_name": "load", "session_hash": "x1"}).encode()
        req = urllib.request.Request(f"{url.rstrip('/')}/gradio_api/component_server/", data=body,
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(req, timeout=10)
        assert denied.value.code == 401
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        page.goto(url)
        page.locator("input").first.fill("ann")
        page.locator("input[type=password]").fill("s3cret-pw")
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        page.goto(f"{url}#rec={rid}")
        page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=20000)
        assert "ann" in page.locator(".al-user").inner_text()
        click_row(page, "seg002")
        page.keyboard.press("r")
        wait_db(page, lambda: seg(wb, "seg002").status == SegmentStatus.REVIEWED, "mark reviewed")
        assert history(wb.db, rid, "seg002")[0].author == "ann"
        # a fresh page load with the session cookie: the state came from the head script's early request
        page.reload()
        page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=20000)
        assert page.evaluate("document.querySelector('[data-prefetched]').dataset.prefetched") == "1"
        assert "ann" in page.locator(".al-user").inner_text()
        ctx.close()
    finally:
        demo.close()


def test_spectrogram_of_the_visible_window(app, browser):
    ctx, page = open_editor(browser, app["url"], app["rid"])
    ed = "window.audiolabEditor"
    assert page.locator(".al-spec").is_hidden()
    page.keyboard.press("g")
    page.wait_for_function(f"{ed}.spectrogram.img !== null && !{ed}.spectrogram.msg", timeout=10000)
    assert page.locator(".al-spec").is_visible() and page.locator(".al-specbtn.on").count() == 1
    # the pixels right of the gutter are drawn from the image: many distinct, mostly non-black colours
    stats = page.evaluate("""() => {
      const c = document.querySelector('.al-spec'), d = c.getContext('2d').getImageData(
        Math.round(110 * devicePixelRatio), 0, c.width - Math.round(110 * devicePixelRatio), c.height).data;
      let lit = 0; const colours = new Set();
      for (let i = 0; i < d.length; i += 4) { if (d[i] + d[i + 1] + d[i + 2] > 60) lit++; colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]); }
      return { lit: lit / (d.length / 4), colours: colours.size }; }""")
    assert stats["lit"] > 0.3 and stats["colours"] > 50, stats
    page.screenshot(path=str(ARTIFACTS / "editor_spectrogram.png"))
    page.click(".al-helpbtn")
    assert "Spectrogram" in page.locator(".al-keys").inner_text()
    page.keyboard.press("Escape")
    page.click(".al-specbtn")
    assert page.locator(".al-spec").is_hidden()
    ctx.close()


def test_long_transcript_is_virtualized(app, tmp_path, browser):
    """Only the rows near the view are in the DOM; scrolling to the end shows the last segment."""
    import numpy as np
    import soundfile as sf

    wav = tmp_path / "long.wav"
    sf.write(wav, (np.random.default_rng(0).standard_normal(16000 * 60) * 0.05).astype(np.float32), 16000)
    wb = app["wb"]
    rec = wb.ingest_file(wav).recording
    n = 400
    changes = [Change.create(Segment(id=f"long{i:03d}", recording_id=rec.id, tier_id=f"{rec.id}-transcript",
                                     span=Span(i * 150, i * 150 + 140), text=f"line {i} " + "word " * (i % 7),
                                     origin=Origin.IMPORT, status=SegmentStatus.DRAFT)) for i in range(n)]
    wb.apply(rec.id, changes, "fixture", "seed")
    ctx, page = open_editor(browser, app["url"], rec.id)
    rows = page.locator(".al-rows .al-row")
    assert 0 < rows.count() < n // 4
    assert page.locator('.al-row[data-id="long399"]').count() == 0
    for _ in range(3):  # heights measured on the way down correct the estimate: scroll to the end again
        page.evaluate("() => { const b = document.querySelector('.al-rows'); b.scrollTop = b.scrollHeight; }")
        page.wait_for_timeout(100)
    last = page.locator('.al-row[data-id="long399"]')
    assert last.is_visible() and "line 399" in last.inner_text()
    box, row = (page.evaluate(f"document.querySelector('{s}').getBoundingClientRect().bottom")
                for s in (".al-rows", '.al-row[data-id="long399"]'))
    assert abs(box - row) < 12  # the spacers add up: the last row ends where the pane does
    assert 0 < rows.count() < n // 4
    # a segment far from the rendered rows is selected (review-queue link): its row is built and shown
    page.evaluate(f"location.hash = 'rec={rec.id}&seg=long150'")
    page.wait_for_selector('.al-row.sel[data-id="long150"]', timeout=5000)
    assert page.locator('.al-row[data-id="long150"]').is_visible()
    page.keyboard.press("ArrowDown")  # keyboard next
    page.wait_for_selector('.al-row.sel[data-id="long151"]', timeout=5000)
    assert page.locator(".al-row.sel").count() == 1 and 0 < rows.count() < n // 4
    ctx.close()
