//! Rows coded as ranks among the model's thresholds, sixteen rows at a time with AVX-512.
//!
//! A value's code is how many of its feature's cuts (the model's distinct thresholds, see
//! [`super::cuts`]) it exceeds, so "`x > t`" is "code `>` rank of `t`" exactly. With at most
//! 255 cuts per feature, padded to 256 with `+∞` (never exceeded), the code is a binary
//! search of 8 steps. Sixteen rows of one feature share the feature's tables, so the search
//! runs on a column of 16 rows: 4 steps over the 16 bucket maxima (cut `16 b + 15`, one
//! register, one permute per step), then 4 steps inside bucket `b` (tables "cut `16 b + p`"
//! for each `p`, picked by permutes of two tables and blends). Rows arrive row-major and
//! leave row-major (the walk permutes within a row), so 16×16 transposes go around it.
//!
//! Each row leaves as 32 or 64 words `code << 8` (see [`super::words`] for why the low byte
//! is free), one or two registers.
// Only the tables are built on other architectures (the coding needs x86-64's AVX-512).
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use super::cuts::Cuts;

/// Features a coded row holds at most (two 32-word registers).
pub(crate) const WIDTH: usize = 64;
/// Features per register of a coded row.
pub(crate) const NARROW: usize = 32;
/// Rows coded at a time (one register per feature column).
pub(crate) const ROWS: usize = 16;

/// One feature's cuts, padded to 256 with `+∞`, as search tables.
#[derive(Debug, Clone, PartialEq)]
#[repr(C, align(64))]
struct Table {
    /// `coarse[b]` is cut `16 b + 15`, the largest of bucket `b`.
    coarse: [f32; 16],
    /// `fine[p][b]` is cut `16 b + p`.
    fine: [[f32; 16]; 15],
}

/// Search tables of every feature of a model at most [`WIDTH`] wide.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ranks {
    /// Exactly [`WIDTH`] tables (features past the model's width have no cuts).
    tables: Vec<Table>,
}

impl Ranks {
    /// The tables of `cuts`; `None` when the model is wider than [`WIDTH`].
    pub(crate) fn new(cuts: &Cuts) -> Option<Self> {
        if cuts.n_features() > WIDTH {
            return None;
        }
        let mut tables = Vec::with_capacity(WIDTH);
        for f in 0..WIDTH {
            let c = cuts.of(f);
            let cut = |i: usize| c.get(i).copied().unwrap_or(f32::INFINITY);
            let mut t = Table {
                coarse: [f32::INFINITY; 16],
                fine: [[f32::INFINITY; 16]; 15],
            };
            for (b, m) in t.coarse.iter_mut().enumerate() {
                *m = cut(16 * b + 15);
            }
            for (p, row) in t.fine.iter_mut().enumerate() {
                for (b, v) in row.iter_mut().enumerate() {
                    *v = cut(16 * b + p);
                }
            }
            tables.push(t);
        }
        Some(Self { tables })
    }

    /// Rows `start..` of `x` (as many as `out` holds; their first `W` columns, `W` 32 or
    /// 64) coded into `out`, sixteen at a time, each flagged in `nan` when those columns hold
    /// a NaN.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn code_rows<const W: usize>(
        &self,
        v4: pulp::x86::V4,
        x: ndarray::ArrayView2<'_, f64>,
        start: usize,
        out: &mut [[u16; W]],
        nan: &mut [bool],
    ) {
        let nf = x.ncols().min(W);
        let all = x.as_slice().filter(|_| nf == W);
        let mut rows = [[0f64; W]; ROWS];
        let mut words = [[0u16; W]; ROWS];
        for (k, (out, nan)) in out.chunks_mut(ROWS).zip(nan.chunks_mut(ROWS)).enumerate() {
            let first = start + k * ROWS;
            let n = out.len();
            // Whole rows straight from a row-major matrix of the coded width; otherwise
            // copied (a short last group keeps the previous rows: their codes are not read).
            let direct = all
                .and_then(|a| a.get(first * nf..(first + ROWS) * nf))
                .and_then(|a| a.as_chunks::<W>().0.first_chunk::<ROWS>());
            let block = match direct {
                Some(b) => b,
                None => {
                    for (r, row) in rows.iter_mut().enumerate().take(n) {
                        let src = x.row(first + r);
                        match (src.as_slice(), row.get_mut(..nf)) {
                            (Some(src), Some(dst)) if src.len() >= nf => {
                                dst.copy_from_slice(&src[..nf]);
                            }
                            _ => row.iter_mut().zip(src).for_each(|(d, v)| *d = *v),
                        }
                    }
                    &rows
                }
            };
            let bad = self.code(v4, block, &mut words);
            for (r, ((o, w), flag)) in out.iter_mut().zip(&words).zip(nan).enumerate() {
                *o = *w;
                *flag = bad >> r & 1 != 0;
            }
        }
    }

    /// Codes 16 rows (`rows`, zeros past the model's width) into `out` as words
    /// `code << 8`; returns the rows holding a NaN as a bit mask (their codes are
    /// meaningless). 32 features (one output register) at a time.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn code<const W: usize>(
        &self,
        v4: pulp::x86::V4,
        rows: &[[f64; W]; ROWS],
        out: &mut [[u16; W]; ROWS],
    ) -> u16 {
        let mut nan = 0;
        let (tables, _) = self.tables.as_chunks::<NARROW>();
        for (s, tables) in tables.iter().enumerate().take(W / NARROW) {
            let part = |row: &[f64; W]| row.as_chunks::<NARROW>().0.get(s).copied();
            let rows: [[f64; NARROW]; ROWS] =
                core::array::from_fn(|r| rows.get(r).and_then(part).unwrap_or([0.0; NARROW]));
            let mut words = [[0u16; NARROW]; ROWS];
            nan |= code32(v4, tables, &rows, &mut words);
            for (o, w) in out.iter_mut().zip(words) {
                if let Some(o) = o.as_chunks_mut::<NARROW>().0.get_mut(s) {
                    *o = w;
                }
            }
        }
        nan
    }
}

/// [`Ranks::code`] for 32 features and their tables.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn code32(
    v4: pulp::x86::V4,
    tables: &[Table; NARROW],
    rows: &[[f64; NARROW]; ROWS],
    out: &mut [[u16; NARROW]; ROWS],
) -> u16 {
    use core::arch::x86_64::{__m512, __m512d, __m512i, _CMP_UNORD_Q};
    use pulp::bytemuck::cast;
    let (f, dq, bw) = (v4.avx512f, v4.avx512dq, v4.avx512bw);
    // Each row to f32 in two registers (features 0–15 and 16–31).
    let mut lo = [f._mm512_setzero_si512(); ROWS];
    let mut hi = lo;
    for ((row, lo), hi) in rows.iter().zip(&mut lo).zip(&mut hi) {
        let d: [__m512d; 4] = cast(*row);
        let half = |a: __m512d, b: __m512d| -> __m512i {
            let a = f._mm512_castps256_ps512(f._mm512_cvtpd_ps(a));
            cast(dq._mm512_insertf32x8::<1>(a, f._mm512_cvtpd_ps(b)))
        };
        *lo = half(d[0], d[1]);
        *hi = half(d[2], d[3]);
    }
    let mut nan = 0u16;
    let mut codes = [[f._mm512_setzero_si512(); ROWS]; 2];
    let (tables, _) = tables.as_chunks::<ROWS>();
    for ((half, codes), tables) in [lo, hi].into_iter().zip(&mut codes).zip(tables) {
        let cols: [__m512; ROWS] = cast(transpose16(v4, half));
        for x in cols {
            nan |= f._mm512_cmp_ps_mask::<_CMP_UNORD_Q>(x, x);
        }
        // Eight columns' searches at once: each is a chain of dependent steps.
        let (cols8, _) = cols.as_chunks::<SIDE>();
        let (codes8, _) = codes.as_chunks_mut::<SIDE>();
        let (tables8, _) = tables.as_chunks::<SIDE>();
        for ((x, code), t) in cols8.iter().zip(codes8).zip(tables8) {
            *code = search(v4, t, *x).map(|c| f._mm512_slli_epi32::<8>(c));
        }
    }
    let [lo, hi] = codes;
    let (lo, hi) = (transpose16(v4, lo), transpose16(v4, hi));
    // Word k of a row: the low half of lane k of its two registers.
    let even: [u16; 32] = core::array::from_fn(|k| 2 * k as u16);
    let even: __m512i = cast(even);
    for ((o, lo), hi) in out.iter_mut().zip(lo).zip(hi) {
        *o = cast(bw._mm512_permutex2var_epi16(lo, even, hi));
    }
    nan
}

/// Columns searched at once (measured: 4 leaves the chains' latency exposed, 16 spills).
const SIDE: usize = 8;

/// For [`SIDE`] columns of 16 values and their tables, how many of the cuts each value
/// exceeds (NaN: meaningless). Each step is done for every column before the next, so the
/// columns' dependency chains overlap.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn search(
    v4: pulp::x86::V4,
    t: &[Table; SIDE],
    x: [core::arch::x86_64::__m512; SIDE],
) -> [core::arch::x86_64::__m512i; SIDE] {
    use core::arch::x86_64::{__m512, __m512i, _CMP_GT_OQ};
    use pulp::bytemuck::cast;
    let f = v4.avx512f;
    let k = |v: i32| f._mm512_set1_epi32(v);
    let gt = |x: __m512, probe: __m512| f._mm512_cmp_ps_mask::<_CMP_GT_OQ>(x, probe);
    let fine =
        |t: &Table, p: usize| -> __m512 { cast(t.fine.get(p).copied().unwrap_or([0.0; 16])) };
    // Bucket: 4 steps over the buckets' largest cuts.
    let mut b = [f._mm512_setzero_si512(); SIDE];
    for s in [8, 4, 2, 1] {
        for ((b, x), t) in b.iter_mut().zip(x).zip(t) {
            let probe = f._mm512_permutexvar_ps(f._mm512_add_epi32(*b, k(s - 1)), cast(t.coarse));
            *b = f._mm512_mask_add_epi32(*b, gt(x, probe), *b, k(s));
        }
    }
    // Inside the bucket: step `s` probes cut `16 b + p + s − 1`, table `p + s − 1` at `b`;
    // `p` takes 1, 2, 4, 8 values, so 1, 1, 2, 4 two-table permutes and blends on its bits.
    let two = |t: &Table, a: usize, c: usize, idx: __m512i| {
        f._mm512_permutex2var_ps(fine(t, a), idx, fine(t, c))
    };
    let bit = |p: __m512i, v: i32| f._mm512_test_epi32_mask(p, k(v));
    let mut p = [f._mm512_setzero_si512(); SIDE];
    for (((p, b), x), t) in p.iter_mut().zip(b).zip(x).zip(t) {
        let probe = f._mm512_permutexvar_ps(b, fine(t, 7));
        *p = f._mm512_mask_add_epi32(*p, gt(x, probe), *p, k(8));
    }
    // p ∈ {0, 8}: bit 3 of p becomes index bit 4 (the second table).
    for (((p, b), x), t) in p.iter_mut().zip(b).zip(x).zip(t) {
        let idx = f._mm512_or_si512(b, f._mm512_slli_epi32::<1>(*p));
        let probe = two(t, 3, 11, idx);
        *p = f._mm512_mask_add_epi32(*p, gt(x, probe), *p, k(4));
    }
    // p ∈ {0, 4, 8, 12}.
    for (((p, b), x), t) in p.iter_mut().zip(b).zip(x).zip(t) {
        let idx = f._mm512_or_si512(b, f._mm512_slli_epi32::<2>(f._mm512_and_si512(*p, k(4))));
        let (lo, hi) = (two(t, 1, 5, idx), two(t, 9, 13, idx));
        let probe = f._mm512_mask_blend_ps(bit(*p, 8), lo, hi);
        *p = f._mm512_mask_add_epi32(*p, gt(x, probe), *p, k(2));
    }
    // p even, 0–14.
    for (((p, b), x), t) in p.iter_mut().zip(b).zip(x).zip(t) {
        let idx = f._mm512_or_si512(b, f._mm512_slli_epi32::<3>(f._mm512_and_si512(*p, k(2))));
        let q = [
            two(t, 0, 2, idx),
            two(t, 4, 6, idx),
            two(t, 8, 10, idx),
            two(t, 12, 14, idx),
        ];
        let four = bit(*p, 4);
        let lo = f._mm512_mask_blend_ps(four, q[0], q[1]);
        let hi = f._mm512_mask_blend_ps(four, q[2], q[3]);
        let probe = f._mm512_mask_blend_ps(bit(*p, 8), lo, hi);
        *p = f._mm512_mask_add_epi32(*p, gt(x, probe), *p, k(1));
    }
    core::array::from_fn(|i| f._mm512_or_si512(f._mm512_slli_epi32::<4>(b[i]), p[i]))
}

/// The transpose of a 16×16 matrix of 32-bit lanes (register `i` is row `i`): unpacks of
/// 32 and 64 bits inside 128-bit lanes, then two rounds of 128-bit lane shuffles.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn transpose16(
    v4: pulp::x86::V4,
    r: [core::arch::x86_64::__m512i; 16],
) -> [core::arch::x86_64::__m512i; 16] {
    let f = v4.avx512f;
    // t[2i], t[2i+1]: rows 2i and 2i+1 interleaved (low and high pairs of each lane).
    let t: [_; 16] = core::array::from_fn(|i| {
        let (a, b) = (r[i & !1], r[i | 1]);
        if i % 2 == 0 {
            f._mm512_unpacklo_epi32(a, b)
        } else {
            f._mm512_unpackhi_epi32(a, b)
        }
    });
    // x[4q + c]: lane L holds column 4L + c of rows 4q..4q+4.
    let x: [_; 16] = core::array::from_fn(|i| {
        let (q, c) = (i / 4, i % 4);
        let (a, b) = (t[4 * q + c / 2], t[4 * q + 2 + c / 2]);
        if c % 2 == 0 {
            f._mm512_unpacklo_epi64(a, b)
        } else {
            f._mm512_unpackhi_epi64(a, b)
        }
    });
    // Per c, the 4×4 matrix of 128-bit lanes x[4q + c].L transposed: column 4L + c.
    let mut out = r;
    for c in 0..4 {
        let y0 = f._mm512_shuffle_i32x4::<0x44>(x[c], x[4 + c]);
        let y1 = f._mm512_shuffle_i32x4::<0xEE>(x[c], x[4 + c]);
        let y2 = f._mm512_shuffle_i32x4::<0x44>(x[8 + c], x[12 + c]);
        let y3 = f._mm512_shuffle_i32x4::<0xEE>(x[8 + c], x[12 + c]);
        out[c] = f._mm512_shuffle_i32x4::<0x88>(y0, y2);
        out[4 + c] = f._mm512_shuffle_i32x4::<0xDD>(y0, y2);
        out[8 + c] = f._mm512_shuffle_i32x4::<0x88>(y1, y3);
        out[12 + c] = f._mm512_shuffle_i32x4::<0xDD>(y1, y3);
    }
    out
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::gbdt::tree::{Node, Tree};

    struct Transpose([[u32; 16]; 16]);
    impl pulp::NullaryFnOnce for Transpose {
        type Output = [[u32; 16]; 16];
        fn call(self) -> Self::Output {
            let Some(v4) = pulp::x86::V4::try_new() else {
                return self.0;
            };
            pulp::bytemuck::cast(transpose16(v4, pulp::bytemuck::cast(self.0)))
        }
    }

    #[test]
    fn transposes() {
        let Some(v4) = pulp::x86::V4::try_new() else {
            eprintln!("skipping: no AVX-512");
            return;
        };
        let m: [[u32; 16]; 16] =
            core::array::from_fn(|i| core::array::from_fn(|j| (i * 16 + j) as u32));
        let t = v4.vectorize(Transpose(m));
        for i in 0..16 {
            for j in 0..16 {
                assert_eq!(t[i][j], m[j][i], "{i} {j}");
            }
        }
    }

    struct Code<'a>(&'a Ranks, [[f64; WIDTH]; ROWS]);
    impl pulp::NullaryFnOnce for Code<'_> {
        type Output = ([[u16; WIDTH]; ROWS], u16);
        fn call(self) -> Self::Output {
            let mut out = [[0; WIDTH]; ROWS];
            let Some(v4) = pulp::x86::V4::try_new() else {
                return (out, 0);
            };
            let nan = self.0.code(v4, &self.1, &mut out);
            (out, nan)
        }
    }

    #[test]
    fn codes_count_the_cuts_exceeded() {
        let Some(v4) = pulp::x86::V4::try_new() else {
            eprintln!("skipping: no AVX-512");
            return;
        };
        // Feature f has (37 f) mod 256 cuts (up to 255), spaced 0.5 apart; feature 3 none.
        let mut nodes = Vec::new();
        for f in 0..WIDTH {
            let k = if f == 3 { 0 } else { (37 * f + 11) % 256 };
            for j in 0..k.min(255) {
                let mut n = Node::leaf(0.0, 1.0);
                (n.feature, n.threshold, n.left, n.right) = (f as u32, j as f32 * 0.5 - 20.0, 1, 1);
                nodes.push(n);
            }
        }
        let trees = [Tree { nodes }];
        let cuts = Cuts::new(&trees, WIDTH).unwrap();
        let ranks = Ranks::new(&cuts).unwrap();
        let mut rng = vigil_core::SplitMix64::new(7);
        for round in 0..40 {
            let rows: [[f64; WIDTH]; ROWS] = core::array::from_fn(|r| {
                core::array::from_fn(|f| {
                    let v = (rng.below(300) as f64) * 0.25 - 25.0;
                    match (round + r + f) % 11 {
                        0 => f64::INFINITY,
                        1 => f64::NEG_INFINITY,
                        2 => v + 1e-9,
                        _ => v,
                    }
                })
            });
            let mut rows = rows;
            rows[5][round % WIDTH] = f64::NAN;
            let (out, nan) = v4.vectorize(Code(&ranks, rows));
            assert_eq!(nan, 1 << 5);
            for (r, row) in rows.iter().enumerate() {
                for (f, &v) in row.iter().enumerate() {
                    if v.is_nan() {
                        continue;
                    }
                    let want = cuts.of(f).iter().filter(|&&c| v as f32 > c).count();
                    assert_eq!(
                        usize::from(out[r][f] >> 8),
                        want,
                        "row {r} feature {f} value {v}"
                    );
                    assert_eq!(out[r][f] & 0xff, 0);
                }
            }
        }
    }
}
