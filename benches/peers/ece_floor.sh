#!/usr/bin/env bash
# Builds the pinned peers venv and the vigil binary, then runs ece_floor.py: how low ECE can go
# on GUIDE when the calibrator has or has not seen the test organisations. Extra arguments go
# to the script (e.g. --data ../shared/datasets/guide/guide_sample.csv --folds 5 --seeds 5).
#   VENV (default /work/venvs/triage).
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
run_triage_peer ece_floor.py "$@"
