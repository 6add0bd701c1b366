"""Durability: SIGKILL in the middle of a burst of edits loses nothing that was acknowledged.

On SQLite (the file after the writer died) and on PostgreSQL (the server after its client died
mid-transaction: the open transaction is rolled back, everything committed stays).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from audiolab.storage.db import Database


def test_sigkill_mid_burst_keeps_every_acknowledged_edit(any_db_path: Path | str, speech_wav: Path) -> None:
    db_path = any_db_path
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("crash_worker.py")), str(db_path), str(speech_wav)],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert proc.stdout is not None
    acks: list[tuple[int, str, int]] = []
    rec_id = proc.stdout.readline().split()[1]
    for line in proc.stdout:
        _, i, seg_id, version = line.split()
        acks.append((int(i), seg_id, int(version)))
        if len(acks) >= 150:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-burst: the worker is inside its next edit
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    db = Database(db_path)
    assert db.integrity_ok()
    history = {(r["entity_id"], json.loads(r["after_json"])["text"])
               for r in db.query("SELECT entity_id, after_json FROM edits WHERE op = 'update' AND recording_id = ?", (rec_id,))}
    for i, seg_id, _ in acks:
        assert (seg_id, f"edit {i}") in history, f"acknowledged edit {i} is missing"
    last: dict[str, tuple[int, int]] = {}
    for i, seg_id, version in acks:
        last[seg_id] = (i, version)
    for seg_id, (i, version) in last.items():
        row = db.query_one("SELECT text, version FROM segments WHERE id = ?", (seg_id,))
        # Either the last acknowledged edit, or the one in flight that committed before the kill.
        assert row["version"] in (version, version + 1)
        if row["version"] == version:
            assert row["text"] == f"edit {i}"
    db.close()
