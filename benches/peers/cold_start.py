"""Where cold-start ranking on GUIDE comes from (docs/benchmarks.md, #4).

For each seed: Vigil's exported features and organisation-grouped folds (as ece_floor.py:
LightGBM with Vigil's GBDT parameters on each fold's `fit` rows, test posteriors adapted per
organisation like Vigil's default), pooled over folds. Prints, mean (min-max) over seeds:
  roc_auc               TP vs rest, the adapted score (what `vigil eval triage` ranks by);
  within_org_pairs      share of the (TP, non-TP) pairs ROC-AUC counts that lie inside one
                        organisation; the rest compare two organisations;
  roc_within_org        ROC-AUC over those within-organisation pairs only;
  roc_org_mean_score    every row scored by its organisation's mean adapted score (how much
                        of the ranking is the organisation);
  roc_org_rate_oracle   every row scored by its organisation's true TP rate, ties broken by
                        the score (the ranking if each organisation's grading were known);
  supp_score, supp_oracle  share of non-TP rows suppressed by the best threshold in
                        hindsight with at most 5% of TPs suppressed, for the two scores.
"""
import argparse

import numpy as np
from sklearn.metrics import roc_auc_score

from ece_floor import pooled_adapted


def hindsight_suppression(s, y, alpha=0.05):
    """Largest share of y == 0 rows below a threshold that keeps <= alpha of y == 1 below."""
    order = np.argsort(s, kind="stable")
    ys = y[order]
    tp_below = np.cumsum(ys)
    ok = tp_below <= alpha * ys.sum()
    k = np.max(np.nonzero(ok)[0]) + 1 if ok.any() else 0
    # Only cut between distinct scores.
    ss = s[order]
    while 0 < k < len(ss) and ss[k - 1] == ss[k]:
        k -= 1
    return (1 - ys[:k]).sum() / (1 - y).sum()


def one_seed(p, y, orgs):
    r = {"roc_auc": roc_auc_score(y, p)}
    pos, neg = y.sum(), len(y) - y.sum()
    pairs, weighted = 0.0, 0.0
    mean_p = np.empty_like(p)
    rate = np.empty_like(p)
    for o in np.unique(orgs):
        m = orgs == o
        mean_p[m] = p[m].mean()
        rate[m] = y[m].mean()
        n1 = y[m].sum()
        n0 = m.sum() - n1
        if n1 and n0:
            pairs += n1 * n0
            weighted += n1 * n0 * roc_auc_score(y[m], p[m])
    r["within_org_pairs"] = pairs / (pos * neg)
    r["roc_within_org"] = weighted / pairs
    r["roc_org_mean_score"] = roc_auc_score(y, mean_p)
    oracle = rate + 1e-3 * p  # org rate first, the score within an organisation
    r["roc_org_rate_oracle"] = roc_auc_score(y, oracle)
    r["supp_score"] = hindsight_suppression(p, y)
    r["supp_oracle"] = hindsight_suppression(oracle, y)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    rows = [one_seed(*pooled_adapted(a.vigil, a.data, a.folds, s)) for s in range(a.seeds)]
    for k in rows[0]:
        v = [r[k] for r in rows]
        print(f"{k:20} {np.mean(v):.4f} ({np.min(v):.4f}-{np.max(v):.4f})")


if __name__ == "__main__":
    main()
