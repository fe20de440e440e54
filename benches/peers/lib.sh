# Shared by the peer scripts (source it): the pinned venv and the vigil binary they all need.

# peers_venv DIR REQUIREMENTS: makes the venv DIR with the pinned REQUIREMENTS, unless it
# already has a python.
peers_venv() {
  local venv="$1" requirements="$2"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$requirements"
  fi
}

# vigil_build [CARGO ARGS...]: builds vigil-cli (release; build output on stderr) and prints
# the binary's path (CARGO_TARGET_DIR is honoured).
vigil_build() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  (cd "$root" && cargo build --release -p vigil-cli "$@" >&2)
  printf '%s\n' "${CARGO_TARGET_DIR:-$root/target}/release/vigil"
}

# run_triage_peer SCRIPT.py [ARGS...]: what every GUIDE peer script runs the same way: the
# pinned triage venv (VENV, default /work/venvs/triage), a release vigil, then the script on
# one thread with this folder importable (they share ece_floor.pooled_adapted).
run_triage_peer() {
  local here venv vigil script="$1"
  shift
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  venv="${VENV:-/work/venvs/triage}"
  peers_venv "$venv" "$here/triage_requirements.txt"
  vigil="$(vigil_build)"
  PYTHONPATH="$here" OMP_NUM_THREADS=1 "$venv/bin/python" "$here/$script" --vigil "$vigil" "$@"
}
