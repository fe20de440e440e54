//! Feature extraction from alerts.
//!
//! - [`guide`]: Microsoft GUIDE-style alerts (Defender XDR evidence), with out-of-fold
//!   target encodings grouped by organisation.
//! - [`alert_stream`]: source-agnostic alert-stream features (AIT-ADS and the like).

pub mod alert_stream;
pub mod guide;
