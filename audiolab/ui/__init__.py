"""The browser UI (Gradio): the only package that imports gradio. Start with :func:`build_app`."""

from __future__ import annotations

from audiolab.ui.app import build_app, launch_app

__all__ = ["build_app", "launch_app"]
