//! The fixed-size state of one entity (or peer group).

use crate::stats::{EwStats, Seasonal, TinyHll, TopK, WindowStats};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// What every profile holds regardless of how many measures and dimensions are configured:
/// 80 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub(crate) struct Core {
    /// Seeded 64-bit fingerprint of `(kind, entity)`. First field: `Store::key_at` reads it
    /// as the row's first 8 bytes.
    pub key: u64,
    /// Time of the latest event (seconds), the reference all decayed state is decayed to.
    pub last_time: f64,
    /// Time of the earliest event (seconds), for the base rate of a young entity.
    pub first_time: f64,
    /// Logical clock of the last touch, for least-recently-used eviction.
    pub tick: u32,
    /// Events seen (saturating), for the cold-start rule.
    pub events: u32,
    /// Decayed event count with the long half-life: the base rate.
    pub weight: f32,
    /// Decayed event count with the short half-life: the current rate.
    pub burst: f32,
    /// Index of the current tumbling pane.
    pub pane: u32,
    /// Hour-of-day and day-of-week activity.
    pub seasonal: Seasonal,
    /// Explicit padding to 80 bytes (always zero), so the row can be viewed as bytes.
    pub pad: [u8; 1],
}

/// One numeric measure of one entity: 48 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub(crate) struct MeasureSlot {
    /// Long-memory time-decayed mean and variance (transformed units).
    pub ew: EwStats,
    /// Windowed mean and variance (transformed units).
    pub window: WindowStats,
}

/// One categorical dimension of one entity: 44 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub(crate) struct CatSlot {
    /// Most frequent values with decayed counts.
    pub top: TopK,
    /// Distinct values ever seen (not decayed).
    pub distinct: TinyHll,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_as_documented() {
        assert_eq!(std::mem::size_of::<Core>(), 80);
        assert_eq!(std::mem::size_of::<MeasureSlot>(), 48);
        assert_eq!(std::mem::size_of::<CatSlot>(), 44);
    }
}
