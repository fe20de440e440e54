#!/usr/bin/env python3
"""GBDT speed peers for `vigil bench score`: LightGBM and XGBoost on the SAME synthetic data.

The data comes from `vigil bench score --dump-data` (deterministic from the seed), so every
model sees identical rows. The first 75% of rows train, the rest test; inference is timed on
all rows, batch, one thread, fastest of --repeats passes, in CPU time of the process (the
machine is shared; wall times are printed too). Training time includes binning
(Dataset/DMatrix construction), as Vigil's `fit_s` does.

Run through score_speed.sh, which builds the pinned venv and the vigil binary.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import lightgbm as lgb
import numpy as np
import xgboost as xgb
from sklearn.metrics import average_precision_score


def timed(fn):
    """(result, CPU seconds of this process, wall seconds): CPU time does not depend on how
    busy the shared machine is; the peers run on one thread, so it is one core's time."""
    c, w = time.process_time(), time.perf_counter()
    r = fn()
    return r, time.process_time() - c, time.perf_counter() - w


def best_time(fn, repeats):
    cpu, wall = float("inf"), float("inf")
    for _ in range(repeats):
        _, c, w = timed(fn)
        cpu, wall = min(cpu, c), min(wall, w)
    return cpu, wall


def logloss(y, p):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True, help="path to the vigil binary")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--features", type=int, default=32)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--learning-rate", type=float, default=0.1)
    ap.add_argument("--max-bins", type=int, default=255)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()

    common = [
        "--trees", str(a.trees), "--depth", str(a.depth), "--features", str(a.features),
        "--rows", str(a.rows), "--learning-rate", str(a.learning_rate),
        "--max-bins", str(a.max_bins), "--seed", str(a.seed),
    ]
    out = {"config": vars(a)}

    # Vigil: leaf-wise trees (LightGBM's growth, the default) and oblivious trees (the
    # fastest layout to score).
    for growth, key in [("leaf-wise", "vigil"), ("oblivious", "vigil_oblivious")]:
        r = subprocess.run(
            [a.vigil, "bench", "score", *common, "--growth", growth,
             "--repeats", str(a.repeats), "--json"],
            check=True, capture_output=True, text=True)
        out[key] = json.loads(r.stdout.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "synth.csv")
        subprocess.run([a.vigil, "bench", "score", *common, "--dump-data", path], check=True)
        data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    x_all = np.ascontiguousarray(data[:, :-1])
    y_all = data[:, -1]
    n_train = a.rows * 3 // 4
    x_tr, y_tr = x_all[:n_train], y_all[:n_train]
    x_te, y_te = x_all[n_train:], y_all[n_train:]

    # LightGBM: leaf-wise with the same depth and 2^depth leaves, like Vigil's defaults here.
    lgb_params = {
        "objective": "binary", "learning_rate": a.learning_rate,
        "num_leaves": 2 ** a.depth, "max_depth": a.depth, "max_bin": a.max_bins,
        "lambda_l2": 1.0, "min_data_in_leaf": 20, "min_sum_hessian_in_leaf": 1e-3,
        "num_threads": 1, "deterministic": True, "verbose": -1, "seed": a.seed,
    }
    def fit_lgb():
        ds = lgb.Dataset(x_tr, label=y_tr, params={"max_bin": a.max_bins, "verbose": -1})
        return lgb.train(lgb_params, ds, num_boost_round=a.trees)
    booster, lgb_fit, lgb_fit_wall = timed(fit_lgb)
    p = booster.predict(x_te, num_threads=1)
    lgb_pred, lgb_pred_wall = best_time(
        lambda: booster.predict(x_all, raw_score=True, num_threads=1), a.repeats)
    out["lightgbm"] = {
        "version": lgb.__version__, "fit_s": lgb_fit, "fit_wall_s": lgb_fit_wall,
        "ns_per_row": lgb_pred * 1e9 / len(x_all),
        "ns_per_row_wall": lgb_pred_wall * 1e9 / len(x_all),
        "pr_auc": float(average_precision_score(y_te, p)), "logloss": logloss(y_te, p),
        "params": lgb_params,
    }

    # XGBoost: hist method, depth-wise with the same depth.
    xgb_params = {
        "objective": "binary:logistic", "tree_method": "hist", "eta": a.learning_rate,
        "max_depth": a.depth, "max_bin": a.max_bins, "lambda": 1.0,
        "min_child_weight": 1e-3, "nthread": 1, "seed": a.seed,
    }
    def fit_xgb():
        dtr = xgb.DMatrix(x_tr, label=y_tr, nthread=1)
        return xgb.train(xgb_params, dtr, num_boost_round=a.trees)
    bst, xgb_fit, xgb_fit_wall = timed(fit_xgb)
    p = bst.inplace_predict(x_te)
    xgb_pred, xgb_pred_wall = best_time(
        lambda: bst.inplace_predict(x_all, predict_type="margin"), a.repeats)
    out["xgboost"] = {
        "version": xgb.__version__, "fit_s": xgb_fit, "fit_wall_s": xgb_fit_wall,
        "ns_per_row": xgb_pred * 1e9 / len(x_all),
        "ns_per_row_wall": xgb_pred_wall * 1e9 / len(x_all),
        "pr_auc": float(average_precision_score(y_te, p)), "logloss": logloss(y_te, p),
        "params": xgb_params,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
