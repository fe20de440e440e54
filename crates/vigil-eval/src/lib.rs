//! Vigil evaluation: the SOC replay, the evaluation harness on AIT-ADS and the embedded demo
//! enterprise.
//!
//! - [`replay`]: a time-ordered discrete-event simulation of analysts working a queue under
//!   FIFO, severity-first or Vigil's discipline, with the SOC figures it yields.

pub mod error;
pub mod replay;

pub use error::EvalError;
