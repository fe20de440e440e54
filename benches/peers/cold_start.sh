#!/usr/bin/env bash
# Builds the pinned peers venv and the vigil binary, then runs cold_start.py: how much of the
# GUIDE cold-start ranking is between organisations. Extra arguments go to the script (e.g.
# --data ../shared/datasets/guide/guide_sample.csv --folds 5 --seeds 5).
#   VENV (default /work/venvs/triage).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${VENV:-/work/venvs/triage}"
. "$here/lib.sh"
peers_venv "$venv" "$here/triage_requirements.txt"
vigil="$(vigil_build)"
PYTHONPATH="$here" OMP_NUM_THREADS=1 "$venv/bin/python" "$here/cold_start.py" --vigil "$vigil" "$@"
