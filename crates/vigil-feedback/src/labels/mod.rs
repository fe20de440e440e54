//! Label quality: from raw verdicts to training labels no single analyst controls.
//!
//! 1. [`resolve`] turns the verdicts on each alert into one [`Consensus`] label by a
//!    reliability-weighted vote (the rule is documented on [`resolve`]).
//! 2. [`AnalystLedger`] tracks each analyst's agreement with the consensus of the *others*
//!    (leave-one-out, so an analyst cannot agree with themself), overall and per detector,
//!    and flags an analyst whose agreement is confidently below a threshold.
//! 3. [`cap_influence`] scales training weights so that no source (one analyst, or the base
//!    training set) holds more than a fixed share of the total.

mod consensus;
mod influence;
mod ledger;

pub use consensus::{Consensus, resolve};
pub use influence::cap_influence;
pub use ledger::{AnalystLedger, AnalystStanding, LedgerParams};
