#!/usr/bin/env bash
# Builds the pinned peers venv and the vigil binary, then runs triage_peers.py: Vigil's triage
# evaluation and LightGBM/XGBoost on raw GUIDE columns and on Vigil's exported features,
# same organisation-grouped folds, one run. Extra arguments go to the script
# (e.g. --data ../shared/datasets/guide/guide_sample.csv --folds 5 --seed 0).
#   VENV (default /work/venvs/triage).
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
run_triage_peer triage_peers.py "$@"
