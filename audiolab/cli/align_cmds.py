"""The ``align`` command: time a plain-text transcript against its recording (thin: the work is
in :mod:`audiolab.services.align_text`)."""

from __future__ import annotations

import argparse

from audiolab.cli import add_db_arg, safe, workbench


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("align", help="time a plain-text transcript (no times) against an ingested recording",
                       description="Align a plain-text transcript (UTF-8, one turn per line, an optional 'NAME:' "
                                   "prefix naming the speaker) to a recording with the Whisper model, and store one "
                                   "segment per line with timed words, as one undoable edit in the working "
                                   "transcript. Lines not heard in the audio are reported and left out.")
    p.add_argument("recording", metavar="RECORDING", help="recording id (or a unique prefix, or its path)")
    p.add_argument("--text", required=True, metavar="FILE", help="the transcript")
    p.add_argument("--language", default=None, metavar="L", help="language code of the text (default: en)")
    p.add_argument("--model", default=None, metavar="M",
                   help="Whisper model: base (default, embedded, multilingual), tiny.en (embedded, English), "
                        "or a local CTranslate2 directory")
    p.add_argument("--replace", action="store_true",
                   help="remove the working transcript's untouched drafts first (edited segments are never removed)")
    p.add_argument("--author", default="audiolab-align", help="who the edit history names")
    add_db_arg(p)
    p.set_defaults(func=cmd_align)


def cmd_align(args: argparse.Namespace) -> int:
    from audiolab.cli.progress import progress_bar
    from audiolab.pipelines.align import AlignOptions
    from audiolab.services.align_text import align_transcript

    wb = workbench(args)
    rec = wb.recording(args.recording)
    options = AlignOptions(model=args.model, language=args.language)
    with progress_bar(f"align {rec.id}") as update:
        r = align_transcript(wb, rec.id, args.text, options, replace=args.replace, author=args.author,
                             progress=update)
    made = f", {len(r.speakers_created)} speakers created ({', '.join(safe(n) for n in r.speakers_created)})" \
        if r.speakers_created else ""
    gone = f", {r.replaced} untouched drafts replaced" if r.replaced else ""
    print(f"{rec.id}  aligned {r.segments} lines, {r.words} words{made}{gone} in {r.seconds:.1f} s "
          f"(model {options.model_name()}; undo with `audiolab undo {rec.id}`)")
    for number, text in r.unplaced:
        print(f"  not heard, left out: line {number}: {safe(text[:80])}")
    for number, word, start, end in r.stretched:
        print(f"  line {number}: '{safe(word)}' spans {start / 1000:.2f}-{end / 1000:.2f} s: "
              "the text may miss words there")
    return 0
