//! Mergeable streaming statistics, each small and fixed-size so a profile never allocates.

mod ew;
mod hll;
mod pane;
mod seasonal;
mod topk;

pub use ew::EwStats;
pub use hll::TinyHll;
pub use pane::{Pane, WindowStats};
pub use seasonal::{Scan, Seasonal};
pub use topk::{Rarity, TOP_K, TopK};
