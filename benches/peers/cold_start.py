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
                        hindsight with at most 5% of TPs suppressed, for the two scores;
  org_logit_sd          tau: the SD of a per-organisation intercept on the logit of the
                        adapted score, fitted by marginal likelihood (what the features and
                        the unlabelled-stream adaptation leave unexplained);
  ece_floor_clustered   the ECE (10 bins) that a perfectly calibrated cold-start score would
                        show on these rows: grades drawn with fresh organisation intercepts
                        ~ N(0, tau^2), scored by the population probability E_u sigmoid(z + u),
                        200 draws; ece_floor_le_002 is the share of draws at or below 0.02;
  ece_floor_iid         the same without organisation intercepts (rows independent).
"""
import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, logit
from sklearn.metrics import roc_auc_score

from ece_floor import ece, pooled_adapted, pooled_parser

# Gauss-Hermite nodes for expectations over a standard normal intercept.
GH_X, GH_W = np.polynomial.hermite_e.hermegauss(40)
GH_W = GH_W / GH_W.sum()


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


def org_intercept_sd(z, y, inv, n_orgs):
    """Marginal-likelihood SD of an organisation intercept u ~ N(0, tau^2) added to logit z."""
    def nll(tau):
        pr = expit(z[:, None] + tau * GH_X[None, :])
        ll = np.where(y[:, None] == 1, np.log(pr + 1e-300), np.log1p(-pr + 1e-300))
        per_org = np.zeros((n_orgs, len(GH_X)))
        np.add.at(per_org, inv, ll)
        m = per_org.max(1, keepdims=True)
        return -(m[:, 0] + np.log((np.exp(per_org - m) * GH_W).sum(1))).sum()
    return minimize_scalar(nll, bounds=(0.0, 8.0), method="bounded").x


def ece_floors(p, y, orgs, seed, draws=200):
    z = logit(np.clip(p, 1e-6, 1 - 1e-6))
    uo, inv = np.unique(orgs, return_inverse=True)
    tau = org_intercept_sd(z, y, inv, len(uo))
    q = (expit(z[:, None] + tau * GH_X[None, :]) * GH_W).sum(1)
    rng = np.random.default_rng(seed)
    clustered = np.array([
        ece(q, (rng.random(len(z)) < expit(z + rng.normal(0, tau, len(uo))[inv])).astype(float))
        for _ in range(draws)])
    iid = [ece(q, (rng.random(len(q)) < q).astype(float)) for _ in range(draws)]
    return {"org_logit_sd": tau, "ece_floor_clustered": clustered.mean(),
            "ece_floor_le_002": (clustered <= 0.02).mean(), "ece_floor_iid": np.mean(iid)}


def one_seed(p, y, orgs, seed):
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
    r.update(ece_floors(p, y, orgs, seed))
    return r


def main():
    a = pooled_parser().parse_args()
    rows = [one_seed(*pooled_adapted(a.vigil, a.data, a.folds, s), s) for s in range(a.seeds)]
    for k in rows[0]:
        v = [r[k] for r in rows]
        print(f"{k:20} {np.mean(v):.4f} ({np.min(v):.4f}-{np.max(v):.4f})")


if __name__ == "__main__":
    main()
