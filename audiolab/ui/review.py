"""The Review tab: annotators' versions side by side, adjudication, accept/reject, the risk queue.

One gr.HTML component (browser side in ``static/review.js``) calls the functions below through
Gradio's component server, like the editor does. Every function checks on the server that the
signed-in user is a reviewer or manager (:func:`review.require_role`): hiding the tab from
annotators is only a convenience. Payloads carry user text as plain strings; the browser puts
them into the page with ``textContent`` only.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import gradio as gr

from audiolab.core.model import Segment, Transcript
from audiolab.errors import ValidationError
from audiolab.qa import versions as ver
from audiolab.services import Workbench
from audiolab.services import review as rv
from audiolab.ui import bundle
from audiolab.ui.editor import current_user, static_text
from audiolab.ui.editor_api import answers_refusals

QUEUE_LIMIT = 200


def reviewer_of(wb: Workbench, request: Any) -> str:
    """The signed-in user if they are a reviewer or manager; else :class:`AuthError`."""
    return rv.require_role(wb, current_user(request), rv.REVIEWERS).name


# -- what the browser shows (plain JSON, no gradio) -------------------------------------------
def word_diff(a: str, b: str) -> tuple[list[list[Any]], list[list[Any]]]:
    """Both texts as ``[word, changed]`` lists: the words one side has and the other lacks."""
    wa, wb_ = a.split(), b.split()
    sm = difflib.SequenceMatcher(a=[w.lower() for w in wa], b=[w.lower() for w in wb_], autojunk=False)
    out_a: list[list[Any]] = []
    out_b: list[list[Any]] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        out_a += [[w, op != "equal"] for w in wa[i1:i2]]
        out_b += [[w, op != "equal"] for w in wb_[j1:j2]]
    return out_a, out_b


def _seg_json(s: Segment | None, t: Transcript) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"id": s.id, "version": s.version, "start": s.span.start_ms, "end": s.span.end_ms, "text": s.text,
            "speaker": t.speaker_name(s.speaker_id) if s.speaker_id else ""}


def review_recordings(wb: Workbench) -> list[dict[str, Any]]:
    """Recordings that have independent copies, those with submissions first."""
    by_rec: dict[str, list[rv.Assignment]] = {}
    for a in rv.assignments(wb):
        by_rec.setdefault(a.recording_id, []).append(a)
    out = []
    for rec in wb.recordings():
        mine = by_rec.get(rec.id, [])
        if not any(a.independent for a in mine):
            continue
        submitted = sum(a.status in ("submitted", "reviewed") for a in mine)
        out.append({"id": rec.id, "name": Path(rec.path).name, "submitted": submitted, "assigned": len(mine),
                    "status": rec.status.value})
    out.sort(key=lambda r: (r["submitted"] == 0, r["name"]))
    return out


def compare(wb: Workbench, recording_id: str, a_name: str | None = None, b_name: str | None = None) -> dict[str, Any]:
    """Two versions of a recording aligned in time, with word differences and assignment states."""
    t = wb.transcript(recording_id)
    rid = t.recording.id
    anns = ver.annotation_tiers(t)
    names = [ver.version_name(x) for x in ver.transcript_tiers(t) if x.role.value != "reference"]
    ann_names = [ver.version_name(x) for x in anns]
    a_name = a_name or (ann_names[0] if ann_names else None)
    b_name = b_name or next((n for n in ann_names if n != a_name), None)
    if not a_name or not b_name:
        raise ValidationError(f"recording {rid} has fewer than two versions to compare (it has: {', '.join(names)})")
    ta, tb = ver.find_version(t, a_name), ver.find_version(t, b_name)
    if ta.id == tb.id:
        raise ValidationError("choose two different versions")
    rows = []
    for sa, sb in rv.align_annotations(t, ta, tb):
        da, db = word_diff(sa.text if sa else "", sb.text if sb else "")
        same = sa is not None and sb is not None and sa.text.split() == sb.text.split() and sa.span == sb.span
        rows.append({"a": _seg_json(sa, t), "b": _seg_json(sb, t), "diff_a": da, "diff_b": db, "same": same,
                     "span_differs": sa is not None and sb is not None and sa.span != sb.span})
    assigns = [{"user": x.user, "status": x.status, "comment": x.comment, "submitted_at": x.submitted_at or "",
                "reviewed_by": x.reviewed_by or ""} for x in rv.assignments(wb, rid)]
    adj = next((x for x in t.tiers if x.role.value == "adjudicated"), None)
    main = t.main_tier()
    return {"recording": {"id": rid, "name": Path(t.recording.path).name, "status": t.recording.status.value},
            "versions": names, "annotators": ann_names, "a": a_name, "b": b_name, "rows": rows,
            "assignments": assigns, "adjudicated": adj is not None and len(t.segments_of(adj.id)) > 0,
            "main": ver.version_name(main) if main else None}


def choices_from(wb: Workbench, recording_id: str, a_name: str, b_name: str,
                 rows: list[dict[str, Any]]) -> list[rv.Choice]:
    """The reviewer's per-row picks as :class:`review.Choice` objects, checked against the database.

    Each row is ``{"keep": "a"|"b"|"none"|"edit", "a": {"id", "version"}|None, "b": ..., "text"}``;
    a segment must belong to the named version and still have the version the reviewer saw.
    """
    t = wb.transcript(recording_id)
    tiers = {"a": ver.find_version(t, a_name), "b": ver.find_version(t, b_name)}
    by_id = {s.id: s for s in t.segments}
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValidationError(f"row {i + 1}: malformed")
        keep = row.get("keep")
        if keep == "none":
            continue
        side = keep if keep in ("a", "b") else ("a" if row.get("a") else "b") if keep == "edit" else None
        if side is None:
            raise ValidationError(f"row {i + 1}: unknown choice {keep!r}")
        ref = row.get(side)
        if not isinstance(ref, dict):
            raise ValidationError(f"row {i + 1}: version {side.upper()} has no segment here")
        seg = by_id.get(str(ref.get("id")))
        if seg is None or seg.tier_id != tiers[side].id:
            raise ValidationError(f"row {i + 1}: that segment is not part of {a_name if side == 'a' else b_name}'s version")
        if ref.get("version") != seg.version:
            raise ValidationError(f"row {i + 1}: {ver.version_name(tiers[side])} changed this segment meanwhile; reload")
        text = str(row.get("text", "")) if keep == "edit" else None
        if text is not None and not text.strip():
            raise ValidationError(f"row {i + 1}: the edited text is empty (choose 'none' to drop the row)")
        out.append(rv.Choice(source=seg, text=text))
    if not out:
        raise ValidationError("nothing chosen: keep at least one segment")
    return out


def queue_rows(wb: Workbench, recording_id: str | None = None, limit: int = QUEUE_LIMIT) -> list[dict[str, Any]]:
    """The riskiest segments (of one recording, or all), with the reasons they were picked."""
    items = rv.review_queue(wb, recording_id)[:limit]
    names = {r.id: Path(r.path).name for r in wb.recordings()}
    return [{"recording": it.recording_id, "name": names.get(it.recording_id, it.recording_id),
             "segment": it.segment.id, "start": it.segment.span.start_ms, "end": it.segment.span.end_ms,
             "text": it.segment.text, "score": round(it.score, 3), "reasons": list(it.reasons)} for it in items]


# -- the tab -------------------------------------------------------------------------------------
def build_review(wb: Workbench, tabs: gr.Tabs) -> gr.HTML:
    """The review component; opening a queue item switches ``tabs`` to the editor."""

    def guarded(fn):
        """``fn(user, payload)`` as a server function: reviewers only, its answer marked ``ok``."""
        def call(payload: dict, request: gr.Request) -> dict:
            user = reviewer_of(wb, request)
            return {"ok": True, **fn(user, payload if isinstance(payload, dict) else {})}
        call.__name__ = call.__qualname__ = fn.__name__
        return answers_refusals(call)

    @guarded
    def recordings(user: str, p: dict) -> dict:
        return {"user": user, "recordings": review_recordings(wb)}

    @guarded
    def load(user: str, p: dict) -> dict:
        rid = str(p.get("recording") or "")
        return {"compare": compare(wb, rid, p.get("a") or None, p.get("b") or None),
                "queue": queue_rows(wb, rid)}

    @guarded
    def adjudicate(user: str, p: dict) -> dict:
        rid = str(p.get("recording") or "")
        if p.get("prefer"):
            tier = rv.adjudicate(wb, rid, user, prefer=str(p["prefer"]))
        else:
            choices = choices_from(wb, rid, str(p.get("a")), str(p.get("b")), list(p.get("rows") or []))
            tier = rv.adjudicate(wb, rid, user, choices)
        n = len(wb.transcript(rid).segments_of(tier.id))
        return {"message": f"Adjudicated version saved: {n} segments (exports use it now).",
                "compare": compare(wb, rid, p.get("a") or None, p.get("b") or None)}

    @guarded
    def decide(user: str, p: dict) -> dict:
        rid = str(p.get("recording") or "")
        a = rv.review_assignment(wb, rid, str(p.get("annotator")), user, bool(p.get("accept")),
                                 str(p.get("comment") or ""))
        return {"message": f"{a.user}'s work is {a.status}.", "compare": compare(wb, rid, p.get("a") or None,
                                                                                p.get("b") or None)}

    @guarded
    def queue(user: str, p: dict) -> dict:
        return {"queue": queue_rows(wb, str(p["recording"]) if p.get("recording") else None)}

    html = gr.HTML(
        value="",
        html_template="<div class='rv-host'></div>",
        js_on_load=bundle.script("review.js"),
        head="<style>" + static_text("review.css").replace("</", "") + "</style>",
        server_functions=[recordings, load, adjudicate, decide, queue],
        elem_id="audiolab-review",
        apply_default_css=False,
    )
    # The browser sets the editor's hash, then fires "submit": switch to the editor tab.
    html.submit(lambda: gr.Tabs(selected="editor"), outputs=tabs)
    return html
