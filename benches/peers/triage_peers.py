"""Triage peers on GUIDE, on the same organisation-grouped folds as `vigil eval triage`.

Runs, in one process:
  vigil      `vigil eval triage --json` (native GBDT, and the linfa tree with --tree).
  raw19      LightGBM on 19 raw GUIDE columns (ids as their anonymised numbers, the three
             text columns label-encoded), trained on every training row of the fold.
  raw16      the same without orgid/incidentid/alertid (a stronger raw baseline).
  lgbm_vf    LightGBM on Vigil's exported features (`vigil export-features --folds K`):
             trained on the fold's `fit` rows, scored on its `test` rows, the same decision
             rule as Vigil (per-grade weights chosen on the `calib` rows), same
             hyperparameters as Vigil's GBDT.
  xgb_vf     XGBoost likewise.
  *_adapted  the same peers with Vigil's per-organisation label-shift adaptation
             (vigil_triage::calibrate::PriorShift: EM prior per organisation from its own
             unlabelled rows, Dirichlet-shrunk towards the training prior with 10 pseudo-rows),
             applied to the calib and test rows before the decision weights, as Vigil does
             by default; vigil_gbdt_no_prior_shift is Vigil without it (`--no-prior-shift`).
Metrics: macro-F1 over TP/BP/FP; PR-AUC (average precision) and ROC-AUC of P(TruePositive),
TruePositive against the rest; pooled over all held-out rows.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
import lightgbm as lgb
import xgboost as xgb
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

GRADES = {"TruePositive": 0, "BenignPositive": 1, "FalsePositive": 2}
RAW19 = ["orgid", "incidentid", "alertid", "detectorid", "alerttitle", "category",
         "entitytype", "evidencerole", "deviceid", "ipaddress", "url", "accountsid",
         "accountupn", "accountobjectid", "accountname", "devicename", "networkmessageid",
         "applicationid", "applicationname"]
# Vigil's GBDT defaults (vigil_triage::pipeline::ModelParams::new).
LGB = dict(n_estimators=300, learning_rate=0.03, num_leaves=15, min_child_samples=20,
           subsample=0.8, subsample_freq=1, colsample_bytree=0.8, reg_lambda=1.0,
           min_child_weight=1e-3, n_jobs=1, verbose=-1)


def metrics(y, proba, pred):
    return dict(macro_f1=f1_score(y, pred, average="macro"),
                pr_auc=average_precision_score(y == 0, proba[:, 0]),
                roc_auc=roc_auc_score(y == 0, proba[:, 0]))


def tune_decision(proba, y):
    """Vigil's grid (pipeline::tune_decision): TP and BP weights in 0.5..3.5, FP 1."""
    grid = [0.5 + 0.25 * i for i in range(13)]
    best_w = np.array([1.0, 1.0, 1.0])
    best = f1_score(y, proba.argmax(1), average="macro")
    for a in grid:
        for b in grid:
            w = np.array([a, b, 1.0])
            f = f1_score(y, (proba * w).argmax(1), average="macro")
            if f > best + 1e-12:
                best, best_w = f, w
    return best_w


def prior_shift(p, orgs, prior, strength=10.0, max_iter=200, tol=1e-9):
    """vigil_triage::calibrate::PriorShift::adapt: per organisation, the MAP prior by EM
    (Saerens et al. 2002) with `strength` pseudo-rows of the training prior, then each row's
    posterior re-weighted by prior / training prior."""
    q = p.copy()
    for o in np.unique(orgs):
        m = orgs == o
        rows, n, pi = p[m], m.sum(), prior.copy()
        for _ in range(max_iter):
            r = rows * (pi / prior)
            r /= r.sum(1, keepdims=True)
            new = (r.sum(0) + strength * prior) / (n + strength)
            moved = np.abs(new - pi).max()
            pi = new
            if moved < tol:
                break
        r = rows * (pi / prior)
        q[m] = r / r.sum(1, keepdims=True)
    return q


def raw_frame(d, cols):
    out = pd.DataFrame(index=d.index)
    for c in cols:
        num = pd.to_numeric(d[c], errors="coerce")
        if num.notna().mean() > 0.99:
            out[c] = num.fillna(-1)
        else:
            out[c] = d[c].astype("category").cat.codes
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__),
                    "../../../shared/datasets/guide/guide_sample.csv"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(a.data):
        print(f"skipping: GUIDE sample not found at {a.data}")
        return
    results = {}
    for name, extra in [("vigil_gbdt", ["--model", "gbdt"]), ("vigil_tree", ["--model", "tree"]),
                        ("vigil_gbdt_no_prior_shift", ["--model", "gbdt", "--no-prior-shift"])]:
        out = subprocess.run([a.vigil, "eval", "triage", "--format", "guide", "--train", a.data,
                              "--folds", str(a.folds), "--seed", str(a.seed), "--json"] + extra,
                             check=True, capture_output=True, text=True).stdout
        v = json.loads(out)
        results[name] = {k: v[k] for k in ["macro_f1", "macro_f1_argmax", "pr_auc",
                                           "roc_auc", "ece"]}
        results[name]["suppression"] = v["suppression"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "features.csv")
        subprocess.run([a.vigil, "export-features", "--format", "guide", a.data, "--out", path,
                        "--folds", str(a.folds), "--seed", str(a.seed)], check=True,
                       capture_output=True)
        fx = pd.read_csv(path, dtype={"orgid": str})
    feats = [c for c in fx.columns if c not in ("fold", "role", "orgid", "label")]
    fx["y"] = fx["label"].map(GRADES)

    # Raw columns, with the folds Vigil used (each org's test fold from the export).
    d = pd.read_csv(a.data, dtype=str, keep_default_na=False)
    d = d[d["incidentgrade"].isin(GRADES)].reset_index(drop=True)
    y = d["incidentgrade"].map(GRADES).to_numpy()
    test_fold = fx[fx.role == "test"].drop_duplicates("orgid").set_index("orgid")["fold"]
    fold = d["orgid"].map(test_fold).to_numpy()
    for name, cols in [("raw19", RAW19), ("raw16", RAW19[3:])]:
        X = raw_frame(d, cols)
        proba = np.zeros((len(y), 3))
        for f in range(a.folds):
            tr, te = fold != f, fold == f
            m = lgb.LGBMClassifier(random_state=a.seed, n_jobs=1, verbose=-1)
            m.fit(X[tr], y[tr])
            proba[te] = m.predict_proba(X[te])
        results[f"lightgbm_{name}"] = metrics(y, proba, proba.argmax(1))
        results[f"lightgbm_{name}"]["macro_f1_argmax"] = results[f"lightgbm_{name}"]["macro_f1"]

    for name in ["lightgbm_vigil_features", "xgboost_vigil_features",
                 "lightgbm_vigil_features_adapted", "xgboost_vigil_features_adapted"]:
        ys, ps, preds = [], [], []
        for f in range(a.folds):
            fit = fx[(fx.fold == f) & (fx.role == "fit")]
            cal = fx[(fx.fold == f) & (fx.role == "calib")]
            te = fx[(fx.fold == f) & (fx.role == "test")]
            if name.startswith("lightgbm"):
                m = lgb.LGBMClassifier(random_state=a.seed, **LGB)
            else:
                m = xgb.XGBClassifier(n_estimators=300, learning_rate=0.03, max_depth=4,
                                      subsample=0.8, colsample_bytree=0.8, reg_lambda=1.0,
                                      tree_method="hist", n_jobs=1, random_state=a.seed)
            m.fit(fit[feats].to_numpy(), fit["y"].to_numpy())
            pc = m.predict_proba(cal[feats].to_numpy())
            p = m.predict_proba(te[feats].to_numpy())
            if name.endswith("_adapted"):
                prior = np.bincount(fit["y"], minlength=3) / len(fit)
                pc = prior_shift(pc, cal["orgid"].to_numpy(), prior)
                p = prior_shift(p, te["orgid"].to_numpy(), prior)
            w = tune_decision(pc, cal["y"].to_numpy())
            ys.append(te["y"].to_numpy()); ps.append(p); preds.append((p * w).argmax(1))
        results[name] = metrics(np.concatenate(ys), np.vstack(ps), np.concatenate(preds))
        results[name]["macro_f1_argmax"] = f1_score(np.concatenate(ys), np.vstack(ps).argmax(1),
                                                    average="macro")

    if a.json:
        print(json.dumps(results))
        return
    print(f"GUIDE {a.data}: {len(y)} graded rows, {a.folds}-fold grouped by organisation, seed {a.seed}")
    print("macro-F1 uses the decision weights chosen on the calib rows (Vigil and the peers on")
    print("Vigil's features); argmax is the plain most probable grade (raw-column peers: argmax)")
    print(f"{'system':32s} {'macro-F1':>9s} {'argmax':>8s} {'PR-AUC':>8s} {'ROC-AUC':>8s}")
    for k, v in results.items():
        print(f"{k:32s} {v['macro_f1']:9.4f} {v['macro_f1_argmax']:8.4f} {v['pr_auc']:8.4f} "
              f"{v['roc_auc']:8.4f}")
    for k in ["vigil_gbdt", "vigil_gbdt_no_prior_shift", "vigil_tree"]:
        print(f"{k} ECE {results[k]['ece']:.4f}; suppression " + "; ".join(
            f"alpha {s['alpha']}: miss {s['miss_rate']:.4f}, non-TP suppressed {s['fp_suppressed']:.4f}"
            for s in results[k]["suppression"]))


if __name__ == "__main__":
    sys.exit(main())
