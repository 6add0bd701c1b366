"""Commands: export (one recording or all), import, lint."""

from __future__ import annotations

import argparse
import getpass
import sys

from audiolab.cli import add_db_arg, workbench
from audiolab.export import FORMATS, importable_formats


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a recording's transcript (srt, vtt, rttm, textgrid, eaf, json, ...)",
                       description="Export the main transcript tier (adjudicated if present, else the working copy) "
                                   "of a recording, or of every recording with --all.",
                       epilog="formats: " + "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values()))
    p.add_argument("recording", nargs="?", metavar="RECORDING", help="recording id (or a unique prefix, or its path)")
    p.add_argument("--all", action="store_true", help="export every recording into the folder given with -o")
    p.add_argument("-f", "--format", required=True, choices=list(FORMATS), metavar="FORMAT",
                   help="one of: " + ", ".join(FORMATS))
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (or folder)")
    add_db_arg(p)
    p.add_argument("--project", help="with --all: only this project")
    _add_time_args(p)
    p.add_argument("--tier", metavar="NAME", help="transcript tier to export (name or id)")
    p.add_argument("--speaker-prefix", action="store_true", help="srt: start each cue with 'Name: '")
    p.add_argument("--wrap", action="store_true", help="srt/vtt: wrap cue text to 42 characters a line")
    p.add_argument("--sanitize-labels", action="store_true",
                   help="rttm/stm: write '_' for whitespace in speaker names instead of refusing them")
    p.add_argument("--uem", action="store_true", help="rttm: also write a .uem file")
    p.add_argument("--clips", metavar="DIR", help="jsonl: cut each segment into a WAV in DIR")
    p.add_argument("--no-words", action="store_true", help="textgrid/eaf: leave out word tiers")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="import subtitles, RTTM, TextGrid, EAF, STM, JSON or Label Studio into a recording",
                       description="Import a file into a recording as draft segments (the working copy) or as a "
                                   "reference (gold) tier. All or nothing: a malformed file writes nothing.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--recording", required=True, metavar="ID")
    p.add_argument("-f", "--format", choices=importable_formats(), help="format (default: from the extension)")
    p.add_argument("--as", dest="as_", choices=("draft", "reference"), default="draft")
    p.add_argument("--encoding", help="text encoding when the file is not UTF-8 and does not say")
    p.add_argument("--tier-name", help="name of the reference tier")
    p.add_argument("--author", default=None, help="who imports (default: $USER)")
    _add_time_args(p, importing=True)
    add_db_arg(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("lint", help="report subtitle cues that break the shaping rules (exit 1 if any)")
    p.add_argument("recording", metavar="RECORDING")
    add_db_arg(p)
    _add_time_args(p)
    p.add_argument("--tier", metavar="NAME")
    p.add_argument("--max-chars", type=int, default=42, help="characters per line (default 42)")
    p.add_argument("--max-lines", type=int, default=2, help="lines per cue (default 2)")
    p.add_argument("--max-cps", type=float, default=17.0, help="characters per second (default 17)")
    p.add_argument("--min-duration", type=int, default=833, metavar="MS", help="minimum cue duration (default 833 ms)")
    p.add_argument("--min-gap-frames", type=int, default=2, help="frames between cues (default 2)")
    p.set_defaults(func=cmd_lint)


def _add_time_args(p: argparse.ArgumentParser, importing: bool = False) -> None:
    p.add_argument("--fps", metavar="RATE", help="frame rate, e.g. 25 or 30000/1001 (default: the video's)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--drop-frame", dest="drop_frame", action="store_true", default=None,
                   help="drop-frame timecode (29.97/59.94; their default)")
    g.add_argument("--non-drop-frame", dest="drop_frame", action="store_false", help="non-drop-frame timecode")
    p.add_argument("--start-tc", metavar="TC", help="timecode of the first video frame, e.g. 01:00:00;00")
    p.add_argument("--offset-ms", type=int, help="video start minus audio start (default: as probed)")
    p.add_argument("--clock", choices=("media", "video"), default="media",
                   help="media: times in the audio; video: since the first frame, plus the start timecode"
                        + ("; the file's times are mapped back to media time" if importing else ""))
    if not importing:
        p.add_argument("--snap-to-frames", action="store_true", help="move starts and ends to the nearest frame boundary")


def _options(args: argparse.Namespace, **extra: object):  # noqa: ANN202 - ExportOptions
    from audiolab.export import ExportOptions
    from audiolab.export.timecode import parse_fps

    return ExportOptions(
        fps=parse_fps(args.fps) if args.fps else None, drop_frame=args.drop_frame, start_tc=args.start_tc,
        offset_ms=args.offset_ms, clock=args.clock, snap_to_frames=getattr(args, "snap_to_frames", False),
        tier=getattr(args, "tier", None), **extra)  # type: ignore[arg-type]


def cmd_export(args: argparse.Namespace) -> int:
    from audiolab.cli.progress import progress_bar
    from audiolab.errors import ValidationError
    from audiolab.services.exporting import LeftOut, export_all, export_recording

    opts = _options(args, speaker_prefix=args.speaker_prefix, wrap=args.wrap, sanitize_labels=args.sanitize_labels,
                    uem=args.uem, clips_dir=args.clips, include_words=not args.no_words)
    wb = workbench(args)
    left_out = LeftOut(args.format)
    if args.all:
        if args.recording:
            raise ValidationError("give either RECORDING or --all, not both")
        with progress_bar(f"export {args.format}") as cb:
            paths = export_all(wb, args.format, args.output, opts, args.project, cb, left_out=left_out)
        print(f"wrote {len(paths)} files to {args.output}")
    else:
        if not args.recording:
            raise ValidationError("give a RECORDING to export (or --all)")
        print(export_recording(wb, args.recording, args.format, args.output, opts, left_out=left_out))
    note = left_out.note()  # what the version holds and this format does not carry
    if note:
        print(note, file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from audiolab.services.exporting import import_file

    wb = workbench(args)
    res = import_file(wb, args.file, args.recording, args.format, args.as_, args.encoding,
                      args.author or getpass.getuser(), args.tier_name, time=_options(args))
    print(f"imported {res.segments} segments, {res.tags} tags into tier '{res.tier.name}' "
          f"({res.speakers_created} new speakers); undo with: audiolab undo {args.recording}")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from audiolab.export import SubtitleRules
    from audiolab.export.lint import lint

    rules = SubtitleRules(args.max_chars, args.max_lines, args.max_cps, args.min_duration,
                          min_gap_frames=args.min_gap_frames)
    wb = workbench(args)
    issues = lint(wb.transcript(args.recording), _options(args, rules=rules))
    for issue in issues:
        print(issue)
    print(f"{len(issues)} issue(s)")
    return 1 if issues else 0
