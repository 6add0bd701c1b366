"""Core commands: ingest, ls, show, undo, redo, history."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from audiolab.cli import add_db_arg, safe, workbench
from audiolab.core import codec
from audiolab.core.model import Recording, Transcript


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="add media files or folders (recursive) to the database",
                       description="Add media files or folders (recursively, media extensions only). "
                                   "Prints one line per file; exit 0 if all were ingested, 1 if any failed.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    add_db_arg(p)
    p.add_argument("--project", default="default", help="project to file the recordings under")
    p.add_argument("--max-size", type=float, default=8.0, metavar="GIB", help="refuse files larger than this (GiB)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ls", help="list recordings")
    add_db_arg(p)
    p.add_argument("--project", help="only this project")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_ls)

    p = sub.add_parser("show", help="show one recording's metadata, tiers and segments")
    p.add_argument("recording", metavar="RECORDING", help="recording id (or a unique prefix, or its path)")
    add_db_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    for name, helptext in (("undo", "undo the last edit on a recording"), ("redo", "redo the last undone edit")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("recording", metavar="RECORDING")
        add_db_arg(p)
        p.add_argument("--author", default=None, help="who is undoing (default: $USER)")
        p.set_defaults(func=cmd_undo_redo, action=name)

    p = sub.add_parser("history", help="the edit history of a recording, newest first")
    p.add_argument("recording", metavar="RECORDING")
    add_db_arg(p)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)


def _fmt_dur(ms: int) -> str:
    s = ms / 1000
    return f"{int(s // 3600)}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}"


def cmd_ingest(args: argparse.Namespace) -> int:
    from audiolab.cli.progress import progress_bar

    wb = workbench(args)
    with progress_bar("ingest") as update:
        results = wb.ingest(args.paths, project=args.project, progress=update,
                            max_bytes=int(args.max_size * 1024**3))
    failed = 0
    for r in results:
        if r.ok and r.recording is not None:
            note = "  (already ingested)" if r.existed else ""
            print(f"{r.recording.id}  {_fmt_dur(r.recording.duration_ms)}  {safe(r.path)}{note}")
        else:
            failed += 1
            print(f"error  {safe(r.path)}: {safe(r.error)}")
    if not results:
        print("no media files found", file=sys.stderr)
        return 1
    if failed:
        print(f"{failed} of {len(results)} files failed", file=sys.stderr)
    return 1 if failed else 0


def recording_summary(r: Recording) -> dict[str, Any]:
    return {
        "id": r.id, "path": r.path, "duration_ms": r.duration_ms, "sample_rate": r.sample_rate,
        "channels": r.channels, "fps": r.video.fps_str if r.video else "", "status": r.status.value,
        "project": r.project, "audio_codec": r.audio_codec, "container": r.container,
        "video_codec": r.video.codec if r.video else None,
        "video_start_offset_ms": r.video.start_offset_ms if r.video else None,
        "start_timecode": r.video.start_timecode if r.video else None,
        "sha256": r.sha256, "created_at": r.created_at,
    }


def cmd_ls(args: argparse.Namespace) -> int:
    recs = workbench(args).recordings(args.project)
    if args.json:
        print(json.dumps([recording_summary(r) for r in recs], indent=2))
        return 0
    if not recs:
        print("no recordings (add some with `audiolab ingest PATH`)")
    for r in recs:
        fps = f"  {r.video.fps_str} fps" if r.video else ""
        print(f"{r.id}  {_fmt_dur(r.duration_ms)}  {r.sample_rate} Hz  {r.channels} ch{fps}  {r.status.value:<11}  {safe(r.path)}")
    return 0


def transcript_json(t: Transcript) -> dict[str, Any]:
    names = {s.id: s.display_name for s in t.speakers}
    segments = []
    for s in sorted(t.segments, key=lambda s: (s.tier_id, s.span)):
        d = codec.to_dict(s)
        d["speaker"] = names.get(s.speaker_id or "", "")
        d["words"] = [dict(codec.to_dict(w), speaker=names.get(w.speaker_id or "", "")) for w in s.words]
        segments.append(d)
    return {
        "recording": recording_summary(t.recording),
        "tiers": [codec.to_dict(x) for x in t.tiers],
        "speakers": [codec.to_dict(x) for x in t.speakers],
        "segments": segments,
        "tags": [codec.to_dict(x) for x in t.tags],
    }


def cmd_show(args: argparse.Namespace) -> int:
    t = workbench(args).transcript(args.recording)
    if args.json:
        print(json.dumps(transcript_json(t), indent=2, ensure_ascii=False))
        return 0
    for k, v in recording_summary(t.recording).items():
        print(f"{k:>22}: {safe(v)}")
    for tier in t.tiers:
        segs = t.segments_of(tier.id)
        owner = f" ({tier.owner})" if tier.owner else ""
        print(f"\n[{tier.kind.value} / {tier.role.value}{safe(owner)}] {safe(tier.name)}: {len(segs)} segments")
        for s in segs:
            who = safe(t.speaker_name(s.speaker_id) or "-")
            print(f"  {_fmt_dur(s.span.start_ms)} - {_fmt_dur(s.span.end_ms)}  {who:<12} {safe(s.text)}")
    if t.tags:
        print("\n[tags]")
        for tag in sorted(t.tags, key=lambda x: x.span):
            print(f"  {_fmt_dur(tag.span.start_ms)} - {_fmt_dur(tag.span.end_ms)}  {tag.kind.value:<11} {safe(tag.label)}")
    return 0


def _author(args: argparse.Namespace) -> str:
    import getpass

    return args.author or getpass.getuser() or "cli"


def cmd_undo_redo(args: argparse.Namespace) -> int:
    wb = workbench(args)
    fn = wb.undo if args.action == "undo" else wb.redo
    result = fn(args.recording, _author(args))
    print(f"{args.action} done: {len(result.values)} entities restored (batch {result.batch_id})")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    wb = workbench(args)
    rows = wb.history(args.recording, limit=args.limit)
    if args.json:
        print(json.dumps([codec.to_dict(e) for e in rows], indent=2, ensure_ascii=False))
        return 0
    for e in rows:
        print(f"{e.at}  {safe(e.author):<12} {e.op:<7} {e.entity:<8} {e.entity_id}")
    return 0
