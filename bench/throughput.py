"""Correction throughput: fix the sample call's machine draft to its reference, from the keyboard.

The 30 s two-speaker call that ships with pyannote.audio is ingested and pre-labeled with the
embedded models (what ``audiolab demo`` does: 16 draft segments), the app is served and headless
Chromium corrects the draft through the real editor, as a user would: key presses, typed text,
clicks, double-clicks and drags only (the page's geometry is read to know where to point, the
way a person looks at the screen; no edit goes through anything but the UI). Every action is
counted. The recording is then exported with the CLI (``audiolab export -f stm``) and the
exported file is measured against the reference STM: WER (audiolab.qa.metrics / jiwer, on
normalized text), DER (pyannote.metrics, no collar and a 0.25 s collar), and how far each
boundary the script set lies from the reference turn's.

    .venv/bin/python bench/throughput.py [--keep DIR] [--screens DIR]

An action is one key press (a chord counts once), one typed string, one click, one
double-click or one drag. Speaker renames count too (the draft's speakers are SPEAKER_00/01).
The plan below is the one for the embedded models' draft; if the draft differs, the script says
how and stops.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_STM = ROOT.parent / "shared" / "data" / "diarization" / "pyannote_sample.stm"
ED = "window.audiolabEditor"

# The draft the embedded models make of the call (text of each segment, in time order).
DRAFT = ["Hello?", "Hello.", "Oh, hello.", "I didn't know you were there.", "Neither did", "I.",
         "I thought, you know, I heard a deep.", "This is Diane in New Jersey.", "And",
         "I'm Sheila and Texas, originally from Chicago.", "Oh, I'm originally from Chicago also.",
         "I'm in New Jersey now, though.", "Well, there isn't that much difference.",
         "At least, you know, they all call me a Yankee down here.", "So I", "don't hear that New Jersey now."]


def reference_stm() -> Path:
    """The call's reference transcript: the STM shipped in the pyannote.audio package, else ../shared."""
    import importlib.util

    spec = importlib.util.find_spec("pyannote.audio")
    if spec is not None and spec.origin is not None:
        stm = Path(spec.origin).parent / "sample" / "sample.stm"
        if stm.exists():
            return stm
    if SHARED_STM.exists():
        return SHARED_STM
    raise SystemExit("no reference STM (pyannote.audio's sample/sample.stm or ../shared/data/diarization/pyannote_sample.stm)")


def read_stm(path: Path) -> list[tuple[str, int, int, str]]:
    """(speaker, start ms, end ms, text) of each turn of an STM file."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) < 5 or line.startswith(";;"):
            continue
        rows.append((parts[2], round(float(parts[3]) * 1000), round(float(parts[4]) * 1000), parts[5] if len(parts) > 5 else ""))
    return rows


def prepare(db: Path) -> tuple[object, str]:
    """Ingest and pre-label the call (skipped when the database has it); the workbench and its id."""
    from audiolab.cli.demo_cmds import sample_paths
    from audiolab.services import Workbench
    from audiolab.services.prelabel import PrelabelOptions, finished_run, prelabel

    wb = Workbench(db)
    call = next((p for p in sample_paths() if p.name == "sample.wav"), None)
    if call is None:
        raise SystemExit("pyannote.audio's sample.wav is not installed")
    rec = wb.ingest_file(call).recording
    if finished_run(wb, rec.id) is None:
        t0 = time.monotonic()
        prelabel(wb, rec.id, PrelabelOptions())
        print(f"pre-labeled {call.name} in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return wb, rec.id


@dataclass
class Driver:
    """Chromium through the UI; every call is one counted action."""

    page: object
    counts: Counter = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)

    def _count(self, kind: str, what: str) -> None:
        self.counts[kind] += 1
        self.log.append(f"{sum(self.counts.values()):2d}. {kind:9s} {what}")

    def settle(self) -> None:
        self.page.wait_for_function("(() => { const r = document.querySelector('[data-ready]');"
                                    " return !r.dataset.pending || r.dataset.pending === '0'; })()", timeout=15000)
        self.page.wait_for_timeout(120)

    def key(self, chord: str, why: str) -> None:
        self._count("key", f"{chord:12s} {why}")
        self.page.keyboard.press(chord)
        self.settle()

    def type(self, text: str, why: str) -> None:
        self._count("type", f"{text!r} {why}")
        self.page.keyboard.type(text, delay=5)

    def click(self, locator, why: str) -> None:  # noqa: ANN001
        self._count("click", why)
        locator.click()
        self.settle()

    def dblclick(self, locator, why: str) -> None:  # noqa: ANN001
        self._count("dblclick", why)
        locator.dblclick()
        self.page.wait_for_selector(".al-edit", timeout=5000)

    def drag_edge(self, seg_id: str, edge: str, to_ms: int, why: str) -> None:
        """Drag a segment's start or end in its lane to the time ``to_ms``."""
        self._count("drag", f"{edge} -> {to_ms} ms  {why}")
        p = self.page
        s = p.evaluate(f"{ED}.state.segs.find((x) => x.id === {json.dumps(seg_id)})")
        y = p.evaluate(f"{ED}.laneCenterY({ED}.laneOfSegment({json.dumps(seg_id)}))")
        x0 = p.evaluate(f"{ED}.timeToX({s[edge]})") + (1.5 if edge == "start" else -1.5)  # just inside it
        p.mouse.move(x0, y)
        p.mouse.down()
        self.settle()  # (pressing leaves a name field: its rename lands first, as a person would see)
        x1 = p.evaluate(f"{ED}.timeToX({to_ms})")
        p.mouse.move(x1, y, steps=8)
        p.mouse.up()
        self.settle()


def row(page, text: str):  # noqa: ANN001, ANN201
    """The transcript row showing ``text`` (a person reads the row)."""
    return page.locator(".al-row", has=page.locator(".al-text", has_text=re.compile(r"^\s*" + re.escape(text) + r"\s*$"))).first


def word(page, row_text_start: str, token: str, last: bool = False):  # noqa: ANN001, ANN201
    r = page.locator(".al-row", has=page.locator(".al-text", has_text=re.compile(r"^\s*" + re.escape(row_text_start))))
    words = r.first.locator(".al-word, .al-tok").filter(has_text=re.compile(r"^\s*" + re.escape(token) + r"\s*$"))
    return words.last if last else words.first


def seg_id(page, text: str) -> str:  # noqa: ANN001
    return row(page, text).get_attribute("data-id")


def correct(page, d: Driver) -> dict[str, int]:  # noqa: ANN001
    """The correction, in time order. Returns the boundaries set: name -> reference ms."""
    set_to: dict[str, int] = {}
    # the speakers' names (the draft has SPEAKER_00 = Diane, SPEAKER_01 = Sheila)
    d.click(page.locator(".al-spkname").nth(0), "speaker 1's name field")
    d.type("Diane", "")
    d.key("Tab", "to speaker 2's name (speaker 1 is renamed)")
    d.type("Sheila", "")
    # 1 "Hello?" is Diane's and starts at 6.680 s: drag its start (this selects it), then 1
    sid = seg_id(page, "Hello?")
    d.drag_edge(sid, "start", 6680, "turn 1 starts at 6.680 (speaker 2 is renamed when the field is left)")
    set_to["turn 1 start"] = 6680
    d.key("1", "turn 1 is Diane's")
    # 5 "Neither did" + "I.": Sheila's turn from 9.838 s
    sid = seg_id(page, "Neither did")
    d.drag_edge(sid, "start", 9838, "turn 5 starts at 9.838")
    set_to["turn 5 start"] = 9838
    d.key("m", "merge with 'I.' (Sheila holds more of the speech)")
    # 6 "Okay, then I thought you know, I heard a beep." from 10.780 s
    sid = seg_id(page, "I thought, you know, I heard a deep.")
    d.drag_edge(sid, "start", 10780, "turn 6 starts at 10.780 (the draft missed 'Okay, then')")
    set_to["turn 6 start"] = 10780
    d.key("Enter", "type its text (it opens selected)")
    d.type("Okay, then I thought you know, I heard a beep.", "")
    d.key("Enter", "save")
    # 8 "And" + "I'm Sheila and Texas...": one turn of Sheila's, "and" -> "in"
    d.click(row(page, "And").locator(".al-time"), "select 'And'")
    d.key("m", "merge with the next ('And' was Diane's; Sheila holds more of the speech)")
    d.dblclick(word(page, "And I'm Sheila", "and"), "the word 'and' (opens the text with it selected)")
    d.type("in", "")
    d.key("Enter", "save")
    # 9 "Oh, I'm originally from Chicago also." starts at 17.789 s
    sid = seg_id(page, "Oh, I'm originally from Chicago also.")
    d.drag_edge(sid, "start", 17789, "turn 9 starts at 17.789")
    set_to["turn 9 start"] = 17789
    # 12 "At least ..." + "So I" -> "... so what can I say?" from 24.058 s; then 13
    sid = seg_id(page, "At least, you know, they all call me a Yankee down here.")
    d.drag_edge(sid, "start", 24058, "turn 12 starts at 24.058")
    set_to["turn 12 start"] = 24058
    d.key("m", "merge with 'So I'")
    d.dblclick(word(page, "At least, you know", "I", last=True), "the last word, 'I'")
    d.type("what can I say?", "")
    d.key("Control+Enter", "save, mark reviewed, on to the next segment's text (selected)")
    d.type("Oh, I don't hear that in New Jersey now.", "")
    d.key("Enter", "save")
    return set_to


def export_stm(db: Path, rec_id: str, out: Path) -> Path:
    cmd = [str(ROOT / ".venv" / "bin" / "audiolab"), "export", rec_id, "-f", "stm", "-o", str(out), "--db", str(db)]
    if not Path(cmd[0]).exists():
        cmd[0:1] = [sys.executable, "-m", "audiolab"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return out


def measure(exported: Path, reference: Path, duration_ms: int, set_to: dict[str, int]) -> dict[str, object]:
    """WER and DER of the exported file against the reference, and the set boundaries' errors."""
    import os

    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
    from pyannote.core import Annotation, Timeline
    from pyannote.core import Segment as PSeg
    from pyannote.metrics.diarization import DiarizationErrorRate

    from audiolab.qa.metrics import wer
    from audiolab.qa.normalize import normalize_text

    hyp, ref = read_stm(exported), read_stm(reference)
    text = lambda rows: normalize_text(" ".join(r[3] for r in sorted(rows, key=lambda r: (r[1], r[2]))))  # noqa: E731

    def ann(rows: list[tuple[str, int, int, str]]) -> Annotation:
        a = Annotation()
        for i, (spk, s, e, _) in enumerate(rows):
            a[PSeg(s / 1000, e / 1000), i] = spk
        return a

    uem = Timeline([PSeg(0, duration_ms / 1000)])
    der = {c: float(DiarizationErrorRate(collar=c, skip_overlap=False)(ann(ref), ann(hyp), uem=uem)) for c in (0.0, 0.25)}
    errors = {}
    for name, ms in set_to.items():
        edge = "start" if name.endswith("start") else "end"
        near = min(hyp, key=lambda r: abs((r[1] if edge == "start" else r[2]) - ms))
        errors[name] = (near[1] if edge == "start" else near[2]) - ms
    return {"wer": wer(text(ref), text(hyp)), "der": der[0.0], "der_collar_0.25": der[0.25],
            "boundary_errors_ms": errors, "segments": len(hyp), "reference_turns": len(ref),
            "speakers": sorted({r[0] for r in hyp})}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="work in this folder (kept) instead of a temporary one")
    ap.add_argument("--screens", type=Path, help="save screenshots (before / after) here")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from audiolab.ui.devserver import chromium_path, launch_chromium, serve

    if chromium_path() is None:
        raise SystemExit("chromium is not installed (the README's set-up installs Debian's chromium)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="audiolab-throughput-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "throughput.db"
    wb, rid = prepare(db)
    t = wb.transcript(rid)
    got = [s.text for s in sorted(t.segments, key=lambda s: (s.span, s.id))]
    if got != DRAFT:
        print("the draft is not the one this plan corrects (a fresh --keep folder, or other models?):", file=sys.stderr)
        for i, (a, b) in enumerate(zip(got + [""] * 20, DRAFT + [""] * 20)):
            if a != b:
                print(f"  segment {i}: {a!r} (the plan expects {b!r})", file=sys.stderr)
        return 2
    duration = t.recording.duration_ms
    reference = reference_stm()
    url, demo = serve(wb)
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
            page.goto(f"{url}#rec={rid}")
            page.wait_for_function(f"{ED} && {ED}.view.ready && {ED}.state.rec.id === '{rid}'", timeout=30000)
            if args.screens:
                args.screens.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.screens / "throughput_before.png"))
            d = Driver(page)
            t0 = time.monotonic()
            try:
                set_to = correct(page, d)
            except Exception:
                print("\n".join(d.log), file=sys.stderr)
                if args.screens:
                    page.screenshot(path=str(args.screens / "throughput_failed.png"))
                raise
            seconds = time.monotonic() - t0
            conflicts = page.evaluate("document.querySelector('[data-ready]').dataset.conflicts || '0'")
            errors = page.locator(".al-toast.al-error").all_inner_texts()
            if args.screens:
                page.screenshot(path=str(args.screens / "throughput_after.png"))
            browser.close()
    finally:
        demo.close()
    wb.db.close()
    exported = export_stm(db, rid, work / "corrected.stm")
    m = measure(exported, reference, duration, set_to)
    actions = sum(d.counts.values())
    per_min = actions / (duration / 60000)
    print("\n".join(d.log))
    print()
    print(f"recording      sample.wav, {duration / 1000:.3f} s, {len(DRAFT)} draft segments -> {m['segments']} "
          f"(reference: {m['reference_turns']} turns), speakers {', '.join(m['speakers'])}")
    print(f"actions        {actions}  ({', '.join(f'{k} {v}' for k, v in sorted(d.counts.items()))})")
    print(f"per audio min  {per_min:.1f}   (goal <= 50; before this work: 108)")
    print(f"WER            {m['wer']:.3f}   (exported STM vs the reference, normalized text)")
    print(f"DER            {m['der']:.4f} (no collar)   {m['der_collar_0.25']:.4f} (0.25 s collar)")
    print("boundaries set " + ", ".join(f"{k}: {v:+d} ms" for k, v in m["boundary_errors_ms"].items()))
    print(f"browser time   {seconds:.1f} s; conflicts {conflicts}; errors shown {len(errors)}")
    if args.keep:
        print(f"export         {exported}")
    ok = per_min <= 50 and m["wer"] == 0 and all(abs(v) <= 20 for v in m["boundary_errors_ms"].values()) and not errors
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
