"""The export, import and lint commands, end to end on a real database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from audiolab.cli import main
from audiolab.export import ExportOptions, SubtitleRules
from audiolab.export.lint import lint

sys.path.insert(0, str(Path(__file__).parent))
from export_sample import sample_transcript  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"


def test_lint_reports_broken_rules() -> None:
    issues = lint(sample_transcript())
    rules = {(i.segment_id, i.rule) for i in issues}
    assert ("seg1", "overlap") in rules and ("seg2", "overlap") in rules  # overlapping speech, overlapping cues
    assert ("seg4", "cps") in rules  # 82 characters in 1.8 s
    assert ("seg4", "lines") not in rules  # 82 characters wrap into 2 lines of at most 42
    assert all(i.rule not in ("chars-per-line", "min-gap", "min-duration") for i in issues)
    # seg3 ends 200 ms before seg4: fine at 2 frames (67 ms), too close at 10 frames (334 ms).
    strict = lint(sample_transcript(), ExportOptions(rules=SubtitleRules(max_chars_per_line=8, min_gap_frames=10)))
    strict_rules = {(i.segment_id, i.rule) for i in strict}
    assert ("seg3", "min-gap") in strict_rules
    assert ("seg1", "chars-per-line") in strict_rules  # "<everyone>" cannot be wrapped under 8 characters
    assert ("seg4", "lines") in strict_rules
    assert "cue 4 at 00:00:06.200 [cps]" in "\n".join(str(i) for i in issues)


def test_cli_export_import_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str], speech_wav: Path) -> None:
    db = str(tmp_path / "a.db")
    assert main(["ingest", str(speech_wav), "--db", db]) == 0
    from audiolab.services import Workbench

    wb = Workbench(db)
    rid = wb.recordings()[0].id
    srt = tmp_path / "in.srt"
    srt.write_text("1\n00:00:00,200 --> 00:00:01,000\nAnn: Hello there.\n\n2\n00:00:01,100 --> 00:00:02,400\nBen: This is a test.\n")
    assert main(["import", str(srt), "--recording", rid, "--db", db, "--author", "t"]) == 0
    assert "imported 2 segments" in capsys.readouterr().out
    out = tmp_path / "out.vtt"
    assert main(["export", rid, "-f", "vtt", "-o", str(out), "--db", db, "--fps", "30000/1001", "--clock", "video",
                 "--start-tc", "01:00:00;00", "--snap-to-frames"]) == 0
    text = out.read_text()
    assert "01:00:00.200 --> 01:00:01.001" in text and "<v Ann>Hello there." in text
    # the video-time file comes back (say, from a subtitle editor) and is imported as a reference
    capsys.readouterr()
    assert main(["import", str(out), "--recording", rid, "--db", db, "--as", "reference", "--tier-name", "back",
                 "--fps", "30000/1001", "--clock", "video", "--start-tc", "01:00:00;00"]) == 0
    back = next(x for x in wb.transcript(rid).tiers if x.name == "back")
    assert [(x.span.start_ms, x.span.end_ms) for x in wb.transcript(rid).segments_of(back.id)] == [(200, 1001), (1101, 2402)]
    assert main(["import", str(out), "--recording", rid, "--db", db]) == 1  # read as media time: past the end
    assert "import it with --clock video" in capsys.readouterr().err
    assert main(["export", "--all", "-f", "srt", "-o", str(tmp_path / "all"), "--db", db]) == 0
    assert len(list((tmp_path / "all").glob("*.srt"))) == 1
    capsys.readouterr()
    assert main(["lint", rid, "--db", db]) == 1
    assert "cue 1 at 00:00:00.200 [min-duration] on screen 800 ms (min 833 ms)" in capsys.readouterr().out
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:02,000 --> 00:00:01,000\nx\n")
    assert main(["import", str(bad), "--recording", rid, "--db", db]) == 1
    assert "bad.srt:2: cue ends before it starts" in capsys.readouterr().err
    assert main(["export", rid, "-f", "rttm", "-o", str(tmp_path / "x.rttm"), "--db", db, "--drop-frame", "--fps", "25"]) == 1
    assert "drop-frame" in capsys.readouterr().err
    wb.db.close()
