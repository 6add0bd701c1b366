"""``audiolab demo``: ingest the sample recordings, pre-label them, open the editor on one.

The samples are a real two-speaker phone call (the 30 s recording that ships inside the
pyannote.audio package, located through the installed package) and ``samples/dialogue.ogg`` (a
generated two-voice exchange with a beep). Both are pre-labeled with the embedded default models
the first time; later runs reuse the work, so the command is quick and idempotent.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from audiolab.cli import add_db_arg, workbench


def sample_paths() -> list[Path]:
    """The demo's recordings, the one the editor opens first."""
    paths = []
    spec = importlib.util.find_spec("pyannote.audio")
    if spec is not None and spec.origin is not None:
        call = Path(spec.origin).parent / "sample" / "sample.wav"
        if call.exists():
            paths.append(call)
    repo_sample = Path(__file__).resolve().parents[2] / "samples" / "dialogue.ogg"
    if repo_sample.exists():
        paths.append(repo_sample)
    return paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="pre-label the sample recordings and open the editor on them",
                       description=__doc__)
    add_db_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p.add_argument("--no-launch", action="store_true", help="prepare the samples, then exit")
    p.set_defaults(func=cmd_demo)


def prepare(wb) -> list[str]:  # noqa: ANN001 - Workbench
    """Ingest and pre-label the samples (skipping what is done); return their recording ids."""
    from audiolab.cli.progress import progress_bar
    from audiolab.errors import AudiolabError
    from audiolab.services.prelabel import PrelabelOptions, finished_run, prelabel

    ids = []
    for path in sample_paths():
        rec = wb.ingest_file(path).recording
        ids.append(rec.id)
        if finished_run(wb, rec.id) is None:
            print(f"pre-labeling {path.name} with the embedded models (first run only) ...", file=sys.stderr)
            with progress_bar(f"pre-label {path.name}") as update:
                try:
                    prelabel(wb, rec.id, PrelabelOptions(), progress=update)
                except AudiolabError as exc:
                    print(f"audiolab: warning: {path.name}: {exc}", file=sys.stderr)
    return ids


def cmd_demo(args: argparse.Namespace) -> int:
    from audiolab.errors import AudiolabError

    wb = workbench(args)
    ids = prepare(wb)
    if not ids:
        raise AudiolabError("no sample recording found (pyannote.audio's sample.wav or samples/dialogue.ogg)")
    print(f"database: {wb.db.path}")
    for rid in ids:
        t = wb.transcript(rid)
        print(f"  {rid}  {Path(t.recording.path).name}: {len(t.segments)} segments, {len(t.speakers)} speakers")
    if args.no_launch:
        return 0
    from audiolab.ui.app import build_app, launch_app

    print(f"opening the editor at http://{args.host}:{args.port}/ (Ctrl-C to stop)")
    launch_app(build_app(wb, initial_recording=ids[0]), host=args.host, port=args.port,
               open_browser=not args.no_browser)
    return 0
