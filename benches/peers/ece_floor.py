"""Where the ECE floor lies on GUIDE for organisations unseen in training (docs/benchmarks.md, #4).

For each seed: Vigil's exported features and organisation-grouped folds
(`vigil export-features --folds K --seed S`), LightGBM fitted on each fold's `fit` rows (the
peers' parameters), test posteriors adapted per organisation exactly as Vigil's default
(`prior_shift`, strength 10), pooled over folds. Then, four times per seed, the pooled rows are
halved two ways and an isotonic calibrator is fitted on one half and scored (ECE, 10 bins) on
the other:
  cal_other_rows_same_orgs  halves by row: the calibrator has seen the test organisations;
  cal_other_orgs            halves by organisation: it has not (what deployment faces);
  sampling_floor            labels drawn from the calibrated probabilities themselves: the ECE
                            of a perfectly calibrated score on that many rows.
Prints mean (min-max) over seeds x halvings.
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.isotonic import IsotonicRegression

from triage_peers import GRADES, LGB, prior_shift


def ece(p, y, bins=10):
    """vigil_metrics::ece: equal-width bins, sum_b n_b/n |mean y - mean p|."""
    b = np.minimum((np.clip(p, 0, 1) * bins).astype(int), bins - 1)
    return sum(abs(y[b == k].sum() - p[b == k].sum()) for k in range(bins)) / len(p)


def pooled_adapted(vigil, data, folds, seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "features.csv")
        subprocess.run([vigil, "export-features", "--format", "guide", data, "--out", path,
                        "--folds", str(folds), "--seed", str(seed)], check=True,
                       capture_output=True)
        d = pd.read_csv(path, dtype={"orgid": str})
    feats = [c for c in d.columns if c not in ("fold", "role", "orgid", "label")]
    p_all, y_all, o_all = [], [], []
    for f in sorted(d.fold.unique()):
        fit = d[(d.fold == f) & (d.role == "fit")]
        test = d[(d.fold == f) & (d.role == "test")]
        y_fit = fit.label.map(GRADES).to_numpy()
        m = lgb.LGBMClassifier(random_state=seed, **LGB).fit(fit[feats].to_numpy(), y_fit)
        prior = np.bincount(y_fit, minlength=3) / len(y_fit)
        orgs = test.orgid.to_numpy()
        p = prior_shift(m.predict_proba(test[feats].to_numpy()), orgs, prior)
        p_all.append(p[:, 0])
        y_all.append((test.label.map(GRADES).to_numpy() == 0).astype(float))
        o_all.append(orgs)
    return np.concatenate(p_all), np.concatenate(y_all), np.concatenate(o_all)


def pooled_parser():
    """The arguments of every script built on `pooled_adapted`."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=5)
    return ap


def main():
    ap = pooled_parser()
    ap.add_argument("--halvings", type=int, default=4)
    a = ap.parse_args()
    rng = np.random.RandomState(1)
    out = {"cal_other_rows_same_orgs": [], "cal_other_orgs": [], "sampling_floor": []}
    for seed in range(a.seeds):
        p, y, orgs = pooled_adapted(a.vigil, a.data, a.folds, seed)
        for _ in range(a.halvings):
            by_row = rng.rand(len(p)) < 0.5
            u = np.unique(orgs)
            pick = set(rng.choice(u, len(u) // 2, replace=False))
            by_org = np.array([o in pick for o in orgs])
            for name, m in (("cal_other_rows_same_orgs", by_row), ("cal_other_orgs", by_org)):
                iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p[m], y[m])
                c = iso.predict(p[~m])
                out[name].append(ece(c, y[~m]))
                if name == "cal_other_orgs":
                    out["sampling_floor"].append(ece(c, (rng.rand(len(c)) < c).astype(float)))
    for k, v in out.items():
        print(f"{k:26} ECE {np.mean(v):.4f} ({np.min(v):.3f}-{np.max(v):.3f})")


if __name__ == "__main__":
    main()
