"""Concurrent writers: 8 processes edit the same segments; no acknowledged edit is lost, every stale
edit is refused with ConflictError, and none is ever applied over another one.

Runs on SQLite and on PostgreSQL. This file is also the writer process (``python test_concurrency.py``).
"""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

WRITERS = 8
ITERATIONS = 30  # per writer; also bounded by DEADLINE_S
DEADLINE_S = 20.0
SEGMENTS = 3  # few, so that writers collide


def writer(target: str, rec_id: str, seg_ids: list[str], n: int) -> None:
    """Read a segment, wait a moment, write it on the version read; every 5th write deliberately
    uses a version this writer already wrote over (certainly stale). One JSON line per attempt."""
    from audiolab.errors import ConflictError
    from audiolab.services import Workbench
    from audiolab.storage.edits import Change
    from audiolab.storage.repository import MAPPERS

    wb = Workbench(target)
    rng = random.Random(n)
    overwritten: dict[str, object] = {}  # segment id -> a version this writer has written over
    print("READY", flush=True)
    sys.stdin.readline()  # GO: all writers start together
    deadline = time.monotonic() + DEADLINE_S
    for i in range(ITERATIONS):
        if time.monotonic() > deadline:
            break
        sid = rng.choice(seg_ids)
        current = MAPPERS["segment"].get(wb.db, sid)
        deliberate = i % 5 == 4 and sid in overwritten
        base = overwritten[sid] if deliberate else current
        time.sleep(rng.random() * 0.004)  # let the others move it on meanwhile
        text = f"w{n}-{i}"
        line = {"seg": sid, "text": text, "based_on": base.version, "deliberate": deliberate}
        try:
            res = wb.apply(rec_id, [Change.update(dataclasses.replace(base, text=text))], f"writer{n}")
        except ConflictError as exc:
            line.update(ok=False, expected=exc.expected, current=exc.current)
        else:
            line.update(ok=True, version=res.values[sid].version)
            overwritten[sid] = base
        print(json.dumps(line), flush=True)
    wb.db.close()


def test_eight_writers_lose_nothing_and_never_overwrite(any_db_path, speech_wav: Path) -> None:
    from audiolab.core.model import Segment, Span, new_id
    from audiolab.services import Workbench
    from audiolab.storage.edits import Change

    target = str(any_db_path)
    wb = Workbench(target)
    rec = wb.ingest_file(speech_wav).recording
    segs = [Segment(new_id(), rec.id, f"{rec.id}-transcript", Span(i * 300, i * 300 + 200), f"seg {i}")
            for i in range(SEGMENTS)]
    wb.apply(rec.id, [Change.create(s) for s in segs], "setup")
    seg_ids = [s.id for s in segs]

    procs = [subprocess.Popen([sys.executable, __file__, target, rec.id, ",".join(seg_ids), str(n)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent) for n in range(WRITERS)]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "READY"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("GO\n")
            p.stdin.flush()
        attempts = []
        for p in procs:
            out, _ = p.communicate(timeout=DEADLINE_S + 60)
            assert p.returncode == 0, f"writer failed (exit {p.returncode})"
            attempts += [json.loads(line) for line in out.splitlines() if line.strip()]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()

    acks = [a for a in attempts if a["ok"]]
    refused = [a for a in attempts if not a["ok"]]
    assert acks and refused, "the writers did not collide"
    assert all(not a["ok"] for a in attempts if a["deliberate"]), "a write on a version known stale was applied"

    rows = wb.db.query("SELECT entity_id, before_json, after_json FROM edits WHERE op = 'update' AND recording_id = ?",
                       (rec.id,))
    history: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for r in rows:
        before, after = json.loads(r["before_json"]), json.loads(r["after_json"])
        history[r["entity_id"]].append((before["version"], after["version"], after["text"]))

    # Every acknowledged write is in the history, with its text, on the version it was based on.
    for a in acks:
        assert (a["based_on"], a["version"], a["text"]) in history[a["seg"]], f"acknowledged edit lost: {a}"
    # Nothing else was applied, and no two writes were applied on the same version: one chain per segment.
    assert len(rows) == len(acks)
    stored = {s.id: s for s in wb.transcript(rec.id).segments}
    for sid in seg_ids:
        chain = sorted(history[sid])
        assert [b for b, _, _ in chain] == list(range(1, stored[sid].version)), f"writes applied over others: {chain}"
        assert all(after == before + 1 for before, after, _ in chain)
        if chain:
            assert stored[sid].text == chain[-1][2]  # the last acknowledged write is what is stored
    # Each refused write was stale: its version had been written over by someone else first.
    written_texts = {t for chain in history.values() for _, _, t in chain}
    for a in refused:
        assert a["current"] is not None and a["current"] > a["expected"] == a["based_on"], a
        assert any(b == a["based_on"] for b, _, _ in history[a["seg"]]), a
        assert a["text"] not in written_texts
    wb.db.close()


if __name__ == "__main__":
    writer(sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]))
