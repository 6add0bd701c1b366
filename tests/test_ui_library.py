"""Browser test of the Library tab: ingest a server path, pre-label it with the real models, open it
in the editor and export it, all through the real app in headless Chromium; the database and the
downloaded files are the judges."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiolab.core.model import RecordingStatus
from audiolab.services import Workbench
from tests.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from audiolab.ui.devserver import serve

    wb = Workbench(tmp_path_factory.mktemp("library") / "library.db")
    url, demo = serve(wb)
    yield {"wb": wb, "url": url}
    demo.close()


def grid_text(page) -> str:
    return page.locator("#al-lib-grid").inner_text()


def grid_row(page, name: str) -> dict[str, str]:
    """The Recordings table's row of the file ``name``, as {header: cell text}."""
    rows = page.evaluate("Array.from(document.querySelectorAll('#al-lib-grid [role=row]'))"
                         ".map(r => Array.from(r.querySelectorAll('[role=gridcell], td, th')).map(c => c.innerText.trim()))")
    head = rows[0]
    for r in rows[1:]:
        if name in r:
            return dict(zip(head, r))
    raise AssertionError(f"{name} is not listed: {rows}")


def status_text(page) -> str:
    return page.locator("#al-lib-status textarea").input_value()


def export_as(page, fmt: str, tmp_path: Path) -> str:
    """Choose ``fmt`` in the export panel, export, download the file the panel offers; its text."""
    dd = page.locator("#al-lib-format input")
    dd.click()
    dd.fill(fmt)
    page.locator("ul[role=listbox] li[role=option]", has_text=f"{fmt}:").first.click()
    page.locator("#al-lib-export-btn").click()
    wait_until(page, lambda: status_text(page) == f"Exported speech.{fmt}" or "failed" in status_text(page),
               f"{fmt} export")
    assert status_text(page) == f"Exported speech.{fmt}", status_text(page)
    link = page.locator(f'#al-lib-file a[download="speech.{fmt}"]').first
    link.wait_for(timeout=10000)
    with page.expect_download() as info:
        link.click()
    target = tmp_path / f"download.{fmt}"
    info.value.save_as(target)
    return target.read_text(encoding="utf-8")


def test_ingest_prelabel_open_export(app, browser, speech_wav, tmp_path):
    wb = app["wb"]
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    page.goto(app["url"])
    page.wait_for_function("window.audiolabEditor !== undefined", timeout=20000)
    page.get_by_role("tab", name="Library").click()

    # ingest a path on the server: listed with its duration and status "new"
    page.locator("#al-lib-path textarea, #al-lib-path input").first.fill(str(speech_wav))
    page.locator("#al-lib-path-btn").click()
    wait_until(page, lambda: "speech.wav" in grid_text(page), "the ingested file in the table")
    rec = wb.recordings()[0]
    assert status_text(page) == f"speech.wav: added ({rec.id})"
    dur = rec.duration_ms // 1000
    row = grid_row(page, "speech.wav")
    assert row["ID"] == rec.id and row["Duration"] == f"0:00:{dur:02d}" and row["Status"] == "new", row
    assert page.locator("#al-lib-pick input").input_value().endswith(f"[{rec.id}]")

    # pre-label from the UI: the progress bar shows, then the status and the database change
    page.evaluate("""() => { window.alSeen = new Set(); const box = document.querySelector('#al-lib-status');
      new MutationObserver(() => { const p = box.querySelector('.progress-level');
        if (p) window.alSeen.add(p.innerText.replace(/\\s+/g, ' ').trim()); })
        .observe(box, {subtree: true, childList: true, characterData: true}); }""")
    page.locator("#al-lib-prelabel-btn").click()
    page.locator("#al-lib-status .progress-level").first.wait_for(timeout=20000)
    page.screenshot(path=str(ARTIFACTS / "library_prelabel_progress.png"))
    wait_until(page, lambda: status_text(page).startswith(("Pre-labeling done", "Pre-labeling failed")),
               "pre-labeling to finish", timeout_s=60)
    assert status_text(page).startswith("Pre-labeling done: run "), status_text(page)
    seen = page.evaluate("Array.from(window.alSeen)")
    print("progress seen:", seen)
    assert any(step in text for text in seen for step in ("loading models", "asr", "segmentation", "embeddings")), seen
    wait_until(page, lambda: grid_row(page, "speech.wav")["Status"] == "pre-labeled", "status pre-labeled")
    assert grid_row(page, "speech.wav")["Segments"] == str(len(wb.transcript(rec.id).segments))
    assert wb.recording(rec.id).status == RecordingStatus.PRELABELED
    segments = wb.transcript(rec.id).segments
    assert segments and "test" in " ".join(s.text for s in segments).lower()
    page.screenshot(path=str(ARTIFACTS / "library.png"))

    # open it in the editor: the editor tab shows this recording's segments
    page.locator("#al-lib-open-btn").click()
    page.wait_for_function(f"window.audiolabEditor.view.ready && window.audiolabEditor.state.rec.id === '{rec.id}'",
                           timeout=20000)
    page.locator(".al-editor").wait_for(state="visible", timeout=10000)  # the tab switch follows the open
    assert page.locator(".al-row").count() == len(segments)
    page.wait_for_function(f"document.querySelector('.al-recsel').value === '{rec.id}'", timeout=5000)
    page.screenshot(path=str(ARTIFACTS / "library_opened.png"))

    # export from the export panel (video and timecode options left at their defaults)
    page.get_by_role("tab", name="Library").click()
    page.locator("#al-lib-export-acc").get_by_text("Export", exact=True).first.click()
    vtt = export_as(page, "vtt", tmp_path)
    assert vtt.startswith("WEBVTT")
    first = min(segments, key=lambda s: s.span.start_ms)
    assert first.text.strip() in vtt and "-->" in vtt
    srt = export_as(page, "srt", tmp_path)
    assert srt.lstrip("\ufeff").startswith("1\n") and first.text.strip() in srt
    assert "," in srt.splitlines()[1] and "-->" in srt.splitlines()[1]  # SRT times use a comma
    page.screenshot(path=str(ARTIFACTS / "library_export.png"))
    ctx.close()


def choose_recording(page, rec_id: str) -> None:
    dd = page.locator("#al-lib-pick input")
    dd.click()
    dd.fill(rec_id)
    page.locator("ul[role=listbox] li[role=option]", has_text=rec_id).first.click()


def test_import_a_file_from_the_library(app, browser, speech_wav, tmp_path):
    wb = app["wb"]
    rec = wb.ingest_file(speech_wav).recording
    good = tmp_path / "cues.srt"
    good.write_text("1\n00:00:00,200 --> 00:00:01,000\nAnn: Hello there.\n\n2\n00:00:01,100 --> 00:00:02,400\n"
                    "Ben: <b>This</b> is a test.\n", encoding="utf-8")
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:02,000 --> 00:00:01,000\nbackwards\n", encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    page.goto(app["url"])
    page.wait_for_function("window.audiolabEditor !== undefined", timeout=20000)
    page.get_by_role("tab", name="Library").click()
    choose_recording(page, rec.id)
    page.locator("#al-lib-import-acc").get_by_text("Import", exact=True).first.click()

    def import_file(path: Path) -> str:
        clear = page.locator("#al-lib-import-file button[aria-label='Clear']")
        if clear.count():  # a file is already chosen: take it away first
            clear.first.click()
        page.locator("#al-lib-import-file input[type=file]").set_input_files(str(path))
        page.wait_for_timeout(300)
        page.evaluate("() => { document.querySelector('#al-lib-status textarea').value = ''; }")
        page.locator("#al-lib-import-btn").click()
        wait_until(page, lambda: status_text(page).startswith(("Imported", "Import failed")), f"import of {path.name}")
        return status_text(page)

    counts = lambda: wb.db.query_one("SELECT COUNT(*) AS n FROM segments")["n"]  # noqa: E731
    before = counts()
    msg = import_file(bad)
    assert msg.startswith("Import failed, nothing was written: bad.srt:2: cue ends before it starts"), msg
    assert counts() == before
    page.locator("#al-lib-import-as").get_by_text("reference (gold)").click()
    msg = import_file(good)
    assert msg.startswith("Imported 2 segments and 0 tags from cues.srt into 'reference: cues.srt'"), msg
    t = wb.transcript(rec.id)
    tier = next(x for x in t.tiers if x.name == "reference: cues.srt")
    got = [(s.span.start_ms, s.span.end_ms, s.text) for s in t.segments_of(tier.id)]
    assert got == [(200, 1000, "Hello there."), (1100, 2400, "This is a test.")], got
    # the table counts the working copy only, not the imported reference
    page.locator("#al-lib-grid").wait_for()
    main = t.main_tier()
    assert grid_row(page, "speech.wav")["Segments"] == str(len(t.segments_of(main.id)) if main else 0)
    page.screenshot(path=str(ARTIFACTS / "library_import.png"))
    ctx.close()
