//! Retraining: when to train ([`RetrainPolicy`]), whether the challenger may replace the
//! champion ([`compare`]), where versions live ([`Registry`]), and the loop that ties them to
//! verdicts ([`Retrainer`]).

mod compare;
mod policy;
mod registry;
mod trainer;

pub use compare::{CompareParams, Comparison, compare};
pub use policy::{PolicyState, RetrainPolicy, RetrainReason};
pub use registry::{ModelVersion, Registry};
pub(crate) use trainer::threat_probs;
pub use trainer::{RetrainOutcome, Retrainer, TrainerParams};
