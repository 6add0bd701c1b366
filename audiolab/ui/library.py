"""The Library tab: recordings with their status and progress; ingest, pre-label, open, export, import.

Pre-labeling, finding sound events, exporting and importing run through their services
(:mod:`audiolab.services.prelabel`, :mod:`audiolab.services.events`,
:mod:`audiolab.services.exporting`), which every build has.
"""

from __future__ import annotations

import contextlib
import contextvars
import filecmp
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from audiolab.core.model import new_id
from audiolab.errors import AudiolabError
from audiolab.export import ExportOptions
from audiolab.export.timecode import parse_fps
from audiolab.services import Workbench, access
from audiolab.services.events import detect_candidates
from audiolab.services.exporting import export_recording, format_choices, import_file
from audiolab.services.prelabel import PrelabelOptions, prelabel
from audiolab.ui import editor_api
from audiolab.ui.editor import current_user

HEADERS = ["ID", "Name", "Duration", "Status", "Corrected", "Segments", "Video"]
# Every column but the name has a fixed width that holds its header and values on one line; the
# name takes the rest (wrapping a long one), so at 1500 px nothing is cut.
COLUMN_WIDTHS = ["118px", "auto", "86px", "112px", "94px", "92px", "62px"]
OPEN_JS = "(r) => { if (r) { location.hash = 'rec=' + encodeURIComponent(r); } return r; }"


def _dur(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


NAME_CHARS = 64  # a longer file name is shortened in the middle in the table (the picker has it whole)


def short_name(name: str, limit: int = NAME_CHARS) -> str:
    """``name`` cut in the middle to ``limit`` characters, keeping its start and its extension.

    >>> short_name("a_rather_long_recording_name_from_the_field_interviews_2024_session_07.wav", 40)
    'a_rather_long_recording_na…ession_07.wav'
    """
    if len(name) <= limit:
        return name
    tail = max(8, limit // 3)
    return name[:limit - tail - 1] + "…" + name[-tail:]


def table(wb: Workbench) -> list[list[Any]]:
    return [[r["id"], short_name(r["name"]), _dur(r["duration_ms"]), r["status"], f"{r['progress']:.0%}", r["segments"],
             "yes" if r["video"] else ""] for r in editor_api.library_rows(wb)]


def choices(wb: Workbench) -> list[tuple[str, str]]:
    return [(f"{r['name']}  [{r['id']}]", r["id"]) for r in editor_api.library_rows(wb)]


def thread_safe_progress(progress: Any) -> Callable[[float, str], None]:
    """A ``(fraction, step)`` reporter that reaches the page from any thread.

    ``gr.Progress`` finds its event through context variables, which threads started by a pipeline
    (pre-labeling diarizes in a thread of its own) do not inherit: calls from them were silently
    dropped. The handler's context is captured here and each report runs in a copy of it.
    """
    ctx = contextvars.copy_context()

    def report(fraction: float, step: str) -> None:
        ctx.copy().run(progress, min(1.0, max(0.0, fraction)), desc=step)

    return report


def build_library(wb: Workbench, tabs: gr.Tabs) -> None:
    """Lay out the Library tab's widgets inside the current Blocks context."""
    # The table spans the tab's width (its columns stay whole at 1500 px); the actions below it.
    grid = gr.Dataframe(value=table(wb), headers=HEADERS, interactive=False, label="Recordings (click a row to choose it)",
                        datatype=["str"] * len(HEADERS), wrap=True, elem_id="al-lib-grid",
                        column_widths=COLUMN_WIDTHS)
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                pick = gr.Dropdown(choices=choices(wb), label="Recording", scale=3, elem_id="al-lib-pick",
                                   interactive=True)
                open_btn = gr.Button("Open in editor", variant="primary", scale=1, elem_id="al-lib-open-btn")
                pre_btn = gr.Button("Pre-label", scale=1, elem_id="al-lib-prelabel-btn")
                events_btn = gr.Button("Find sound events", scale=1, elem_id="al-lib-events-btn")
                refresh = gr.Button("Refresh", scale=0, min_width=80)
            status = gr.Textbox(label="Status", interactive=False, lines=2, elem_id="al-lib-status")
        with gr.Column(scale=2):
            upload = gr.File(label="Upload media", file_count="multiple")
            up_btn = gr.Button("Ingest uploads")
            server_path = gr.Textbox(label="Or a file or folder on the server", placeholder="/data/interviews",
                                     elem_id="al-lib-path")
            path_btn = gr.Button("Ingest path", elem_id="al-lib-path-btn")
            # interactive=True: built on the tab's first selection (app.lazy_tab), Gradio 6.31 otherwise
            # shows the dropdowns and radios inside this closed accordion disabled
            with gr.Accordion("Export", open=False, elem_id="al-lib-export-acc"):
                fmt_choices = format_choices()
                fmt = gr.Dropdown(choices=fmt_choices, value=fmt_choices[0][1] if fmt_choices else None, label="Format",
                                  elem_id="al-lib-format", interactive=True)
                with gr.Row():
                    fps = gr.Textbox(label="fps (e.g. 25, 30000/1001)", placeholder="from the video")
                    start_tc = gr.Textbox(label="Start timecode", placeholder="from the video")
                with gr.Row():
                    drop = gr.Dropdown(choices=["auto", "drop-frame", "non-drop"], value="auto", label="Timecode",
                                       interactive=True)
                    clock = gr.Radio(choices=["media", "video"], value="media", label="Clock", interactive=True)
                    snap = gr.Checkbox(label="Snap to frames")
                exp_btn = gr.Button("Export", elem_id="al-lib-export-btn")
                exp_file = gr.File(label="Exported file", interactive=False, elem_id="al-lib-file")
            with gr.Accordion("Import", open=False, elem_id="al-lib-import-acc"):
                imp_file = gr.File(label="SRT, WebVTT, RTTM, TextGrid, EAF, STM, audiolab JSON or Label Studio file",
                                   file_count="single", elem_id="al-lib-import-file")
                with gr.Row():
                    imp_as = gr.Radio(choices=[("draft (the working copy)", "draft"), ("reference (gold)", "reference")],
                                      value="draft", label="Import as", interactive=True, elem_id="al-lib-import-as")
                    imp_clock = gr.Radio(choices=["media", "video"], value="media", label="Its times are in",
                                         interactive=True, elem_id="al-lib-import-clock")
                with gr.Row():
                    imp_fps = gr.Textbox(label="fps it was exported with", placeholder="from the video")
                    imp_tc = gr.Textbox(label="Its start timecode", placeholder="from the video", elem_id="al-lib-import-tc")
                imp_replace = gr.Checkbox(value=True, label="Replace the untouched draft (segments no one edited that the "
                                          "file overlaps; human-edited ones are kept) and map its speakers",
                                          elem_id="al-lib-import-replace", interactive=True)
                # the result shows next to the button (and as a notice at the top of the window), not only
                # in the Status box at the top of the tab, out of sight from here
                imp_msg = gr.Textbox(label="Import result", interactive=False, lines=2, elem_id="al-lib-import-msg")
                imp_btn = gr.Button("Import into the recording", elem_id="al-lib-import-btn")

    def _refresh(selected: str | None = None):
        ch = choices(wb)
        value = selected if selected in {c[1] for c in ch} else (ch[-1][1] if ch else None)
        return table(wb), gr.Dropdown(choices=ch, value=value, interactive=True)

    def ingest(paths: list[str], user: str, uploaded: bool) -> tuple[str, str | None, list[str]]:
        """Ingest as ``user``; returns the report, the last recording added and the paths refused."""
        results = wb.ingest(paths, project="default", actor=user, uploaded=uploaded)
        lines = []
        last = None
        for r in results:
            if r.ok and r.recording is not None:
                last = r.recording.id
                lines.append(f"{Path(r.path).name}: {'already in the library' if r.existed else 'added'} ({r.recording.id})")
            else:
                lines.append(f"{Path(r.path).name}: {r.error}")
        return "\n".join(lines) or "no media files found", last, [r.path for r in results if not r.ok]

    def on_upload(files: list[Any] | None, request: gr.Request):
        if not files:
            return "Choose files to upload first.", *_refresh()
        try:
            user = current_user(request)
            access.require_role(wb.db, user, access.REVIEWER_ROLES, "add recordings")
        except AudiolabError as exc:
            return f"Upload refused: {exc}", *_refresh()
        dest = wb.db.cache_dir / "uploads"
        dest.mkdir(parents=True, exist_ok=True)
        kept = []
        for f in files:
            src = Path(getattr(f, "name", f))
            target = dest / src.name
            if target.exists() and not filecmp.cmp(src, target, shallow=False):
                target = dest / new_id()[:12] / src.name  # another file of the same name: keep both
                target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                shutil.copyfile(src, target)
            kept.append(str(target))
        try:
            msg, last, refused = ingest(kept, user, uploaded=True)
        except AudiolabError as exc:
            msg, last, refused = f"Upload refused: {exc}", None, kept
        for bad in map(Path, refused):  # a rejected upload leaves nothing behind in the cache
            bad.unlink(missing_ok=True)
            if bad.parent != dest:
                with contextlib.suppress(OSError):
                    bad.parent.rmdir()
        return msg, *_refresh(last)

    def on_path(path: str, request: gr.Request):
        if not path.strip():
            return "Type a server path first.", *_refresh()
        try:
            msg, last, _ = ingest([path.strip()], current_user(request), uploaded=False)
        except AudiolabError as exc:
            return f"Refused: {exc}", *_refresh()
        return msg, *_refresh(last)

    def on_prelabel(rec_id: str | None, request: gr.Request, progress=gr.Progress()):
        if not rec_id:
            return "Choose a recording first.", *_refresh()
        try:
            user = current_user(request)
        except AudiolabError as exc:
            return f"Pre-labeling refused: {exc}", *_refresh(rec_id)
        report = thread_safe_progress(progress)
        report(0.0, "loading models")

        def cb(*args: Any) -> None:
            if len(args) >= 3:
                done, total, step = args[:3]
                report(float(done) / float(total) if total else 0.0, str(step))
            elif len(args) == 2:
                report(float(args[0]), str(args[1]))

        try:
            run = prelabel(wb, rec_id, PrelabelOptions(), progress=cb, actor=user)
        except AudiolabError as exc:
            return f"Pre-labeling failed: {exc}", *_refresh(rec_id)
        return f"Pre-labeling {run.status}: run {run.id}", *_refresh(rec_id)

    def on_events(rec_id: str | None, request: gr.Request, progress=gr.Progress()):
        """Sound-event candidates ("?" proposals) for the chosen recording, as one undoable batch."""
        if not rec_id:
            return "Choose a recording first.", *_refresh()
        report = thread_safe_progress(progress)
        try:
            res = detect_candidates(wb, rec_id, progress=lambda done, total, step: report(done / total, step),
                                    by=current_user(request))
        except AudiolabError as exc:
            return f"Finding sound events failed: {exc}", *_refresh(rec_id)
        kept = f"; {res.kept} tags people made or answered kept" if res.kept else ""
        return (f"{len(res.candidates)} sound-event candidates found (speech from {res.speech_source}){kept}: "
                "label or dismiss them in the editor (E steps through them)."), *_refresh(rec_id)

    def on_export(rec_id: str | None, fmt_name: str | None, fps_s: str, tc: str, drop_s: str, clock_s: str, snap_b: bool,
                  request: gr.Request):
        if not rec_id or not fmt_name:
            return None, "Choose a recording and a format."
        try:
            user = current_user(request)
            opts = ExportOptions(
                fps=parse_fps(fps_s) if fps_s.strip() else None,
                drop_frame=None if drop_s == "auto" else drop_s == "drop-frame",
                start_tc=tc.strip() or None, clock=clock_s, snap_to_frames=bool(snap_b))
            out_dir = Path(tempfile.mkdtemp(prefix="audiolab-export-"))
            path = export_recording(wb, rec_id, fmt_name, out_dir, opts, actor=user)
        except (AudiolabError, ValueError, ZeroDivisionError) as exc:
            return None, f"Export failed: {exc}"
        return str(path), f"Exported {Path(path).name}"

    def on_import(rec_id: str | None, file: Any, as_: str, clock_s: str, fps_s: str, tc: str, replace: bool,
                  request: gr.Request):
        """The result goes to the Status box and under the Import button, where the user looks."""
        msg = import_message(rec_id, file, as_, clock_s, fps_s, tc, replace, request)
        (gr.Info if msg.startswith("Imported") else gr.Warning)(msg)
        return msg, msg, *_refresh(rec_id)

    def import_message(rec_id: str | None, file: Any, as_: str, clock_s: str, fps_s: str, tc: str, replace: bool,
                       request: gr.Request) -> str:
        if not rec_id or not file:
            return "Choose a recording and a file to import."
        path = Path(getattr(file, "name", file))
        try:
            author = current_user(request)
            time = ExportOptions(fps=parse_fps(fps_s) if fps_s.strip() else None, start_tc=tc.strip() or None,
                                 clock=clock_s)
            res = import_file(wb, path, rec_id, as_=as_, author=author, time=time,
                              replace_drafts=bool(replace) and as_ == "draft")
        except (AudiolabError, ValueError, ZeroDivisionError) as exc:
            # the upload's temporary folder means nothing to the user: name the file
            return f"Import failed, nothing was written: {str(exc).replace(str(path), path.name)}"
        done = (f"Imported {res.segments} segments and {res.tags} tags from {path.name} into '{res.tier.name}' "
                f"({res.speakers_created} new speakers)")
        if res.replaced or res.kept or res.speakers_named:
            done += (f"; replaced {res.replaced} untouched draft segments, kept the human-edited ones "
                     f"({res.kept} of the file's segments left out there), {res.speakers_named} speakers named")
        return done + "; one undo in the editor takes it back."

    def on_grid_select(evt: gr.SelectData):
        """A click on a row of the table chooses that recording in the picker."""
        row = evt.row_value if isinstance(evt.row_value, list) else None
        if not row:
            index = evt.index if isinstance(evt.index, (list, tuple)) else [evt.index]
            rows = table(wb)
            row = rows[index[0]] if index and isinstance(index[0], int) and index[0] < len(rows) else None
        ch = choices(wb)
        rec_id = str(row[0]) if row else None
        if rec_id not in {c[1] for c in ch}:
            return gr.Dropdown()
        return gr.Dropdown(choices=ch, value=rec_id, interactive=True)

    outs = [status, grid, pick]
    refresh.click(lambda r: _refresh(r), inputs=pick, outputs=[grid, pick])
    up_btn.click(on_upload, inputs=upload, outputs=outs)
    path_btn.click(on_path, inputs=server_path, outputs=outs)
    pre_btn.click(on_prelabel, inputs=pick, outputs=outs, show_progress_on=status)
    events_btn.click(on_events, inputs=pick, outputs=outs, show_progress_on=status)
    exp_btn.click(on_export, inputs=[pick, fmt, fps, start_tc, drop, clock, snap], outputs=[exp_file, status])
    imp_btn.click(on_import, inputs=[pick, imp_file, imp_as, imp_clock, imp_fps, imp_tc, imp_replace],
                  outputs=[imp_msg, *outs])
    grid.select(on_grid_select, outputs=pick, show_progress="hidden")
    open_btn.click(None, inputs=pick, outputs=None, js=OPEN_JS).then(
        lambda: gr.Tabs(selected="editor"), outputs=tabs)
