//! The standard side-by-side table of queue disciplines.

use super::table::{Cell, Table};
use crate::SocMetrics;

/// One row per queue discipline: alerts, share unaddressed, phases detected, MTTD and MTTR
/// (median and p90, minutes), analyst hours spent, precision, false-positive rate, benign
/// alerts reviewed. The note under the table states the definitions.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// use vigil_core::{LifecycleLog, LifecycleStage::*};
/// use vigil_metrics::{AlertLabel, SocParams, report::soc_table, soc_metrics};
/// let mut log = LifecycleLog::new();
/// log.record("a", Created, chrono::DateTime::UNIX_EPOCH, None);
/// let m = soc_metrics(&log, &[AlertLabel::new("a", true, Some("p".into()))], &SocParams::default())?;
/// let t = soc_table("SOC side by side", &[("fifo", &m)]);
/// assert!(t.to_markdown().contains("| fifo | 1 | 1.00 | 0/1 |"));
/// # Ok(()) }
/// ```
pub fn soc_table(title: &str, rows: &[(&str, &SocMetrics)]) -> Table {
    let mins = |s: Option<f64>| Cell::from(s.map(|v| v / 60.0));
    let mut t = Table::new(
        title,
        &[
            "queue",
            "alerts",
            "unaddressed share",
            "phases detected",
            "MTTD median (min)",
            "MTTD p90 (min)",
            "MTTR median (min)",
            "analyst hours",
            "precision",
            "FPR",
            "benign reviewed",
        ],
    )
    .digits(2)
    .note(
        "Unaddressed: neither reviewed by an analyst nor suppressed. A phase is detected when an \
         analyst reviews one of its attack alerts; MTTD runs from the phase's first alert to that \
         review, MTTR from that review to the first resolution of one of its reviewed alerts \
         (median and p90 by linear interpolation, over detected phases only). Analyst hours: time \
         spent on reviews. Precision: threats among reviewed alerts; FPR: benign alerts reviewed \
         among benign alerts.",
    );
    for (name, m) in rows {
        t.push_row(vec![
            (*name).into(),
            m.alerts.into(),
            m.unaddressed_share.into(),
            format!("{}/{}", m.attacks_detected, m.attacks_total).into(),
            mins(m.mttd.map(|s| s.median)),
            mins(m.mttd.map(|s| s.p90)),
            mins(m.mttr.map(|s| s.median)),
            m.analyst_busy_hours.into(),
            m.precision.into(),
            m.false_positive_rate.into(),
            m.benign_reviewed.into(),
        ]);
    }
    t
}
