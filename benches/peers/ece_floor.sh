#!/usr/bin/env bash
# Builds the pinned peers venv and the vigil binary, then runs ece_floor.py: how low ECE can go
# on GUIDE when the calibrator has or has not seen the test organisations. Extra arguments go
# to the script (e.g. --data ../shared/datasets/guide/guide_sample.csv --folds 5 --seeds 5).
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
PYTHONPATH="$here" OMP_NUM_THREADS=1 "$venv/bin/python" "$here/ece_floor.py" --vigil "$target/release/vigil" "$@"
