"""faster-whisper drafts with the embedded tiny.en: WER bounds on real clips, core types out."""

from __future__ import annotations

import csv

import jiwer
import pytest

from audiolab.core.model import Word
from audiolab.media.probe import load_audio
from audiolab.pipelines.textnorm import normalize
from tests.conftest import shared_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def asr():
    from audiolab.pipelines import whisper

    opts = whisper.TranscribeOptions(model="tiny.en")
    whisper.load_model(opts)
    return lambda audio: whisper.transcribe(audio, opts)


def _ljspeech(name: str) -> str:
    with open(shared_file("asr_en/ljspeech.tsv"), newline="") as f:
        return next(r["normalized_text"] for r in csv.DictReader(f, delimiter="\t") if r["file"] == name)


CASES = [
    ("asr_en/librispeech_1272-128104-0000.wav", lambda: shared_file("asr_en/librispeech_1272-128104-0000.txt").read_text(), 0.06),
    ("asr_en/ljspeech_LJ001-0001.flac", lambda: _ljspeech("ljspeech_LJ001-0001.flac"), 0.06),
    ("asr_en/ljspeech_LJ001-0007.flac", lambda: _ljspeech("ljspeech_LJ001-0007.flac"), 0.10),
    ("asr_en/jfk.flac", lambda: shared_file("asr_en/jfk.txt").read_text(), 0.06),
]


@pytest.mark.parametrize(("rel", "reference", "bound"), CASES, ids=[c[0].split("/")[-1] for c in CASES])
def test_tiny_en_wer(asr, rel: str, reference, bound: float) -> None:
    result = asr(load_audio(shared_file(rel)))
    hyp = " ".join(s.text for s in result.segments)
    wer = jiwer.wer(normalize(reference()), normalize(hyp))
    assert wer <= bound, f"WER {wer:.3f} > {bound} for {rel}: {hyp!r}"
    seg = result.segments[0]
    assert all(isinstance(w, Word) and w.probability is not None for w in seg.words)
    assert seg.avg_logprob is not None and seg.no_speech_prob is not None
    assert result.language == "en"
    # words are ordered and inside the recording
    ends = [w.span.end_ms for s in result.segments for w in s.words]
    assert ends == sorted(ends) and ends[-1] <= result.duration_ms + 500


def test_progress_and_cancel(asr) -> None:
    from audiolab.pipelines import whisper
    from audiolab.pipelines.types import Cancelled

    audio = load_audio(shared_file("asr_en/jfk.flac"))
    seen: list[tuple[int, int]] = []
    whisper.transcribe(audio, whisper.TranscribeOptions(), progress=lambda d, t, s: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] == len(audio) * 1000 // 16000
    with pytest.raises(Cancelled):
        whisper.transcribe(audio, whisper.TranscribeOptions(), cancel=lambda: True)
