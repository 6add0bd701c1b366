"""Serve the app in a background thread and drive it with headless Chromium (tests and bench).

Playwright is a dev dependency: only :func:`launch_chromium` imports it.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from typing import Any

from audiolab.services import Workbench

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(wb: Workbench, auth: Any = None, port: int | None = None) -> tuple[str, Any]:
    """Start the app on a free local port; returns its URL and the Blocks (``.close()`` stops it)."""
    from audiolab.ui.app import build_app, launch_app

    port = port or free_port()
    demo = build_app(wb, auth=auth)
    launch_app(demo, host="127.0.0.1", port=port, block=False)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "gradio_api/info", timeout=2):
                break
        except urllib.error.HTTPError:
            break  # it answers (sign-in required)
        except OSError:
            time.sleep(0.1)
    return url, demo


def chromium_path() -> str | None:
    return os.environ.get("AUDIOLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, with the flags that make it render in a container."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
