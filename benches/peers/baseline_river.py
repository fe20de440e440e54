"""Reference speeds from River (online ML in Python) for `vigil bench baseline`.

- Per-key EWMean + EWVar (river.stats), one dict entry per entity: the Python analogue of
  the per-entity measure statistics, update + read per event.
- HalfSpaceTrees (river.anomaly) on 41-wide vectors: score_one + learn_one per event.

Synthetic workload shaped like Vigil's bench (uniform entities, log-normal measure; vectors
with heavy-tailed and [0,1] columns). Prints one JSON object.

Usage: python baseline_river.py [--entities 100000] [--events 500000] [--vectors 2000]
"""
import argparse
import json
import math
import random
import sys
import time

from river import anomaly, stats


def per_key(entities, events, seed):
    rng = random.Random(seed)
    keys = [f"host-{i:07d}" for i in range(entities)]
    stream = [(keys[rng.randrange(entities)], math.exp(8 + rng.gauss(0, 1))) for _ in range(events)]
    mean, var = {}, {}
    t = time.process_time()
    acc = 0.0
    for k, x in stream:
        m = mean.get(k)
        if m is None:
            m = mean[k] = stats.EWMean(fading_factor=0.5)
            var[k] = stats.EWVar(fading_factor=0.5)
        v = var[k]
        # Score against the state before the update, as Vigil does, then update.
        acc += (x - m.get()) / math.sqrt(v.get() + 1.0)
        m.update(x)
        v.update(x)
    return (time.process_time() - t) * 1e9 / events


def hst(vectors, seed):
    rng = random.Random(seed)
    def draw():
        return {f"x{j}": (math.exp(5 + 2 * rng.gauss(0, 1)) if j % 3 == 0 else rng.random()) for j in range(41)}
    # River's HST assumes features in [0, 1]; scale like Vigil does (log then min-max) first.
    def scale(x):
        return {k: (min(1.0, math.log1p(v) / 12.0) if k[1:].isdigit() and int(k[1:]) % 3 == 0 else v) for k, v in x.items()}
    model = anomaly.HalfSpaceTrees(n_trees=50, height=10, window_size=1024, seed=seed)
    for _ in range(1024):
        model.learn_one(scale(draw()))
    stream = [scale(draw()) for _ in range(vectors)]
    t = time.process_time()
    for x in stream:
        model.score_one(x)
        model.learn_one(x)
    return (time.process_time() - t) * 1e9 / vectors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=500_000)
    ap.add_argument("--vectors", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    import river
    out = {
        "peer": "river",
        "per_key_ewmean_ewvar_ns_per_event": per_key(a.entities, a.events, a.seed),
        "entities": a.entities,
        "events": a.events,
        "half_space_trees_ns_per_event": hst(a.vectors, a.seed),
        "hst_params": {"n_trees": 50, "height": 10, "window_size": 1024},
        "vectors": a.vectors,
        "timing": "process CPU time",
        "versions": {"python": sys.version.split()[0], "river": river.__version__},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
