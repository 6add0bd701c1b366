"""A corpus of hostile and absurd inputs: each gets one clear line naming the file, nothing written.

Files are generated here (nothing hostile is stored in the repository); each case names the
format, the content and a fragment the one-line message must contain.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from audiolab.core.model import PipelineRun, new_id
from audiolab.services import Workbench
from audiolab.services.prelabel import mark_stale_runs
from audiolab.storage import history, repository
from audiolab.storage.db import utcnow


def _ls_task(start: object, end: object) -> str:
    return json.dumps([{"id": 1, "data": {"audio": "x.wav"}, "predictions": [{"result": [
        {"id": "r1", "type": "labels", "from_name": "speaker", "to_name": "audio",
         "value": {"start": start, "end": end, "labels": ["A"]}}]}]}]).replace('"__INF__"', "Infinity")


CASES = [
    ("rttm-1e308-start", "rttm", "SPEAKER x 1 1e308 1.0 <NA> <NA> A <NA> <NA>\n", "out of range"),
    ("rttm-1e308-duration", "rttm", "SPEAKER x 1 0.5 1e308 <NA> <NA> A <NA> <NA>\n", "out of range"),
    ("rttm-nan", "rttm", "SPEAKER x 1 nan 1.0 <NA> <NA> A <NA> <NA>\n", "unparseable"),
    ("rttm-past-the-end", "rttm", "SPEAKER x 1 0.5 99999 <NA> <NA> A <NA> <NA>\n", "past the end of recording"),
    ("labelstudio-infinity", "labelstudio", _ls_task(0, "__INF__"), "Infinity"),
    ("labelstudio-year", "labelstudio", _ls_task(0, 1e12), "out of range"),
    ("json-200000-deep", "json", "[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ("labelstudio-200000-deep", "labelstudio", "[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ("json-object-deep", "json", '{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
    ("srt-garbage-times", "srt", "1\n99:99:99,999 --> 00:00:01,000\nhello\n", ""),
    ("vtt-binary", "vtt", "WEBVTT\n\n\x00\x01\x02 --> \x03\n", ""),
]


@pytest.fixture(scope="module")
def recording(tmp_path_factory, speech_wav):
    db = tmp_path_factory.mktemp("hostile") / "h.db"
    wb = Workbench(db)
    rec = wb.ingest_file(speech_wav).recording
    wb.db.close()
    return db, rec.id


@pytest.mark.parametrize(("name", "fmt", "content", "needle"), CASES, ids=[c[0] for c in CASES])
def test_hostile_import_is_one_line_and_writes_nothing(recording, tmp_path, name, fmt, content, needle) -> None:
    db, rid = recording
    path = tmp_path / f"{name}.{ {'labelstudio': 'json'}.get(fmt, fmt) }"
    path.write_text(content, encoding="utf-8")
    seq = history.latest_seq(Workbench(db).db, rid)
    proc = subprocess.run([sys.executable, "-m", "audiolab", "import", str(path), "-f", fmt, "--recording", rid,
                           "--db", str(db)], capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert str(path) in lines[0] and needle in lines[0], lines[0]
    assert history.latest_seq(Workbench(db).db, rid) == seq


def test_control_characters_never_reach_the_terminal(recording, tmp_path) -> None:
    db, rid = recording
    srt = tmp_path / "escapes.srt"
    srt.write_text("1\n00:00:00,100 --> 00:00:01,000\nred \x1b[31malert\x1b[0m and a bell\x07\n", encoding="utf-8")
    assert subprocess.run([sys.executable, "-m", "audiolab", "import", str(srt), "--recording", rid, "--db", str(db)],
                          capture_output=True, text=True, timeout=120).returncode == 0
    shown = subprocess.run([sys.executable, "-m", "audiolab", "show", rid, "--db", str(db)],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "\\x1b[31malert" in shown.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path, db_path) -> None:
    bad = tmp_path / "two\nlines.wav"
    bad.write_bytes(b"RIFF not really a wav")
    proc = subprocess.run([sys.executable, "-m", "audiolab", "ingest", str(bad), "--db", str(db_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    report = [line for line in proc.stdout.splitlines() if line.startswith("error")]
    assert len(report) == 1 and "two\\nlines.wav" in report[0], proc.stdout


def test_a_looping_symlink_is_reported_not_skipped(tmp_path, db_path) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    loop = folder / "loop.wav"
    os.symlink(loop, loop)
    proc = subprocess.run([sys.executable, "-m", "audiolab", "ingest", str(folder), "--db", str(db_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert any("loop.wav" in line and "symbolic link" in line for line in proc.stdout.splitlines()), proc.stdout


def test_a_run_left_running_by_a_dead_process_is_marked_failed(wb, speech_wav) -> None:
    rec = wb.ingest_file(speech_wav).recording
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    runs = {
        "dead": PipelineRun(new_id(), rec.id, "prelabel", "m", {}, utcnow(), None, "running",
                            stats={"host": host, "pid": dead.pid}),
        "alive": PipelineRun(new_id(), rec.id, "prelabel", "m", {}, utcnow(), None, "running",
                             stats={"host": host, "pid": os.getpid()}),
        "elsewhere": PipelineRun(new_id(), rec.id, "prelabel", "m", {}, utcnow(), None, "running",
                                 stats={"host": host + "-other", "pid": dead.pid}),
    }
    with wb.db.transaction():
        for r in runs.values():
            repository.insert_run(wb.db, r)
    assert [r.id for r in mark_stale_runs(wb)] == [runs["dead"].id]
    status = {r.id: (r.status, r.error) for r in repository.get_runs(wb.db, rec.id)}
    assert status[runs["dead"].id][0] == "failed" and f"pid {dead.pid}" in status[runs["dead"].id][1]
    assert status[runs["alive"].id][0] == "running" and status[runs["elsewhere"].id][0] == "running"
