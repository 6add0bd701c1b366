"""Subprocess for test_crash: edits as fast as it can and prints an ACK after each stored edit.

The database is a SQLite file or a ``postgresql://`` URL (``Workbench`` takes either).
"""

from __future__ import annotations

import sys

from audiolab.core.model import Segment, Span, new_id
from audiolab.services import Workbench, editing
from audiolab.storage.edits import Change


def main(db_path: str, media: str) -> None:
    wb = Workbench(db_path)
    rec = wb.ingest_file(media).recording
    segs = [Segment(id=new_id(), recording_id=rec.id, tier_id=f"{rec.id}-transcript", span=Span(i * 100, i * 100 + 90),
                    text=f"seg {i}") for i in range(5)]
    stored = wb.apply(rec.id, [Change.create(s) for s in segs], "worker").values
    current = {s.id: stored[s.id] for s in segs}
    print(f"READY {rec.id}", flush=True)
    i = 0
    while True:
        seg = current[segs[i % len(segs)].id]
        text = f"edit {i}"
        res = editing.set_text(wb, seg, text, "worker")
        current[seg.id] = res.values[seg.id]
        sys.stdout.write(f"ACK {i} {seg.id} {res.values[seg.id].version}\n")
        sys.stdout.flush()
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
