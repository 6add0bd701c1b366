"""Shared fixtures: a fresh database per test, the real recordings in ../shared/data, generated speech."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("AUDIOLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))


def wait_until(page, predicate, what: str, timeout_s: float = 20.0, step_ms: int = 100) -> None:  # noqa: ANN001
    """Poll ``predicate`` (checked outside the browser, e.g. in the database) while the page works."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(step_ms)
    raise AssertionError(f"timed out waiting for {what}")


def shared_file(rel: str) -> Path:
    """A file of ../shared/data, or skip the test saying which file is missing."""
    p = SHARED_DATA / rel
    if not p.exists():
        pytest.skip(f"shared test data not available: {p} (set AUDIOLAB_SHARED_DATA or place ../shared/data)")
    return p


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "manifest.csv").exists():
        pytest.skip(f"shared test data not available at {SHARED_DATA} (set AUDIOLAB_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def manifest(shared_data: Path) -> list[dict[str, str]]:
    with open(shared_data / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "audiolab.db"


@pytest.fixture
def wb(db_path: Path):
    from audiolab.services import Workbench

    w = Workbench(db_path)
    yield w
    w.db.close()


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few seconds of synthetic English speech (espeak-ng), 16 kHz mono WAV."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (the README's set-up installs it)")
    out = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(out), "-s", "150", "Hello there. This is a test of the workbench."],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium (driven by Playwright) shared by the browser tests."""
    from playwright.sync_api import sync_playwright

    from audiolab.ui.devserver import chromium_path, launch_chromium

    if chromium_path() is None:
        pytest.skip("chromium is not installed (the README's set-up installs Debian's chromium)")
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
