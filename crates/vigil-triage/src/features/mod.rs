//! Feature extraction from alerts.

pub mod alert_stream;
