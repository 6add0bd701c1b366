"""The ``audiolab ui`` command: serve the browser editor (localhost unless sign-in is set up)."""

from __future__ import annotations

import argparse
import getpass
import sys

from audiolab.cli import add_db_arg, workbench
from audiolab.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ui", help="open the browser editor (Gradio)",
                       description="Serve the library and the waveform/transcript editor. Binds to 127.0.0.1; "
                                   "any other host needs --auth (or users in the database).")
    add_db_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    p.add_argument("--auth", metavar="USER", help="require sign-in as USER; the password is prompted for "
                   "(or read with --password-stdin), never given as an argument")
    p.add_argument("--password-stdin", action="store_true", help="read the --auth password from the first line of stdin")
    p.add_argument("--recording", metavar="ID", help="recording to open in the editor")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p.set_defaults(func=cmd_ui)


def parse_auth(value: str | None, read_password=None) -> tuple[str, str] | None:  # noqa: ANN001
    """``(user, password)`` for ``--auth USER``, the password from ``read_password()``.

    A password on the command line is refused: other users of the machine can read it in the
    process list and it stays in the shell's history.
    """
    if value is None:
        return None
    if ":" in value:
        raise ValidationError("--auth takes only the user name (--auth USER); the password is prompted for, "
                              "or read with --password-stdin, never given as an argument")
    user = value.strip()
    if not user:
        raise ValidationError("--auth needs a user name")
    password = (read_password or _prompt)(user)
    if not password:
        raise ValidationError("empty password")
    return user, password


def _prompt(user: str) -> str:
    if not sys.stdin.isatty():
        raise ValidationError("no terminal to prompt on for the --auth password: pass --password-stdin and pipe it")
    return getpass.getpass(f"password for {user}: ")


def _stdin_password(_user: str) -> str:
    return sys.stdin.readline().rstrip("\r\n")


def cmd_ui(args: argparse.Namespace) -> int:
    from audiolab.ui.app import build_app, is_loopback, launch_app, resolve_auth

    from audiolab.services.prelabel import mark_stale_runs

    wb = workbench(args)
    mark_stale_runs(wb)  # runs a killed process left "running" show as failed in the Library
    auth = parse_auth(args.auth, _stdin_password if args.password_stdin else None)
    if not is_loopback(args.host) and resolve_auth(wb, auth) is None:
        raise ValidationError(f"refusing to serve the editor on {args.host} without sign-in: pass --auth USER "
                              "(or add users), or keep the default --host 127.0.0.1")
    rec = wb.recording(args.recording).id if args.recording else None
    demo = build_app(wb, auth=auth, initial_recording=rec)
    print(f"audiolab editor on http://{args.host}:{args.port}/" + (f"#rec={rec}" if rec else ""))
    launch_app(demo, host=args.host, port=args.port, open_browser=not args.no_browser)
    return 0
