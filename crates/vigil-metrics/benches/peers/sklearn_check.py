#!/usr/bin/env python3
"""Cross-check vigil-metrics against scikit-learn on identical random data.

Builds its own venv (pinned versions), generates data sets with many ties, runs the
`metrics_json` example on each, and compares every metric with scikit-learn's (or, where
scikit-learn has none, with a direct NumPy transcription of the written definition).

    python3 crates/vigil-metrics/benches/peers/sklearn_check.py

Exit status 0 when every metric agrees to 1e-9.
"""
import json
import os
import subprocess
import sys
import tempfile
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
VENV = os.environ.get("VIGIL_PEERS_VENV", "/work/venvs/metrics-peers")
PINS = ["numpy==1.26.4", "scikit-learn==1.5.2"]


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
        subprocess.run([py, "-m", "pip", "install", "-q", *PINS], check=True)
    if os.path.realpath(sys.executable) != os.path.realpath(py):
        os.execv(py, [py, __file__, *sys.argv[1:]])


def main():
    ensure_venv()
    import numpy as np
    from sklearn.metrics import (average_precision_score, brier_score_loss, f1_score, log_loss,
                                 roc_auc_score, roc_curve)

    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "vigil-metrics", "--example",
                    "metrics_json"], cwd=ROOT, check=True)
    exe = os.path.join(target, "release", "examples", "metrics_json")

    worst = {}
    rng = np.random.default_rng(20260127)
    cases = 0
    for n in [50, 200, 1000, 5000, 20000]:
        for tie_grid in [None, 10, 100]:
            for pos_rate in [0.02, 0.3]:
                y = (rng.random(n) < pos_rate).astype(int)
                y[0], y[1] = 1, 0  # both classes present
                s = rng.normal(size=n) + 1.5 * y
                if tie_grid:
                    s = np.round(s * tie_grid / 4) / (tie_grid / 4)
                p = 1 / (1 + np.exp(-(s - 1.0)))
                p = np.clip(np.round(p, 3), 0, 1)
                truth = rng.integers(0, 4, n)
                pred = np.where(rng.random(n) < 0.6, truth, rng.integers(0, 4, n))
                with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
                    f.write("score,label,prob,truth,pred\n")
                    for row in zip(s, y, p, truth, pred):
                        f.write("%r,%d,%r,%d,%d\n" % (float(row[0]), row[1], float(row[2]), row[3], row[4]))
                    path = f.name
                out = json.loads(subprocess.run([exe, path, "5"], check=True, capture_output=True,
                                                text=True).stdout)
                os.unlink(path)

                fpr, tpr, _ = roc_curve(y, s)
                # ECE with equal-width bins [b/B, (b+1)/B), last closed: direct transcription.
                bins = np.minimum((p * 10).astype(int), 9)
                ece = sum(abs(y[bins == b].mean() - p[bins == b].mean()) * (bins == b).sum()
                          for b in range(10) if (bins == b).any()) / n
                # precision@k with ties averaged: the expected hits of the boundary tie group.
                k = min(100, n)
                order = np.sort(s)[::-1]
                thr = order[k - 1]
                above = s > thr
                group = s == thr
                p_at_k = (y[above].sum() + (k - above.sum()) * y[group].sum() / group.sum()) / k
                # Trapezoid over sklearn's PR points, started at (recall 0, precision 1).
                from sklearn.metrics import precision_recall_curve
                pr, rc, _ = precision_recall_curve(y, s)
                trap = float(np.sum((rc[:-1] - rc[1:]) * (pr[:-1] + pr[1:]) / 2))
                ref = {
                    "roc_auc": roc_auc_score(y, s),
                    "pr_auc": average_precision_score(y, s),
                    "pr_auc_trapezoid": trap,
                    "recall_at_fpr_0.01": tpr[fpr <= 0.01].max(),
                    "recall_at_fpr_0.1": tpr[fpr <= 0.1].max(),
                    "precision_at_100": p_at_k,
                    "ece_10": ece,
                    "brier": brier_score_loss(y, p),
                    "log_loss": log_loss(y, p),
                    # classes 0..3 occur; class 4 of 5 never does and must not count
                    "macro_f1": f1_score(truth, pred, average="macro"),
                }
                for key, v in ref.items():
                    d = abs(out[key] - float(v))
                    worst[key] = max(worst.get(key, 0.0), d)
                cases += 1
    print(json.dumps({"cases": cases, "max_abs_diff": worst, "versions": PINS}, indent=1))
    bad = {k: v for k, v in worst.items() if v > 1e-9}
    if bad:
        print("DISAGREE:", bad, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
