#!/usr/bin/env bash
# Peers of `vigil eval baseline` / `vigil bench baseline`, in one run on the same data.
# Builds its own venv with pinned versions (baseline_requirements.txt).
#   bash benches/peers/baseline.sh [DATASETS_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-$here/../../../shared/datasets}"
venv="${VIGIL_PEERS_VENV:-/work/venvs/baseline}"
. "$here/lib.sh"
peers_venv "$venv" "$here/baseline_requirements.txt"
"$venv/bin/python" "$here/baseline_iforest.py" "$data/nsl-kdd/KDDTrain+_20Percent.txt" "$data/nsl-kdd/KDDTest+.txt"
"$venv/bin/python" "$here/baseline_river.py"
