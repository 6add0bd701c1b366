"""Speaker commands: ``speaker enroll`` (a voice under a name), ``speaker list``, ``speaker forget``.

Pre-labeling then names the diarized speakers whose voice matches an enrolled one. Thin: the work
is in :mod:`audiolab.services.speakers`.
"""

from __future__ import annotations

import argparse
import json

from audiolab.cli import add_db_arg, safe, workbench


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("speaker", help="voices known across recordings (enroll, list, forget)",
                       description="Enroll a speaker's voice under a name; pre-labeling then gives that name to "
                                   "the speaker of another recording of the project whose voice matches it "
                                   "(CAM++ embeddings, cosine similarity).")
    sp = p.add_subparsers(dest="speaker_command", metavar="ACTION")
    sp.required = True

    e = sp.add_parser("enroll", help="store a speaker's voice under a name",
                      description="Store the voice of one speaker of a recording: its segments of the work "
                                  "transcript that a person corrected or reviewed, else all its segments.")
    e.add_argument("name", metavar="NAME")
    e.add_argument("--recording", required=True, metavar="REC", help="recording id (or unique prefix, or path)")
    e.add_argument("--speaker", required=True, metavar="LABEL", help="the speaker's label (SPEAKER_01) or name")
    e.add_argument("--project", metavar="P", help="the recording's project, said again (checked)")
    e.add_argument("--as", dest="user", metavar="USER", help="who enrolls (a reviewer or manager where users exist)")
    add_db_arg(e)
    e.set_defaults(func=cmd_enroll)

    ls = sp.add_parser("list", help="the enrolled voices")
    ls.add_argument("--project", metavar="P", help="only this project")
    ls.add_argument("--json", action="store_true")
    add_db_arg(ls)
    ls.set_defaults(func=cmd_list)

    f = sp.add_parser("forget", help="forget a name's voiceprints")
    f.add_argument("name", metavar="NAME")
    f.add_argument("--project", default="default", metavar="P")
    f.add_argument("--as", dest="user", metavar="USER", help="who asks (a reviewer or manager where users exist)")
    add_db_arg(f)
    f.set_defaults(func=cmd_forget)


def cmd_enroll(args: argparse.Namespace) -> int:
    from audiolab.services import speakers

    wb = workbench(args)
    vp = speakers.enroll(wb, args.name, args.recording, args.speaker, project=args.project, actor=args.user)
    used = "corrected or reviewed segments" if vp.source == "checked" else "segments (none or too few checked)"
    print(f"enrolled {safe(vp.name)} in project {safe(vp.project)} from {vp.recording_id} {safe(vp.speaker_label)}: "
          f"{vp.speech_ms / 1000:.1f} s of speech from {vp.segments} {used}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from audiolab.services import speakers

    prints = speakers.list_voiceprints(workbench(args), args.project)
    if args.json:
        print(json.dumps([{"type": "voiceprint", "schema_version": 1, "project": v.project, "name": v.name,
                           "recording_id": v.recording_id, "speaker_label": v.speaker_label,
                           "speech_ms": v.speech_ms, "segments": v.segments, "source": v.source,
                           "created_at": v.created_at} for v in prints], indent=2))
        return 0
    if not prints:
        print("no voices enrolled (add one with `audiolab speaker enroll NAME --recording REC --speaker LABEL`)")
        return 0
    for v in prints:
        print(f"{safe(v.project)}\t{safe(v.name)}\t{v.recording_id or '(deleted recording)'}\t{safe(v.speaker_label)}"
              f"\t{v.speech_ms / 1000:.1f} s\t{v.source}")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from audiolab.services import speakers

    n = speakers.forget(workbench(args), args.name, args.project, actor=args.user)
    print(f"forgot {safe(args.name)} in project {safe(args.project)} ({n} voiceprint{'s' if n != 1 else ''})")
    return 0
