"""The Dashboard tab: per-annotator throughput, edits, agreement and gold scores for a project,
and how much correction each pre-labeling model and setting left.

Numbers come from :func:`review.annotator_stats` and :func:`model_scores.model_scores` (computed
on each refresh from the stored history); the tables hold all of them and the bar charts show the
ones people compare at a glance. Every refresh checks on the server that the signed-in user is a
reviewer or manager.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from audiolab.errors import AudiolabError
from audiolab.services import Workbench
from audiolab.services import model_scores as ms
from audiolab.services import review as rv
from audiolab.ui.review import reviewer_of

COLUMNS = ["person", "role", "assigned", "submitted", "audio min", "work h", "audio min/h",
           "segs edited", "sessions", "agree WER", "agree DER", "gold WER", "gold DER"]
MODEL_COLUMNS = ["model", "settings", "runs", "recordings", "WER", "DER", "word boundary ms", "reference words",
                 "speech s", "against"]
PLOTS = [("audio min/h", "Throughput: audio minutes per hour of work"), ("segs edited", "Segments edited"),
         ("agree WER", "Disagreement with the other annotators (WER %)"), ("gold WER", "Error against gold (WER %)")]


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def stats_frame(wb: Workbench, project: str) -> pd.DataFrame:
    """One row per annotator (error rates in percent)."""
    rows = [[s.annotator, s.role, s.assignments, s.submitted, round(s.audio_minutes, 2), round(s.work_hours, 2),
             None if s.throughput is None else round(s.throughput, 1), s.segments_edited, s.sessions,
             _pct(s.agreement_wer), _pct(s.agreement_der), _pct(s.gold_wer), _pct(s.gold_der)]
            for s in rv.annotator_stats(wb, project)]
    return pd.DataFrame(rows, columns=COLUMNS)


def models_frame(wb: Workbench, project: str) -> pd.DataFrame:
    """One row per pre-labeling model and settings, best first (error rates in percent)."""
    rows = [[m.model, m.label, m.runs, m.recordings, _pct(m.wer), _pct(m.der),
             None if m.word_boundary_ms is None else round(m.word_boundary_ms), m.reference_words, round(m.speech_s),
             ", ".join(f"{n} {k}" for k, n in sorted(m.references.items()))]
            for m in ms.model_scores(wb, project).models]
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def _bar_data(df: pd.DataFrame, column: str, title: str) -> dict:
    """One plot's value, y range and title: one column, annotators only, from zero (so equal-looking
    bars are equal)."""
    who = df[df["role"] == "annotator"] if len(df) else df
    out = who[["person", column]].dropna().rename(columns={"person": "annotator", column: "value"})
    out = out.astype({"value": float})
    top = float(out["value"].max()) if len(out) else 1.0
    return {"value": out, "y_lim": [0, max(top * 1.1, 1e-6)], "title": title if len(out) else f"{title}: no data yet"}


def _bars(df: pd.DataFrame, column: str, title: str) -> gr.BarPlot:
    return gr.BarPlot(**_bar_data(df, column, title))


def _empty() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=MODEL_COLUMNS)


def refresh_values(wb: Workbench, project: str | None, user: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The note, the people table and the models table for ``project`` as ``user`` may see them
    (a reviewer or manager)."""
    try:
        rv.require_role(wb, user, rv.REVIEWERS)
        df = stats_frame(wb, project or "default")
        models = models_frame(wb, project or "default")
    except AudiolabError as exc:
        return f"**{exc}**", *_empty()
    msg = f"{len(df)} people with work in project `{project or 'default'}`." if len(df) else \
        "No assignments or edits in this project yet."
    if len(models):
        msg += f" {int(models['runs'].sum())} pre-labeling runs scored against corrected versions."
    return msg, df, models


def build_dashboard(wb: Workbench, tab: gr.Tab | None = None, user: str | None = None) -> None:
    """Lay out the dashboard inside the current Blocks context; it refreshes when ``tab`` is selected.

    Args:
        wb: The workbench.
        tab: Selecting it refreshes the numbers.
        user: When given (the app builds the tab on its first selection, for a signed-in reviewer),
            the numbers are filled in at once, after checking the role again.
    """
    msg, df, models = refresh_values(wb, "default", user) if user else ("", *_empty())
    with gr.Row():
        project = gr.Dropdown(choices=_projects(wb), value="default", allow_custom_value=True, label="Project", scale=2,
                              interactive=True)
        refresh = gr.Button("Refresh", scale=0, min_width=100)
        note = gr.Markdown(msg)
    table = gr.Dataframe(value=df, headers=COLUMNS, interactive=False, label="People (error rates in %)", wrap=False,
                         elem_id="audiolab-dashboard-table")
    plots = []
    for i in range(0, len(PLOTS), 2):
        with gr.Row():
            plots += [gr.BarPlot(x="annotator", y="value", y_title=col, height=260,
                                 **(_bar_data(df, col, title) if user else {"title": title}))
                      for col, title in PLOTS[i:i + 2]]
    model_table = gr.Dataframe(value=models, headers=MODEL_COLUMNS, interactive=False, wrap=False,
                               label="Pre-labeling models against the corrected versions (error rates in %, best first; "
                                     "settings: what differs between rows)",
                               elem_id="audiolab-dashboard-models")

    def on_refresh(proj: str | None, request: gr.Request):
        try:
            msg, df, models = refresh_values(wb, proj, reviewer_of(wb, request))
        except AudiolabError as exc:  # not signed in, or not a reviewer or manager
            msg, (df, models) = f"**{exc}**", _empty()
        return msg, df, models, *[_bars(df, col, title) for col, title in PLOTS]

    outs = [note, table, model_table, *plots]
    refresh.click(on_refresh, inputs=project, outputs=outs)
    project.change(on_refresh, inputs=project, outputs=outs)
    if tab is not None:
        tab.select(on_refresh, inputs=project, outputs=outs)


def _projects(wb: Workbench) -> list[str]:
    return sorted({r.project for r in wb.recordings()} | {"default"})
