#!/usr/bin/env bash
# Create .venv with the project and every dependency; a no-op when pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed"
PYTHON=${PYTHON:-python3}

if [ -f "$STAMP" ] && [ "$STAMP" -nt pyproject.toml ] && [ "$STAMP" -nt "$0" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# uWSGI compiles from source: it needs a C compiler and the Python headers (both on the image).
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev,server]"
touch "$STAMP"
echo "bootstrap: $VENV is ready"
