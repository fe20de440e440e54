//! Oversight: how well the AI does per detector and alert type, audits of what it
//! suppressed, and the autonomy it has earned.
//!
//! - [`QualityTracker`]: precision, false-positive rate and calibration per group.
//! - [`AuditSampler`] and [`AuditTally`]: sample suppressed alerts for review and estimate
//!   the realized miss rate with an exact (Clopper–Pearson) or Wilson interval.
//! - [`AutonomyPolicy`]: grants auto-suppression to a detector only while its audited miss
//!   rate's upper bound stays under α; revokes it when the bound rises or drift fires. Every
//!   grant and revocation goes to an append-only [`AuditLog`].

mod audit;
mod autonomy;
mod log;
mod quality;

pub use audit::{AuditSampler, AuditTally};
pub use autonomy::{AutonomyAction, AutonomyEvent, AutonomyParams, AutonomyPolicy};
pub use log::{AuditLog, JsonlAuditLog, MemoryAuditLog};
pub use quality::{GroupQuality, QualityTracker};
