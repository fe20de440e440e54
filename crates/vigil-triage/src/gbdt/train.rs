//! The boosting loop: gradients of the loss, one tree per class per round, sampling, early
//! stopping.

use ndarray::ArrayView2;
use vigil_core::{CoreError, LabeledData, SplitMix64};

use super::binning::BinMapper;
use super::grow::{self, GrowInput, Workspace};
use super::model::Gbdt;
use super::params::{GbdtValidParams, Objective};
use super::tree::Tree;
use crate::error::TriageError;

/// Smallest hessian, so a leaf of confident rows still has a finite value.
const MIN_HESS: f64 = 1e-16;

/// The resolved loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loss {
    /// Log-loss of class 0 against the rest; one raw score (log-odds of class 0).
    Binary,
    /// Softmax over `k` classes; `k` raw scores.
    Softmax(usize),
}

impl Loss {
    pub(crate) fn groups(self) -> usize {
        match self {
            Loss::Binary => 1,
            Loss::Softmax(k) => k,
        }
    }
}

pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax of `raw` into `out`.
pub(crate) fn softmax(raw: &[f64], out: &mut [f64]) {
    let m = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for (o, r) in out.iter_mut().zip(raw) {
        *o = (r - m).exp();
        s += *o;
    }
    for o in out.iter_mut() {
        *o /= s;
    }
}

fn resolve(objective: Objective, n_classes: usize) -> Loss {
    match objective {
        Objective::Binary => Loss::Binary,
        Objective::Softmax => Loss::Softmax(n_classes),
        _ if n_classes == 2 => Loss::Binary,
        _ => Loss::Softmax(n_classes),
    }
}

/// Row weights: data weights times class weights.
fn row_weights(p: &GbdtValidParams, d: &LabeledData) -> Vec<f64> {
    d.targets
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let w = d
                .weights
                .as_ref()
                .and_then(|w| w.get(i))
                .copied()
                .unwrap_or(1.0);
            let cw = p
                .class_weights
                .as_ref()
                .and_then(|c| c.get(t))
                .copied()
                .unwrap_or(1.0);
            w * cw
        })
        .collect()
}

/// Mean loss of raw scores (`groups` per row) against targets.
fn mean_loss(loss: Loss, raw: &[f64], targets: &[usize], weights: &[f64]) -> f64 {
    let g = loss.groups();
    let mut total = 0.0;
    let mut wsum = 0.0;
    let mut p = vec![0.0; g];
    for ((r, &t), &w) in raw.chunks_exact(g).zip(targets).zip(weights) {
        let l = match loss {
            Loss::Binary => {
                let q = sigmoid(r[0]).clamp(1e-15, 1.0 - 1e-15);
                if t == 0 { -q.ln() } else { -(1.0 - q).ln() }
            }
            Loss::Softmax(_) => {
                softmax(r, &mut p);
                -p.get(t).copied().unwrap_or(0.0).max(1e-15).ln()
            }
        };
        total += w * l;
        wsum += w;
    }
    if wsum > 0.0 { total / wsum } else { 0.0 }
}

/// Starting raw scores: the log-odds (or log-priors) of the weighted class shares.
fn base_scores(loss: Loss, targets: &[usize], weights: &[f64]) -> Vec<f64> {
    let g = loss.groups();
    let k = g.max(2);
    let mut counts = vec![0.0; k];
    for (&t, &w) in targets.iter().zip(weights) {
        if let Some(c) = counts.get_mut(t.min(k - 1)) {
            *c += w;
        }
    }
    let total: f64 = counts.iter().sum();
    let share = |c: f64| {
        if total > 0.0 {
            (c / total).clamp(1e-6, 1.0 - 1e-6)
        } else {
            0.5
        }
    };
    match loss {
        Loss::Binary => {
            let p = share(counts.first().copied().unwrap_or(0.0));
            vec![(p / (1.0 - p)).ln()]
        }
        Loss::Softmax(_) => counts.iter().map(|&c| share(c).ln()).collect(),
    }
}

fn check_data(d: &LabeledData, what: &str) -> Result<(), TriageError> {
    if d.is_empty() {
        return Err(CoreError::InvalidData {
            reason: format!("{what} set has no rows"),
        }
        .into());
    }
    if d.features.ncols() > u32::MAX as usize || d.len() > u32::MAX as usize {
        return Err(CoreError::InvalidData {
            reason: format!("{what} set is too large"),
        }
        .into());
    }
    Ok(())
}

/// Fits an ensemble.
pub(crate) fn train(
    p: &GbdtValidParams,
    train: &LabeledData,
    valid: Option<&LabeledData>,
) -> Result<Gbdt, TriageError> {
    check_data(train, "training")?;
    if let Some(v) = valid {
        check_data(v, "validation")?;
        train.schema.ensure_same(&v.schema)?;
        if v.n_classes != train.n_classes {
            return Err(CoreError::InvalidData {
                reason: format!(
                    "validation set has {} classes, training set {}",
                    v.n_classes, train.n_classes
                ),
            }
            .into());
        }
    }
    let loss = resolve(p.objective, train.n_classes);
    let groups = loss.groups();
    let n = train.len();
    let nf = train.features.ncols();
    let mapper = BinMapper::fit(train.features.view(), p.max_bins);
    let bins = mapper.transform(train.features.view());
    let bins_by_feature = transpose(&bins, n, nf);
    let targets: Vec<usize> = train.targets.iter().copied().collect();
    let weights = row_weights(p, train);
    let base = base_scores(loss, &targets, &weights);

    // Raw scores, row-major (`groups` per row).
    let mut raw: Vec<f64> = (0..n).flat_map(|_| base.iter().copied()).collect();
    let mut grad = vec![vec![0.0; n]; groups];
    let mut hess = vec![vec![0.0; n]; groups];
    let mut rng = SplitMix64::new(p.seed);
    let mut ws = Workspace::default();
    let mut trees: Vec<Tree> = Vec::with_capacity(p.n_trees * groups);

    let mut valid_state = valid.map(|v| {
        let vt: Vec<usize> = v.targets.iter().copied().collect();
        let vw = row_weights(p, v);
        let vraw: Vec<f64> = (0..v.len()).flat_map(|_| base.iter().copied()).collect();
        (v, vt, vw, vraw)
    });
    let mut best = (f64::INFINITY, 0usize);
    let mut prob = vec![0.0; groups];

    let n_allowed = ((nf as f64 * p.colsample).ceil() as usize).clamp(1, nf.max(1));
    let mut feat_order: Vec<usize> = (0..nf).collect();
    let mut allowed = vec![true; nf];
    let mut idx: Vec<u32> = Vec::with_capacity(n);
    let mut in_bag = vec![true; n];

    for round in 0..p.n_trees {
        compute_gradients(
            loss, &raw, &targets, &weights, &mut grad, &mut hess, &mut prob,
        );

        // Row sampling (Bernoulli per row) and feature sampling, from one seeded stream.
        idx.clear();
        if p.subsample < 1.0 {
            for (i, b) in in_bag.iter_mut().enumerate() {
                *b = rng.next_f64() < p.subsample;
                if *b {
                    idx.push(i as u32);
                }
            }
            if idx.is_empty() {
                idx.extend(0..n as u32);
                in_bag.iter_mut().for_each(|b| *b = true);
            }
        } else {
            idx.extend(0..n as u32);
        }
        if n_allowed < nf {
            rng.shuffle(&mut feat_order);
            allowed.iter_mut().for_each(|a| *a = false);
            for &f in feat_order.iter().take(n_allowed) {
                if let Some(a) = allowed.get_mut(f) {
                    *a = true;
                }
            }
        }

        for k in 0..groups {
            let (Some(gk), Some(hk)) = (grad.get(k), hess.get(k)) else {
                continue;
            };
            let mut order = idx.clone();
            let inp = GrowInput {
                params: p,
                mapper: &mapper,
                bins: &bins,
                bins_by_feature: &bins_by_feature,
                n_rows: n,
                n_features: nf,
                grad: gk,
                hess: hk,
                allowed: &allowed,
            };
            let grown = grow::grow(&inp, &mut order, &mut ws);
            // In-bag rows: add their leaf's value by the partition.
            for &(node, start, end) in &grown.leaf_ranges {
                let v = grown.tree.nodes.get(node).map_or(0.0, |n| n.value);
                for &i in order.get(start..end).unwrap_or(&[]) {
                    if let Some(r) = raw.get_mut(i as usize * groups + k) {
                        *r += v;
                    }
                }
            }
            // Out-of-bag rows: walk the tree on their bins.
            if p.subsample < 1.0 {
                for (i, _) in in_bag.iter().enumerate().filter(|(_, b)| !**b) {
                    let row = bins.get(i * nf..(i + 1) * nf).unwrap_or(&[]);
                    let v = walk_binned(&grown.tree, &grown.split_bins, row);
                    if let Some(r) = raw.get_mut(i * groups + k) {
                        *r += v;
                    }
                }
            }
            if let Some((v, _, _, vraw)) = valid_state.as_mut() {
                add_tree(&grown.tree, v.features.view(), vraw, groups, k);
            }
            trees.push(grown.tree);
        }

        if let Some((_, vt, vw, vraw)) = valid_state.as_ref() {
            let l = mean_loss(loss, vraw, vt, vw);
            if l < best.0 {
                best = (l, round + 1);
            } else if let Some(es) = p.early_stopping_rounds
                && round + 1 - best.1 >= es
            {
                break;
            }
        }
    }
    if valid_state.is_some() && p.early_stopping_rounds.is_some() && best.1 > 0 {
        trees.truncate(best.1 * groups);
    }
    let n_classes = match loss {
        Loss::Binary => 2,
        Loss::Softmax(k) => k,
    };
    Ok(Gbdt::from_parts(
        train.schema.clone(),
        loss,
        n_classes,
        base,
        trees,
    ))
}

fn compute_gradients(
    loss: Loss,
    raw: &[f64],
    targets: &[usize],
    weights: &[f64],
    grad: &mut [Vec<f64>],
    hess: &mut [Vec<f64>],
    prob: &mut [f64],
) {
    let g = loss.groups();
    match loss {
        Loss::Binary => {
            let (Some(gr), Some(hs)) = (grad.first_mut(), hess.first_mut()) else {
                return;
            };
            for ((((r, &t), &w), gi), hi) in raw
                .iter()
                .zip(targets)
                .zip(weights)
                .zip(gr.iter_mut())
                .zip(hs.iter_mut())
            {
                let q = sigmoid(*r);
                let y = if t == 0 { 1.0 } else { 0.0 };
                *gi = w * (q - y);
                *hi = w * (q * (1.0 - q)).max(MIN_HESS);
            }
        }
        Loss::Softmax(k) => {
            // LightGBM's factor k/(k-1) keeps leaf values on the binary scale.
            let factor = k as f64 / (k as f64 - 1.0).max(1.0);
            for (i, ((r, &t), &w)) in raw.chunks_exact(g).zip(targets).zip(weights).enumerate() {
                softmax(r, prob);
                for (c, &q) in prob.iter().enumerate() {
                    let y = if t == c { 1.0 } else { 0.0 };
                    if let (Some(gc), Some(hc)) = (grad.get_mut(c), hess.get_mut(c))
                        && let (Some(gi), Some(hi)) = (gc.get_mut(i), hc.get_mut(i))
                    {
                        *gi = w * (q - y);
                        *hi = w * (factor * q * (1.0 - q)).max(MIN_HESS);
                    }
                }
            }
        }
    }
}

/// Column-major copy of row-major `rows × cols` bytes.
fn transpose(bins: &[u8], rows: usize, cols: usize) -> Vec<u8> {
    let mut out = vec![0u8; rows * cols];
    for (i, row) in bins.chunks_exact(cols.max(1)).enumerate() {
        for (j, b) in row.iter().enumerate() {
            if let Some(o) = out.get_mut(j * rows + i) {
                *o = *b;
            }
        }
    }
    out
}

/// The value of a tree for a binned row (split at bin `b`: bins `1..=b` go left).
fn walk_binned(tree: &Tree, split_bins: &[u8], row: &[u8]) -> f64 {
    let mut i = 0usize;
    while let Some(n) = tree.nodes.get(i) {
        if n.is_leaf() {
            return n.value;
        }
        let b = row.get(n.feature as usize).copied().unwrap_or(0);
        let sb = split_bins.get(i).copied().unwrap_or(0);
        let left = if b == 0 { n.default_left } else { b <= sb };
        i = if left { n.left } else { n.right } as usize;
    }
    0.0
}

/// Adds one tree's values into group `k` of row-major raw scores.
fn add_tree(tree: &Tree, x: ArrayView2<'_, f64>, raw: &mut [f64], groups: usize, k: usize) {
    let mut buf = Vec::new();
    for (row, r) in x.rows().into_iter().zip(raw.chunks_exact_mut(groups)) {
        buf.clear();
        buf.extend(row.iter().copied());
        if let Some(v) = r.get_mut(k) {
            *v += tree.predict(&buf);
        }
    }
}
