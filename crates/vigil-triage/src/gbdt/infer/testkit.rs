//! What the inference layouts' property tests share: inputs that sit on, beside and between
//! thresholds, and the check that a compiled model scores like the node walk, bit for bit.

use ndarray::{Array2, ShapeBuilder, s};
use proptest::prelude::*;

use crate::gbdt::compiled::CompiledGbdt;
use crate::gbdt::tree::Tree;

/// Thresholds and values: on, just beside and between thresholds, signed zeros, infinities.
pub(crate) const GRID: [f32; 9] = [-2.5, -1.0, -0.0, 0.0, 0.5, 0.75, 1.0, 3.0, f32::INFINITY];

/// The value a byte codes: a [`GRID`] point, just above it (rounding to it in `f32`),
/// beside it, or its negation.
fn value(code: u8) -> f64 {
    let g = f64::from(GRID[usize::from(code) % GRID.len()]);
    match code / 16 % 4 {
        0 => g,
        1 => g + 1e-9, // rounds to the threshold in f32
        2 => g + 1e-3,
        _ => -g,
    }
}

/// `rows × nf` inputs drawn from `cells` (byte 255 is NaN), row- or column-major (the two
/// take different conversion paths).
pub(crate) fn inputs(cells: &[u8], rows: usize, nf: usize, column_major: bool) -> Array2<f64> {
    let cell = |(r, j): (usize, usize)| {
        let code = cells[(r * 7 + j * 3 + r / 64) % cells.len()];
        if code == 255 { f64::NAN } else { value(code) }
    };
    if column_major {
        Array2::from_shape_fn((rows, nf).f(), cell)
    } else {
        Array2::from_shape_fn((rows, nf), cell)
    }
}

/// Checks that `c` scores `x` as `base` plus each tree's node walk (tree `t` adding to group
/// `t mod groups`), bit for bit, as a batch and, every `alone_every`-th row, as a single row.
pub(crate) fn scores_like_the_node_walk(
    c: &CompiledGbdt,
    trees: &[Tree],
    base: &[f64],
    x: &Array2<f64>,
    alone_every: usize,
) -> Result<(), TestCaseError> {
    let got = c.predict_raw(x.view());
    for (r, row) in x.rows().into_iter().enumerate() {
        let row: Vec<f64> = row.to_vec();
        let mut want = base.to_vec();
        for (t, tree) in trees.iter().enumerate() {
            want[t % base.len()] += tree.predict(&row);
        }
        let alone = (r % alone_every == 0).then(|| c.predict_raw(x.slice(s![r..r + 1, ..])));
        for (k, w) in want.iter().enumerate() {
            prop_assert_eq!(got[[r, k]].to_bits(), w.to_bits(), "row {} group {}", r, k);
            if let Some(a) = &alone {
                prop_assert_eq!(a[[0, k]].to_bits(), w.to_bits(), "row {} alone", r);
            }
        }
    }
    Ok(())
}
