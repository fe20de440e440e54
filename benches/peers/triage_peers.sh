#!/usr/bin/env bash
# Builds the pinned peers venv and the vigil binary, then runs triage_peers.py: Vigil's triage
# evaluation and LightGBM/XGBoost on raw GUIDE columns and on Vigil's exported features,
# same organisation-grouped folds, one run. Extra arguments go to the script
# (e.g. --data ../shared/datasets/guide/guide_sample.csv --folds 5 --seed 0).
#   VENV (default /work/venvs/triage).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${VENV:-/work/venvs/triage}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/triage_requirements.txt"
fi
target="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --release -p vigil-cli >&2)
OMP_NUM_THREADS=1 "$venv/bin/python" "$here/triage_peers.py" --vigil "$target/release/vigil" "$@"
