//! The SOC replay: a time-ordered discrete-event simulation of an analyst pool working an
//! alert queue under a discipline (FIFO, severity-first, or Vigil's scored, suppressed and
//! grouped queue).
//!
//! ```
//! use vigil_core::{Alert, GroundTruth, ParamGuard};
//! use vigil_eval::replay::{replay, Discipline, QueueSummary, ReplayParams};
//!
//! let t = chrono::DateTime::UNIX_EPOCH;
//! // Ten alerts a minute apart; the last one is an attack.
//! let alerts: Vec<Alert> = (0..10)
//!     .map(|i| {
//!         let mut a = Alert::new(i.to_string(), t + chrono::Duration::minutes(i), "x");
//!         a.truth = Some(GroundTruth { malicious: i == 9, phase: Some("p".into()), step: None });
//!         a
//!     })
//!     .collect();
//! let fifo = ReplayParams::new(Discipline::Fifo).minutes_per_item(3.0).check().unwrap();
//! let out = replay(&fifo, &alerts, None).unwrap();
//! let s = QueueSummary::new(&alerts, &out);
//! assert_eq!(s.reviewed + s.suppressed_score + s.joined_incident + s.never_reviewed, 10);
//! assert_eq!(s.phases_detected, 0); // one analyst at 3 minutes cannot keep up
//! ```

mod engine;
mod outcome;
mod params;
mod summary;

pub use engine::{replay, replay_masked};
pub use outcome::{AlertFate, FateKind, QueueSample, ReplayOutcome};
pub use params::{Discipline, Duty, ReplayConfig, ReplayParams, VigilQueue};
pub use summary::{PhaseResult, QueueSummary};
