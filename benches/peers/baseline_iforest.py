"""Peer for `vigil eval baseline --format nsl-kdd`: scikit-learn IsolationForest on the same split.

Unsupervised: fitted on KDDTrain+_20Percent features only, labels used only to score KDDTest+.
Encoding is the one Vigil uses (vigil_io::nsl_kdd::FrequencyEncoding): protocol_type, service
and flag become the share of *training* records with that value (0 if unseen in training);
the 38 numeric columns pass through unchanged. Prints one JSON object.

Usage: python baseline_iforest.py TRAIN TEST [--seeds 5]
"""
import argparse
import json
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

CAT = (1, 2, 3)


def read(path):
    rows, labels = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            parts = line.split(",")
            rows.append(parts[:41])
            labels.append(0 if parts[41] == "normal" else 1)
    return rows, np.array(labels)


def encode(train_rows, rows):
    n = len(train_rows)
    shares = []
    for c in CAT:
        counts = {}
        for r in train_rows:
            counts[r[c]] = counts.get(r[c], 0) + 1
        shares.append({k: v / n for k, v in counts.items()})
    out = np.empty((len(rows), 41))
    for i, r in enumerate(rows):
        for j in range(41):
            if j in CAT:
                out[i, j] = shares[CAT.index(j)].get(r[j], 0.0)
            else:
                out[i, j] = float(r[j])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    tr_rows, _ = read(a.train)
    te_rows, y = read(a.test)
    xtr, xte = encode(tr_rows, tr_rows), encode(tr_rows, te_rows)
    result = {"peer": "sklearn.ensemble.IsolationForest", "n_estimators": 100, "max_samples": 256,
              "train_rows": len(xtr), "test_rows": len(xte), "attack_share_test": float(y.mean())}
    for name, f in (("raw", lambda x: x), ("log1p", lambda x: np.sign(x) * np.log1p(np.abs(x)))):
        rocs, prs, secs = [], [], []
        for seed in range(a.seeds):
            t = time.perf_counter()
            m = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(f(xtr))
            s = -m.score_samples(f(xte))
            secs.append(time.perf_counter() - t)
            rocs.append(roc_auc_score(y, s))
            prs.append(average_precision_score(y, s))
        result[name] = {"roc_auc_mean": float(np.mean(rocs)), "roc_auc_sd": float(np.std(rocs)),
                        "roc_auc": [float(r) for r in rocs], "pr_auc_mean": float(np.mean(prs)),
                        "fit_score_seconds_mean": float(np.mean(secs))}
    result["versions"] = {"python": sys.version.split()[0], "numpy": np.__version__,
                          "scikit-learn": __import__("sklearn").__version__}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
