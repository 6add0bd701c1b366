"""Sound-event commands: ``events detect`` (candidates from the signal) and ``events suggest``
(labels by likeness to the project's human examples). Thin: the work is in services.events."""

from __future__ import annotations

import argparse
import sys

from audiolab.cli import add_db_arg, safe, workbench


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("events", help="sound-event candidates and label suggestions (no model needed)",
                       description="Propose sound events: `detect` finds non-speech sounds as '?' candidates, "
                                   "`suggest` labels candidates by likeness to the sound-event tags people made in "
                                   "the project. Proposals are machine tags (origin 'machine'): never exported until "
                                   "accepted; re-running replaces only untouched proposals.")
    ev = p.add_subparsers(dest="events_command", metavar="ACTION")
    ev.required = True

    d = ev.add_parser("detect", help="store candidate sound events of recordings",
                      description="Find regions of non-speech sound (above the recording's noise floor, outside "
                                  "its speech or clearly louder than the voice) and store them as '?' candidates "
                                  "in each recording's sound-event tier. Speech comes from stored segments, else "
                                  "from Silero VAD.")
    d.add_argument("recordings", nargs="*", metavar="RECORDING", help="recording ids (or unique prefixes, or paths)")
    d.add_argument("--all", action="store_true", help="every recording in the database")
    d.add_argument("--project", help="with --all: only the recordings of this project")
    add_db_arg(d)
    d.set_defaults(func=cmd_detect)

    s = ev.add_parser("suggest", help="label candidates by the project's human examples",
                      description="For each label with at least one human sound-event tag in the project, rank the "
                                  "untouched candidates by similarity to its examples and give each candidate its "
                                  "best label when similar enough (a suggestion, still a machine tag).")
    s.add_argument("recordings", nargs="*", metavar="RECORDING",
                   help="recordings whose candidates to label (default: all of --project, or all)")
    s.add_argument("--project", help="only this project (examples come from each recording's own project)")
    s.add_argument("--min-score", type=float, default=None, metavar="S",
                   help="least similarity (0-1) for a label to be suggested (default 0.4)")
    add_db_arg(s)
    s.set_defaults(func=cmd_suggest)


def _recordings(wb, args: argparse.Namespace) -> list:  # noqa: ANN001 - Workbench, Recording
    from audiolab.errors import ValidationError

    if args.project and not args.all:
        raise ValidationError("--project goes with --all")
    if args.all:
        return wb.recordings(args.project)
    if args.recordings:
        return [wb.recording(r) for r in args.recordings]
    raise ValidationError("name recordings to detect sound events in, or use --all")


def _describe(res) -> str:  # noqa: ANN001 - DetectResult
    speech = f"{res.speech_ms / 1000:.1f} s of speech from {'segments' if res.speech_source == 'segments' else 'VAD'}"
    kept = f", {res.kept} human tags kept" if res.kept else ""
    replaced = f", {res.replaced} earlier candidates replaced" if res.replaced else ""
    dropped = f", {res.dropped} dropped over human tags" if res.dropped else ""
    return f"{len(res.candidates)} candidates ({speech}){replaced}{kept}{dropped}"


def cmd_detect(args: argparse.Namespace) -> int:
    from audiolab.cli.progress import progress_bar
    from audiolab.errors import AudiolabError
    from audiolab.services.events import detect_candidates

    wb = workbench(args)
    recs = _recordings(wb, args)
    if not recs:
        print("no recordings (add some with `audiolab ingest PATH`)")
        return 0
    failed = 0
    with progress_bar("all files") as overall:
        for i, rec in enumerate(recs):
            overall(i, len(recs), rec.id)
            try:
                with progress_bar(rec.id) as update:
                    res = detect_candidates(wb, rec.id, progress=update)
            except AudiolabError as exc:
                failed += 1
                print(f"{rec.id}  error: {safe(exc)}")
                continue
            print(f"{rec.id}  {_describe(res)}")
        overall(len(recs), len(recs), "")
    if failed:
        print(f"{failed} of {len(recs)} recordings failed", file=sys.stderr)
    return 1 if failed else 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from audiolab.cli.progress import progress_bar
    from audiolab.errors import ValidationError
    from audiolab.services.events import SuggestOptions, suggest

    if args.min_score is not None and not 0.0 <= args.min_score <= 1.0:
        raise ValidationError(f"--min-score must be between 0 and 1, got {args.min_score:g}")
    opts = SuggestOptions() if args.min_score is None else SuggestOptions(min_score=args.min_score)
    wb = workbench(args)
    with progress_bar("suggest") as update:
        res = suggest(wb, args.recordings or None, args.project, opts, progress=update)
    if res.labels:
        print("examples: " + ", ".join(f"{safe(label)} ({n})" for label, n in sorted(res.labels.items())))
    for rid in sorted(set(res.suggested) | set(res.unlabelled)):
        print(f"{rid}  {res.suggested.get(rid, 0)} suggested, {res.unlabelled.get(rid, 0)} left '?'")
    if not res.suggested:
        print("no untouched candidates to label (run `audiolab events detect` first)")
    return 0
