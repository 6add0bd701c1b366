"""Checks (and with ``--fix`` repairs) the environment the README's set-up builds.

torchaudio 2.11's wheels link CUDA builds of torch: beside a CPU torch its compiled extension
fails to load and takes ``import pyannote.audio`` down with it. pyannote.audio only needs
torchaudio's pure-Python parts (kaldi-compatible fbank, resampling), which torchaudio uses when
its compiled libraries are absent, so ``--fix`` moves them aside (to ``lib/disabled/``) if and only if
they fail to load.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path


def _torchaudio_loads() -> bool:
    code = "import torchaudio, torchaudio.compliance.kaldi"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def fix_torchaudio() -> str:
    spec = importlib.util.find_spec("torchaudio")
    if spec is None or spec.origin is None:
        return "torchaudio: not installed"
    if _torchaudio_loads():
        return "torchaudio: ok"
    lib = Path(spec.origin).parent / "lib"
    disabled = lib / "disabled"
    disabled.mkdir(exist_ok=True)
    for so in lib.glob("*.so"):
        so.rename(disabled / so.name)
    if not _torchaudio_loads():
        raise SystemExit("torchaudio still fails to import after disabling its compiled libraries")
    return "torchaudio: compiled extension does not match this torch; using its pure-Python fallback"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fix", action="store_true")
    args = parser.parse_args()
    print(f"setup: {fix_torchaudio() if args.fix else ('torchaudio: ok' if _torchaudio_loads() else 'torchaudio: broken')}")


if __name__ == "__main__":
    main()
