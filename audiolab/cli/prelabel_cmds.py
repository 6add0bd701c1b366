"""Pre-labeling commands: ``prelabel`` (drafts for ingested recordings) and ``transcribe``
(ingest + pre-label + export in one step). Thin: options are parsed here, work is in services."""

from __future__ import annotations

import argparse
import os
import sys

from audiolab.cli import add_db_arg, safe, workbench


def _model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("models (offline by default)")
    g.add_argument("--asr-model", default="tiny.en", metavar="NAME",
                   help="Whisper model: tiny.en (default, embedded), base (embedded, multilingual), a local "
                        "CTranslate2 directory, or a hub name (needs --hf-token / HF_TOKEN)")
    g.add_argument("--language", default=None, metavar="L", help="language code (default: detect; tiny.en is English)")
    g.add_argument("--beam-size", type=int, default=5)
    g.add_argument("--glossary", default="", metavar="WORDS", help="comma-separated names/terms to favour")
    g.add_argument("--num-speakers", type=int, metavar="N")
    g.add_argument("--min-speakers", type=int, metavar="N")
    g.add_argument("--max-speakers", type=int, metavar="N")
    g.add_argument("--no-diarization", action="store_true", help="transcribe only (one unnamed speaker)")
    g.add_argument("--diarization-pipeline", default="offline", metavar="NAME_OR_DIR",
                   help="'offline' (default: built-in segmentation-3.0 + CAM++), a local pyannote pipeline "
                        "directory, or a hub name such as pyannote/speaker-diarization-community-1 (needs a token)")
    g.add_argument("--hf-token", default=None, metavar="TOKEN",
                   help="Hugging Face token (also allows downloads; default: $HF_TOKEN)")


def _ray_args(p: argparse.ArgumentParser) -> None:
    # defaults live in audiolab.services.batch.RayOptions (not imported here: --help stays fast)
    g = p.add_argument_group("cluster (Ray): models load once per actor, files are spread over the actors, "
                             "this process stores the results")
    g.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                   help="pre-label on Ray: without ADDRESS a local Ray runtime (started and stopped here); 'auto' "
                        "joins the cluster started on this machine with `ray start`; HOST:PORT joins that head")
    g.add_argument("--ray-actors", type=int, metavar="N",
                   help="model-holding actors (default: as many as the cluster's CPUs/GPUs hold, at most one per file)")
    g.add_argument("--ray-cpus-per-actor", type=float, default=None, metavar="C",
                   help="CPUs each actor reserves (default 2: one ASR and one diarization "
                        "thread, as in-process)")
    g.add_argument("--ray-gpus-per-actor", type=float, default=None, metavar="G",
                   help="GPUs each actor reserves (default 0; the models decode on CPU, so "
                        "this only places actors on GPU nodes)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prelabel", help="draft transcripts and speakers for ingested recordings",
                       description="Transcribe (faster-whisper) and diarize (pyannote.audio) recordings, storing "
                                   "draft segments with words attributed to speakers. Recordings with a finished "
                                   "run are skipped unless --force; a re-run never replaces human-edited segments.")
    p.add_argument("recordings", nargs="*", metavar="RECORDING", help="recording ids (or unique prefixes, or paths)")
    p.add_argument("--all", action="store_true", help="every recording in the database")
    p.add_argument("--project", help="with --all: only the recordings of this project")
    add_db_arg(p)
    p.add_argument("--force", action="store_true", help="run again even where a finished run exists")
    p.add_argument("--rediarize", action="store_true",
                   help="diarize again (e.g. with --num-speakers N), keeping the words of the latest run: only "
                        "untouched drafts change, their words attributed to the new speakers")
    _model_args(p)
    _ray_args(p)
    p.set_defaults(func=cmd_prelabel)

    p = sub.add_parser("transcribe", help="ingest + pre-label + export one media file in one step")
    p.add_argument("media", metavar="MEDIA")
    p.add_argument("-f", "--format", default="srt", metavar="FORMAT", help="export format (srt, vtt, json, ...)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (or folder)")
    add_db_arg(p)
    p.add_argument("--force", action="store_true", help="pre-label again even if done before")
    _model_args(p)
    p.set_defaults(func=cmd_transcribe)


def options_from_args(args: argparse.Namespace):  # noqa: ANN201 - PrelabelOptions, imported lazily
    """Build the service options from parsed arguments."""
    if args.hf_token:
        os.environ.setdefault("HF_TOKEN", args.hf_token)
    from audiolab.pipelines.diarize import DiarizeOptions
    from audiolab.pipelines.whisper import TranscribeOptions
    from audiolab.services.prelabel import PrelabelOptions

    glossary = tuple(w.strip() for w in args.glossary.split(",") if w.strip())
    asr = TranscribeOptions(model=args.asr_model, language=args.language, beam_size=args.beam_size,
                            glossary=glossary, hf_token=args.hf_token)
    diar = None
    if not args.no_diarization:
        diar = DiarizeOptions(pipeline=args.diarization_pipeline, num_speakers=args.num_speakers,
                              min_speakers=args.min_speakers, max_speakers=args.max_speakers,
                              hf_token=args.hf_token)
    return PrelabelOptions(asr=asr, diarization=diar)


def _describe(run) -> str:  # noqa: ANN001 - PipelineRun
    s = run.stats
    if s.get("no_speech"):
        return "no speech found: no speakers or text were created"
    spk = f", {s.get('speakers')} speakers" if s.get("speakers") is not None else ""
    kept = f", {s['kept_human_segments']} human-edited segments kept" if s.get("kept_human_segments") else ""
    rtf = f", {s['realtime_factor']}x real time" if s.get("realtime_factor") else ""
    named = ", ".join(f"{m['label']} = {safe(m['named'])}" for m in s.get("enrolled_voices", ()) if m.get("named"))
    named = f", enrolled voices: {named}" if named else ""
    return f"{s.get('segments', 0)} segments, {s.get('words', 0)} words{spk}{named}{kept}{rtf}"


def cmd_prelabel(args: argparse.Namespace) -> int:
    from audiolab.cli.progress import progress_bar
    from audiolab.errors import AudiolabError, ValidationError
    from audiolab.services.prelabel import check_models, finished_run, prelabel

    options = options_from_args(args)
    check_models(options)  # a missing model is one clear error, before any file is decoded
    wb = workbench(args)
    if args.project and not args.all:
        raise ValidationError("--project goes with --all")
    if args.all:
        recs = wb.recordings(args.project)
    elif args.recordings:
        recs = [wb.recording(r) for r in args.recordings]
    else:
        raise ValidationError("name recordings to pre-label, or use --all")
    ray_flags = [f for f in ("ray_actors", "ray_cpus_per_actor", "ray_gpus_per_actor") if getattr(args, f) is not None]
    if ray_flags and args.ray is None:
        raise ValidationError(f"--{ray_flags[0].replace('_', '-')} goes with --ray")
    if not recs:
        print("no recordings (add some with `audiolab ingest PATH`)")
        return 0
    if args.rediarize:
        return _rediarize(args, wb, recs, options)
    if args.ray is not None:
        return _prelabel_on_ray(args, wb, recs, options)
    failed = 0
    with progress_bar("all files") as overall:
        for i, rec in enumerate(recs):
            overall(i, len(recs), rec.id)
            if not args.force and (done := finished_run(wb, rec.id)) is not None:
                print(f"{rec.id}  skipped (pre-labeled at {done.finished_at}; --force to redo)")
                continue
            try:
                with progress_bar(rec.id) as update:
                    run = prelabel(wb, rec.id, options, progress=update, force=True)
            except AudiolabError as exc:
                failed += 1
                print(f"{rec.id}  error: {safe(exc)}")
                continue
            print(f"{rec.id}  {_describe(run)}")
        overall(len(recs), len(recs), "")
    if failed:
        print(f"{failed} of {len(recs)} recordings failed", file=sys.stderr)
    return 1 if failed else 0


def _rediarize(args: argparse.Namespace, wb, recs, options) -> int:  # noqa: ANN001 - lazily imported types
    from audiolab.cli.progress import progress_bar
    from audiolab.errors import AudiolabError, ValidationError
    from audiolab.services.rediarize import rediarize

    if args.ray is not None or options.diarization is None:
        raise ValidationError(f"--rediarize does not go with {'--ray' if args.ray is not None else '--no-diarization'}")
    failed = 0
    for rec in recs:
        try:
            with progress_bar(rec.id) as update:
                run = rediarize(wb, rec.id, options.diarization, progress=update)
        except AudiolabError as exc:
            failed += 1
            print(f"{rec.id}  error: {safe(exc)}")
            continue
        print(f"{rec.id}  re-diarized: {_describe(run)}")
    return 1 if failed else 0


def _prelabel_on_ray(args: argparse.Namespace, wb, recs, options) -> int:  # noqa: ANN001 - lazily imported types
    from audiolab.cli.progress import progress_bar
    from audiolab.services.batch import FileOutcome, RayOptions, run_batch

    given = {"cpus_per_actor": args.ray_cpus_per_actor, "gpus_per_actor": args.ray_gpus_per_actor}
    ray_options = RayOptions(address=args.ray, actors=args.ray_actors,
                             **{k: v for k, v in given.items() if v is not None})

    def report(o: FileOutcome) -> None:
        if o.status == "skipped":
            print(f"{o.recording_id}  skipped (pre-labeled at {o.run.finished_at}; --force to redo)")
        elif o.status == "done":
            again = f" (on attempt {o.attempts})" if o.attempts > 1 else ""
            print(f"{o.recording_id}  {_describe(o.run)}{again}")
        else:
            print(f"{o.recording_id}  {o.status}: {safe(o.error)}")

    def notice(text: str) -> None:
        print(f"ray: {safe(text)}", file=sys.stderr)

    with progress_bar("all files") as overall:
        summary = run_batch(wb, recs, options, ray_options, force=args.force, progress=overall, report=report,
                            notice=notice)
    if summary.actors:
        loads = summary.model_load_s
        load = f", models loaded in {sum(loads) / len(loads):.1f} s per actor" if loads else ""
        print(f"ray: {summary.count('done')} files, {summary.audio_s:.1f} s of audio in {summary.wall_s:.1f} s on "
              f"{summary.actors} actors: {summary.realtime_factor}x real time overall (start-up {summary.startup_s:.1f} s"
              f"{load}; {summary.retries} retries)", file=sys.stderr)
    failed = summary.count("failed") + summary.count("cancelled")
    if failed:
        print(f"{failed} of {len(recs)} recordings failed", file=sys.stderr)
    return 1 if failed else 0


def cmd_transcribe(args: argparse.Namespace) -> int:
    from audiolab.cli.progress import progress_bar
    from audiolab.services.prelabel import prelabel

    options = options_from_args(args)
    wb = workbench(args)
    result = wb.ingest_file(args.media)
    rec = result.recording
    with progress_bar(rec.id) as update:
        run = prelabel(wb, rec.id, options, progress=update, force=args.force)
    print(f"{rec.id}  {_describe(run)}", file=sys.stderr)
    from audiolab.export import write_transcript

    out = write_transcript(wb.transcript(rec.id), args.format, args.output)
    print(out)
    return 0
