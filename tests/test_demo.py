"""The README's launch command: `audiolab demo` pre-labels the samples and serves the editor."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_prelabels_the_samples_and_serves_the_editor(tmp_path) -> None:
    db = tmp_path / "demo.db"
    port = _free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "audiolab", "demo", "--db", str(db), "--no-browser", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.time() + 240
        while True:
            if proc.poll() is not None:
                pytest.fail(f"demo exited with {proc.returncode}: {proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.time() > deadline:
                    pytest.fail("the editor did not come up within 240 s")
                time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    listing = json.loads(subprocess.run([sys.executable, "-m", "audiolab", "ls", "--db", str(db), "--json"],
                                        capture_output=True, text=True, check=True).stdout)
    assert {r["status"] for r in listing} == {"prelabeled"} and len(listing) == 2
    for r in listing:
        shown = json.loads(subprocess.run([sys.executable, "-m", "audiolab", "show", r["id"], "--db", str(db), "--json"],
                                          capture_output=True, text=True, check=True).stdout)
        assert len({s["speaker"] for s in shown["segments"]}) == 2, r["path"]
        assert all(s["words"] for s in shown["segments"])
