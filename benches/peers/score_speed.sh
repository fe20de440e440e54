#!/usr/bin/env bash
# Builds the pinned peers venv and the vigil binary, then runs score_speed.py: Vigil's native
# GBDT, LightGBM and XGBoost on identical synthetic data in one run. Extra arguments go to the
# script (e.g. --rows 200000 --trees 100 --depth 8 --features 32).
#   VENV (default /work/venvs/gbdt-peers), CARGO_FEATURES (e.g. vigil-triage/parallel),
#   RUSTFLAGS (e.g. "-C target-cpu=native" for the AVX-512 figures) pass through to cargo.
# All times are CPU time of the measuring process (the machine may be shared).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${VENV:-/work/venvs/gbdt-peers}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/score_speed_requirements.txt"
fi
target="${CARGO_TARGET_DIR:-$root/target}"
features=()
if [ -n "${CARGO_FEATURES:-}" ]; then features=(--features "$CARGO_FEATURES"); fi
(cd "$root" && cargo build --release -p vigil-cli "${features[@]}" >&2)
# OMP_NUM_THREADS keeps the peers on one core as well.
OMP_NUM_THREADS=1 "$venv/bin/python" "$here/score_speed.py" --vigil "$target/release/vigil" "$@"
