#!/usr/bin/env bash
# Paired timing of two `vigil` builds on the #3 headline:
#   vigil bench baseline --entities 100000 --events 5000000 --json
# usage: benches/ab_baseline.sh VIGIL_A VIGIL_B [PAIRS=12]
# Each pair runs both builds in an order drawn at random, with random 0-3 s pauses: strict
# alternation can lock in phase with another process's cycle and make one build lose every
# pair. Prints one line per run (build, UTC time, 1-min load, ns_per_event, zipf ns,
# bytes_per_entity, flagged_10_bits), then per build: mean, median, range, zipf mean.
set -euo pipefail
A=${1:?usage: ab_baseline.sh VIGIL_A VIGIL_B [PAIRS]}
B=${2:?usage: ab_baseline.sh VIGIL_A VIGIL_B [PAIRS]}
N=${3:-12}
runs=$(mktemp)
trap 'rm -f "$runs"' EXIT
echo "# $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg): $A vs $B, $N pairs in random order"
for _ in $(seq "$N"); do
  if (( RANDOM % 2 )); then pair=("$A" "$B"); else pair=("$B" "$A"); fi
  for x in "${pair[@]}"; do
    sleep "$((RANDOM % 3)).$((RANDOM % 10))"
    json=$("$x" bench baseline --entities 100000 --events 5000000 --json)
    echo "$x $(date -u +%T) $(cut -d' ' -f1 /proc/loadavg) $(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["ns_per_event"], d.get("ns_per_event_zipf"), d["bytes_per_entity"], d.get("flagged_10_bits"))
' "$json")"
  done
done | tee "$runs"
python3 - "$runs" <<'PY'
import collections, statistics as st, sys
ns, zipf = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    ns[p[0]].append(float(p[3]))
    zipf[p[0]].append(float(p[4]))
for b, v in ns.items():
    print(f"{b}: mean {st.mean(v):.1f} median {st.median(v):.1f} "
          f"({min(v):.1f}-{max(v):.1f}) zipf {st.mean(zipf[b]):.1f} n {len(v)}")
PY
echo "# end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
