//! Quantised batch inference: the model's own thresholds as bin edges.
//!
//! Every split compares `x as f32 > t`. Collect, per feature, the distinct thresholds the
//! model uses, sorted: `T_0 < T_1 < … < T_{k-1}`. A value's *code* is how many of them it
//! exceeds; since `x > T_j` implies `x > T_i` for every `i < j`, `x > T_j` holds exactly when
//! `code > j`. So once a block of rows is coded (one vectorised count per feature), every
//! split of every tree is a one-byte comparison, sixteen rows per SSE2 instruction, and the
//! results are the very comparisons the node trees make: the scores agree bit for bit.
//!
//! - [`cuts`]: the per-feature thresholds and the coding of a block.
//! - [`oblivious`]: symmetric trees scored on a coded block (each level of a tree one byte
//!   comparison over the block, leaf values gathered a group of trees at a time).
//! - [`single`]: symmetric trees for one row, four trees per float comparison.
//! - [`quick`]: deep general trees of at most 32 leaves as QuickScorer leaf masks, a block
//!   of rows per tree without data-dependent branches (on floats, not coded rows).
//! - [`staged`]: general trees of depth ≤ 8, 16 nodes per AVX-512 permute and compare, where
//!   the CPU has AVX-512; batches on rows coded by [`rank16`] (ranks as
//!   16-bit words, 16 rows at a time) with nodes as words ([`words`]: 32 nodes, two trees'
//!   stages, per permute).

pub(crate) mod cuts;
pub(crate) mod oblivious;
pub(crate) mod quick;
pub(crate) mod rank16;
pub(crate) mod single;
pub(crate) mod staged;
#[cfg(test)]
pub(crate) mod testkit;
pub(crate) mod words;

/// Rows scored per block: the coded block (one byte per used feature and row) and a group of
/// trees' leaf tables stay in L1 together.
pub(crate) const BLOCK: usize = 256;
/// Rows converted to `f32` at a time while coding.
pub(crate) const SUB: usize = 64;
/// Rows per vector step (one SSE2 register of bytes).
pub(crate) const STEP: usize = 16;
