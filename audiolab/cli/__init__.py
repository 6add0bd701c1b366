"""The ``audiolab`` command: a thin shell over :mod:`audiolab.services`.

Each command module exposes ``register(subparsers)``; user errors become one line on stderr and
exit status 1, usage errors exit 2, and only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from audiolab import __version__
from audiolab.errors import AudiolabError

# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = [
    "audiolab.cli.core_cmds",
    "audiolab.cli.prelabel_cmds",
    "audiolab.cli.speaker_cmds",
    "audiolab.cli.align_cmds",
    "audiolab.cli.events_cmds",
    "audiolab.cli.export_cmds",
    "audiolab.cli.ui_cmds",
    "audiolab.cli.qa_cmds",
    "audiolab.cli.demo_cmds",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audiolab",
        description="Audio transcription and diarization workbench.",
    )
    parser.add_argument("--version", action="version", version=f"audiolab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def add_db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="DB", help="database file, or a postgresql://USER@HOST[:PORT]/NAME URL "
                   "(default: $AUDIOLAB_DB, else a per-user data file)")


def workbench(args: argparse.Namespace):  # noqa: ANN201 - Workbench, imported lazily for a fast --help
    from audiolab.services import Workbench

    return Workbench(getattr(args, "db", None))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe(text: object) -> str:
    """``text`` with control characters escaped (``\\x1b``, ``\\n``): a file name, transcript or
    error message can neither send terminal escapes nor break a one-line report in two.

    >>> safe("bad\\nname\\x1b[31m.wav")
    'bad\\\\nname\\\\x1b[31m.wav'
    """
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def error(message: str) -> None:
    print(f"audiolab: error: {safe(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AudiolabError as exc:
        error(str(exc))
        return 1
    except KeyboardInterrupt:
        error("interrupted; everything acknowledged so far is saved")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
