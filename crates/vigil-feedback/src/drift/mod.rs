//! Drift: change detectors on the model's error stream, population stability on features,
//! and per-detector precision over time.
//!
//! Both change detectors take values in `[0, 1]` (an error indicator, or a log-loss scaled to
//! the unit interval) and state their false-alarm bound: see [`Adwin`] and [`PageHinkley`].

mod adwin;
mod page_hinkley;
mod precision;
mod psi;

pub use adwin::Adwin;
pub use page_hinkley::PageHinkley;
pub use precision::{PrecisionPoint, PrecisionTracker};
pub use psi::{Psi, psi, psi_columns};

/// A detector of change in the mean of a stream of values in `[0, 1]`.
pub trait ChangeDetector {
    /// Adds one value; returns true when a change is detected at this step.
    fn update(&mut self, x: f64) -> bool;
    /// Values seen since the last reset.
    fn len(&self) -> u64;
    /// True when no value has been seen since the last reset.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The current estimate of the mean.
    fn mean(&self) -> f64;
}
