//! SOC outcome metrics: what the queue did with the alerts (MTTD, MTTR, precision,
//! false-positive rate, capacity, unaddressed share), queue length over time, ATT&CK
//! detection coverage, and the quantiles they use.

mod coverage;
mod headline;
mod label;
mod outcome;
mod quantile;
mod queue;
mod timeline;

pub use coverage::{
    AttackCatalogue, Coverage, SigmaRule, SigmaRules, Tactic, TacticCoverage, Technique,
    techniques_fired,
};
pub use headline::Headline;
pub use label::AlertLabel;
pub use outcome::{AttackOutcome, DetectionPoint, SocMetrics, SocParams, soc_metrics};
pub use quantile::{Summary, quantile, quantile_nearest_rank};
pub use queue::{QueuePoint, queue_length};
