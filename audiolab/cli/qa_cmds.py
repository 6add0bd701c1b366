"""Review and quality commands: user, assign, submit, review, adjudicate, gold, qa, queue, stats.

The CLI is run by whoever owns the database file, so it does not ask for the acting user's
password; ``--as``/``--reviewer`` name who acts (for roles and the audit trail). The UI signs
people in with :func:`audiolab.services.review.authenticate`.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from typing import Any

from audiolab.cli import add_db_arg, workbench
from audiolab.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("user", help="manage users (annotators, reviewers, managers)")
    usub = p.add_subparsers(dest="user_command", metavar="ACTION")
    usub.required = True
    q = usub.add_parser("add", help="add a user (password read from stdin or prompted, never an argument)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", required=True, choices=("annotator", "reviewer", "manager"))
    q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add_db_arg(q)
    q.set_defaults(func=cmd_user_add)
    q = usub.add_parser("ls", help="list users")
    q.add_argument("--json", action="store_true")
    add_db_arg(q)
    q.set_defaults(func=cmd_user_ls)
    for action, text in (("disable", "stop a user signing in; their open sessions end at once"),
                         ("enable", "let a disabled user sign in again"),
                         ("remove", "delete a user who has no assignments (else disable them)"),
                         ("passwd", "set a new password (prompted or --password-stdin); open sessions end")):
        q = usub.add_parser(action, help=text)
        q.add_argument("name", metavar="NAME")
        if action == "passwd":
            q.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
        add_db_arg(q)
        q.set_defaults(func=cmd_user_change, user_action=action)

    p = sub.add_parser("assign", help="assign recordings to a user")
    p.add_argument("recordings", nargs="*", metavar="RECORDING")
    p.add_argument("--to", required=True, metavar="NAME")
    p.add_argument("--independent", action="store_true", help="the user works on a private copy of the draft")
    p.add_argument("--seed-gold", type=int, default=0, metavar="N",
                   help="also mix N gold recordings of --project into the user's queue")
    p.add_argument("--project", default="default")
    p.add_argument("--by", metavar="MANAGER", help="manager making the assignment (checked)")
    add_db_arg(p)
    p.set_defaults(func=cmd_assign)

    p = sub.add_parser("assignments", help="list assignments")
    p.add_argument("--user", metavar="NAME")
    p.add_argument("--project")
    p.add_argument("--json", action="store_true")
    add_db_arg(p)
    p.set_defaults(func=cmd_assignments)

    p = sub.add_parser("submit", help="submit one's work on a recording for review")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--as", dest="user", required=True, metavar="NAME")
    p.add_argument("--comment", default="")
    add_db_arg(p)
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("review", help="accept or reject an annotator's submission")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--annotator", required=True, metavar="NAME")
    p.add_argument("--reviewer", required=True, metavar="NAME")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--accept", action="store_true")
    g.add_argument("--reject", action="store_true")
    p.add_argument("--comment", default="")
    add_db_arg(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("adjudicate", help="merge independent annotations into the adjudicated version",
                       description="Automatic adjudication: where the annotators' versions disagree the "
                                   "preferred annotator's version wins (default: who submitted first); the "
                                   "result is the adjudicated tier, which exports use from then on.")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--reviewer", required=True, metavar="NAME")
    p.add_argument("--prefer", metavar="NAME", help="annotator whose version wins disagreements")
    add_db_arg(p)
    p.set_defaults(func=cmd_adjudicate)

    p = sub.add_parser("gold", help="mark a recording (or one segment) as gold")
    p.add_argument("recording", metavar="RECORDING")
    p.add_argument("--segment", metavar="ID")
    p.add_argument("--by", metavar="MANAGER")
    add_db_arg(p)
    p.set_defaults(func=cmd_gold)

    p = sub.add_parser("qa", help="agreement and scores: WER/CER, DER/JER, boundaries, event F1, kappa/alpha")
    p.add_argument("recording", nargs="?", metavar="RECORDING")
    p.add_argument("--project", help="project report (per annotator, per recording) instead of one recording")
    p.add_argument("--against", metavar="NAME", help="measure every version against this one (an annotator or 'reference')")
    p.add_argument("--collar", type=float, default=0.25, help="DER/JER collar in seconds (pyannote.metrics' definition)")
    p.add_argument("--whisper-normalize", action="store_true", help="Whisper-style English text normalization (needs a package)")
    p.add_argument("--json", action="store_true")
    add_db_arg(p)
    p.set_defaults(func=cmd_qa)

    p = sub.add_parser("queue", help="draft segments ranked by risk, for review")
    p.add_argument("recording", nargs="?", metavar="RECORDING")
    p.add_argument("--project")
    p.add_argument("--top", type=int, default=20, metavar="N")
    p.add_argument("--json", action="store_true")
    add_db_arg(p)
    p.set_defaults(func=cmd_queue)

    p = sub.add_parser("stats", help="per-annotator throughput, edits, agreement and gold scores; --models: "
                                     "pre-labeling runs scored against the corrected versions",
                       description="Per-annotator numbers of a project; with --models, every finished "
                                   "pre-labeling run scored against its recording's corrected version (gold, "
                                   "adjudicated, or the corrected working copy) and pooled per model and settings, "
                                   "computed now from the stored history.")
    p.add_argument("--project", help="the project (default: 'default'; with --models: every project)")
    p.add_argument("--models", action="store_true", help="WER / DER / word-boundary error per model and settings")
    p.add_argument("--collar", type=float, default=0.25, help="--models: DER collar in seconds (pyannote.metrics' definition)")
    p.add_argument("--json", action="store_true")
    add_db_arg(p)
    p.set_defaults(func=cmd_stats)


def _svc():  # noqa: ANN202
    from audiolab.services import review

    return review


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise ValidationError("the passwords differ")
    else:
        raise ValidationError("no terminal to prompt on: pass --password-stdin and pipe the password")
    if not password:
        raise ValidationError("empty password")
    return password


def cmd_user_add(args: argparse.Namespace) -> int:
    user = _svc().add_user(workbench(args), args.name, args.role, _read_password(args))
    print(f"added {user.role} {user.name}")
    return 0


def cmd_user_change(args: argparse.Namespace) -> int:
    svc, wb, name = _svc(), workbench(args), args.name
    if args.user_action == "passwd":
        svc.set_password(wb, name, _read_password(args))
        print(f"password of {name} changed; their open sessions end")
    elif args.user_action == "remove":
        svc.remove_user(wb, name)
        print(f"removed {name}")
    else:
        svc.set_active(wb, name, args.user_action == "enable")
        print(f"{args.user_action}d {name}" + ("; their open sessions end" if args.user_action == "disable" else ""))
    return 0


def cmd_user_ls(args: argparse.Namespace) -> int:
    users = _svc().list_users(workbench(args))
    if args.json:
        print(json.dumps([dataclasses.asdict(u) for u in users], indent=2))
        return 0
    for u in users:
        print(f"{u.name:<20} {u.role:<10} {'active' if u.active else 'disabled'}")
    return 0


def _print_assignment(a: Any) -> None:
    kind = "independent" if a.independent else "shared"
    print(f"{a.recording_id}  {a.user:<16} {a.status:<11} {kind}{'  ' + a.comment if a.comment else ''}")


def cmd_assign(args: argparse.Namespace) -> int:
    svc, wb = _svc(), workbench(args)
    if not args.recordings and not args.seed_gold:
        raise ValidationError("name recordings to assign, or --seed-gold N")
    done = svc.assign(wb, args.recordings, args.to, args.independent, args.by) if args.recordings else []
    if args.seed_gold:
        done += svc.seed_gold(wb, args.project, args.to, args.seed_gold, args.by)
    for a in done:
        _print_assignment(a)
    return 0


def cmd_assignments(args: argparse.Namespace) -> int:
    found = _svc().assignments(workbench(args), user=args.user, project=args.project)
    if args.json:
        print(json.dumps([dataclasses.asdict(a) for a in found], indent=2))
        return 0
    for a in found:
        _print_assignment(a)
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    _print_assignment(_svc().submit(workbench(args), args.recording, args.user, args.comment))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    a = _svc().review_assignment(workbench(args), args.recording, args.annotator, args.reviewer,
                                 accept=args.accept, comment=args.comment)
    _print_assignment(a)
    return 0


def cmd_adjudicate(args: argparse.Namespace) -> int:
    wb = workbench(args)
    tier = _svc().adjudicate(wb, args.recording, args.reviewer, prefer=args.prefer)
    n = len(wb.transcript(args.recording).segments_of(tier.id))
    print(f"adjudicated version {tier.id}: {n} segments (exports use it from now on)")
    return 0


def cmd_gold(args: argparse.Namespace) -> int:
    g = _svc().mark_gold(workbench(args), args.recording, args.segment, args.by)
    what = f"segment {g.segment_id}" if g.segment_id else "recording"
    print(f"gold: {g.recording_id} {what} ({g.span.start_ms}-{g.span.end_ms} ms)")
    return 0


def cmd_qa(args: argparse.Namespace) -> int:
    from audiolab.qa import NormalizeOptions, QaOptions

    svc, wb = _svc(), workbench(args)
    options = QaOptions(collar_s=args.collar, normalize=NormalizeOptions(whisper_english=args.whisper_normalize))
    if args.project:
        report = svc.qa_project(wb, args.project, options)
    elif args.recording:
        report = svc.qa_recording(wb, args.recording, args.against, options)
    else:
        raise ValidationError("name a RECORDING or a --project")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    for rep in report.get("recordings", [report]):
        print(f"recording {rep['recording']}  versions: {', '.join(rep['versions'])}")
        if not rep["comparisons"]:
            print("  nothing to compare (needs two annotators' copies or a reference)")
        for c in rep["comparisons"]:
            print(f"  {c['hypothesis']} vs {c['reference']}: WER {_pct(c['wer'])}  CER {_pct(c['cer'])}  "
                  f"DER {_pct(c['der'])}  JER {_pct(c['jer'])}  shift {_num(c['boundary_shift_ms'])} ms  "
                  f"event F1 {_num(c['event_f1_segment'])}/{_num(c['event_f1_event'])}  kappa {_num(c['emotion_kappa'])}")
        if rep.get("emotion_alpha") is not None:
            print(f"  emotion alpha (all annotators): {rep['emotion_alpha']:.3f}")
    for who, means in report.get("annotators", {}).items():
        print(f"annotator {who}: " + "  ".join(f"{k} {v:.3f}" for k, v in means.items()))
    return 0


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def cmd_queue(args: argparse.Namespace) -> int:
    items = _svc().review_queue(workbench(args), args.recording, args.project)[: max(0, args.top)]
    if args.json:
        print(json.dumps([{"recording": q.recording_id, "segment": q.segment.id, "start_ms": q.segment.span.start_ms,
                           "end_ms": q.segment.span.end_ms, "text": q.segment.text, "score": q.score,
                           "reasons": list(q.reasons), "parts": dict(q.parts)} for q in items], indent=2,
                         ensure_ascii=False))
        return 0
    if not items:
        print("the queue is empty (no segments)")
    for q in items:
        s = q.segment
        print(f"{q.score:6.2f}  {q.recording_id}  {s.span.start_ms / 1000:8.2f}-{s.span.end_ms / 1000:8.2f}  "
              f"{','.join(q.reasons) or '-':<30} {s.text[:60]}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    if args.models:
        return _model_stats(args)
    stats = _svc().annotator_stats(workbench(args), args.project or "default")
    if args.json:
        print(json.dumps([dataclasses.asdict(s) for s in stats], indent=2))
        return 0
    for s in stats:
        print(f"{s.annotator:<16} {s.role:<10} {s.submitted}/{s.assignments} submitted  {s.audio_minutes:.1f} audio min  "
              f"{s.work_hours:.2f} h  throughput {_num(s.throughput)}  edited {s.segments_edited}  "
              f"gold WER {_pct(s.gold_wer)}")
    return 0


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f} ms"


def _model_stats(args: argparse.Namespace) -> int:
    from audiolab.qa import QaOptions
    from audiolab.services.model_scores import model_scores

    scores = model_scores(workbench(args), args.project, QaOptions(collar_s=args.collar))
    if args.json:
        print(json.dumps(scores.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if not scores.models:
        print("no pre-labeling run has a corrected version to be scored against yet"
              + (f" ({len(scores.waiting)} runs waiting)" if scores.waiting else ""))
        return 0
    print(f"pre-labeling runs against the corrected versions (DER collar {args.collar:g} s), best first")
    for m in scores.models:
        refs = ", ".join(f"{n} {k}" for k, n in sorted(m.references.items()))
        print(f"{m.model}  [{m.label}]  {m.runs} runs on {m.recordings} recordings  WER {_pct(m.wer)}  "
              f"DER {_pct(m.der)}  word boundary {_ms(m.word_boundary_ms)}  ({m.reference_words} words, "
              f"{m.speech_s:.0f} s of speech; against {refs})")
    for r in scores.runs:
        print(f"  run {r.run_id} on {r.recording_id} vs {r.reference}: WER {_pct(r.wer)}  DER {_pct(r.der)}  "
              f"word boundary {_ms(r.word_boundary_ms)}  {r.drafts} drafts{'  partial' if r.partial else ''}")
    if scores.waiting:
        print(f"{len(scores.waiting)} runs wait for a corrected version of their recording")
    return 0
