//! The embedded default for the main job: a generated enterprise (users, hosts, benign
//! activity, detectors prone to false positives, an ATT&CK-mapped multi-stage intrusion),
//! deterministic by seed, and the side-by-side replay of a traditional and a Vigil SOC.

pub mod catalog;
mod generate;
mod report;
mod run;

pub use generate::{Enterprise, EnterpriseParams, generate};
pub use report::write_report;
pub use run::{DemoJson, DemoOutcome, DemoParams, DemoQueue, run_demo};
