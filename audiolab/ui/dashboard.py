"""The Dashboard tab: per-annotator throughput, edits, agreement and gold scores for a project.

Numbers come from :func:`review.annotator_stats`; the table holds all of them and the bar
charts show the ones people compare at a glance. Every refresh checks on the server that the
signed-in user is a reviewer or manager.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from audiolab.errors import AudiolabError
from audiolab.services import Workbench
from audiolab.services import review as rv
from audiolab.ui.review import reviewer_of

COLUMNS = ["annotator", "role", "assignments", "submitted", "audio min", "work h", "audio min / h",
           "segments edited", "sessions", "agreement WER", "agreement DER", "gold WER", "gold DER"]


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def stats_frame(wb: Workbench, project: str) -> pd.DataFrame:
    """One row per annotator (error rates in percent)."""
    rows = [[s.annotator, s.role, s.assignments, s.submitted, round(s.audio_minutes, 2), round(s.work_hours, 2),
             None if s.throughput is None else round(s.throughput, 1), s.segments_edited, s.sessions,
             _pct(s.agreement_wer), _pct(s.agreement_der), _pct(s.gold_wer), _pct(s.gold_der)]
            for s in rv.annotator_stats(wb, project)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _bars(df: pd.DataFrame, column: str) -> pd.DataFrame:
    out = df[["annotator", column]].dropna()
    return out.rename(columns={column: "value"}).astype({"value": float})


def build_dashboard(wb: Workbench, tab: gr.Tab | None = None) -> None:
    """Lay out the dashboard inside the current Blocks context; it refreshes when ``tab`` is selected."""
    with gr.Row():
        project = gr.Dropdown(choices=_projects(wb), value="default", allow_custom_value=True, label="Project", scale=2)
        refresh = gr.Button("Refresh", scale=0, min_width=100)
        note = gr.Markdown("")
    table = gr.Dataframe(headers=COLUMNS, interactive=False, label="Annotators (error rates in %)", wrap=True)
    with gr.Row():
        thr = gr.BarPlot(x="annotator", y="value", title="Throughput: audio minutes per hour of work",
                         y_title="audio min / h", height=260)
        edited = gr.BarPlot(x="annotator", y="value", title="Segments edited", y_title="segments", height=260)
    with gr.Row():
        agree = gr.BarPlot(x="annotator", y="value", title="Disagreement with other annotators (WER %)",
                           y_title="WER %", height=260)
        gold = gr.BarPlot(x="annotator", y="value", title="Error against gold (WER %)", y_title="WER %", height=260)

    def on_refresh(proj: str | None, request: gr.Request):
        try:
            reviewer_of(wb, request)
            df = stats_frame(wb, proj or "default")
        except AudiolabError as exc:
            empty = pd.DataFrame({"annotator": [], "value": []})
            return f"**{exc}**", pd.DataFrame(columns=COLUMNS), empty, empty, empty, empty
        msg = f"{len(df)} people with work in project `{proj or 'default'}`." if len(df) else \
            "No assignments or edits in this project yet."
        return (msg, df, _bars(df, "audio min / h"), _bars(df, "segments edited"), _bars(df, "agreement WER"),
                _bars(df, "gold WER"))

    outs = [note, table, thr, edited, agree, gold]
    refresh.click(on_refresh, inputs=project, outputs=outs)
    project.change(on_refresh, inputs=project, outputs=outs)
    if tab is not None:
        tab.select(on_refresh, inputs=project, outputs=outs)


def _projects(wb: Workbench) -> list[str]:
    return sorted({r.project for r in wb.recordings()} | {"default"})
