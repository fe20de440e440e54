#!/usr/bin/env bash
# Builds the pinned peers venv and the vigil binary, then runs score_speed.py: Vigil's native
# GBDT, LightGBM and XGBoost on identical synthetic data in one run. Extra arguments go to the
# script (e.g. --rows 200000 --trees 100 --depth 8 --features 32).
#   VENV (default /work/venvs/gbdt-peers), CARGO_FEATURES (e.g. vigil-triage/parallel),
#   RUSTFLAGS (e.g. "-C target-cpu=native" for the AVX-512 figures) pass through to cargo.
# All times are CPU time of the measuring process (the machine may be shared).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${VENV:-/work/venvs/gbdt-peers}"
. "$here/lib.sh"
peers_venv "$venv" "$here/score_speed_requirements.txt"
features=()
if [ -n "${CARGO_FEATURES:-}" ]; then features=(--features "$CARGO_FEATURES"); fi
vigil="$(vigil_build "${features[@]}")"
# OMP_NUM_THREADS keeps the peers on one core as well.
OMP_NUM_THREADS=1 "$venv/bin/python" "$here/score_speed.py" --vigil "$vigil" "$@"
