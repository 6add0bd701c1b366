"""The offline diarizer: pyannote's SpeakerDiarization built for real from the local weights."""

from __future__ import annotations

import pytest

from audiolab.media.probe import load_audio
from tests.conftest import shared_file

pytestmark = pytest.mark.slow


def _rttm(path) -> "Annotation":  # noqa: F821
    from pyannote.core import Annotation, Segment

    ann = Annotation()
    for i, line in enumerate(open(path)):
        p = line.split()
        ann[Segment(float(p[3]), float(p[3]) + float(p[4])), i] = p[7]
    return ann


def test_pipeline_is_pyannote_speaker_diarization_with_campplus() -> None:
    import torch
    from pyannote.audio import Model
    from pyannote.audio.pipelines import SpeakerDiarization

    from audiolab.pipelines import campplus
    from audiolab.pipelines.diarize import DiarizeOptions, load_pipeline

    pipe = load_pipeline(DiarizeOptions())
    assert isinstance(pipe, SpeakerDiarization)
    assert pipe.klustering == "AgglomerativeClustering"
    assert pipe.clustering.constrained_assignment  # speakers of one chunk never share a cluster
    assert isinstance(pipe._segmentation.model, Model)
    emb_model = pipe._embedding.model_
    assert emb_model.dimension == 192
    # the CAM++ wrapper serves pyannote's embedding interface with masks
    wav = torch.from_numpy(load_audio(shared_file("diarization/pyannote_sample.wav"))[: 16000 * 10]).reshape(1, 1, -1)
    masks = torch.zeros(2, 589)
    masks[0, 100:400] = 1
    out = pipe._embedding(wav.repeat(2, 1, 1), masks=masks)
    assert out.shape == (2, 192) and not torch.isnan(torch.from_numpy(out[0])).any()
    assert torch.isnan(torch.from_numpy(out[1])).all()  # a silent speaker gets no embedding
    # CAM++ loads the released state_dict strictly and separates the call's two speakers
    seg, emb = __import__("audiolab.pipelines.models", fromlist=["x"]).offline_diarization_weights()
    net = campplus.load(emb)
    audio = torch.from_numpy(load_audio(shared_file("diarization/pyannote_sample.wav")))
    ref = _rttm(shared_file("diarization/pyannote_sample.rttm"))
    embs = {}
    for segment, _, label in ref.itertracks(yield_label=True):
        if segment.duration > 1.5 and label not in embs:
            x = audio[int(segment.start * 16000): int(segment.end * 16000)]
            with torch.inference_mode():
                embs[label] = torch.nn.functional.normalize(net(campplus.fbank(x)[None])[0], dim=0)
    a, b = embs.values()
    assert float(a @ b) < 0.5


def test_der_on_pyannote_sample() -> None:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    from audiolab.pipelines.diarize import DiarizeOptions, diarize

    result = diarize(load_audio(shared_file("diarization/pyannote_sample.wav")), DiarizeOptions())
    assert result.speakers == ("SPEAKER_00", "SPEAKER_01")
    hyp = Annotation()
    for i, t in enumerate(result.turns):
        hyp[Segment(t.span.start_s, t.span.end_s), i] = t.speaker
    der = DiarizationErrorRate(collar=0.0)(_rttm(shared_file("diarization/pyannote_sample.rttm")), hyp,
                                          uem=Segment(0, 30))
    assert der <= 0.06, f"DER {der:.3f}"
    # the exclusive turns never overlap
    ex = sorted(result.exclusive, key=lambda t: t.span)
    assert all(x.span.end_ms <= y.span.start_ms for x, y in zip(ex, ex[1:]))
    assert len(result.turns) >= len({t.speaker for t in result.turns})


def test_bad_hub_pipeline_offline_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from audiolab.errors import ModelError
    from audiolab.pipelines.diarize import DiarizeOptions, load_pipeline

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(ModelError, match="offline default"):
        load_pipeline(DiarizeOptions(pipeline="pyannote/speaker-diarization-community-1"))
    assert time.perf_counter() - t0 < 5
