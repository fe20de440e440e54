//! Writes a small report with every plot kind, from synthetic scores and a simulated queue.
//!
//! `cargo run -p vigil-metrics --example report_demo -- /tmp/vigil-report`

use chrono::{DateTime, Duration};
use vigil_core::{LifecycleLog, LifecycleStage, SplitMix64};
use vigil_metrics::report::{Plot, Report, Table, soc_table};
use vigil_metrics::{
    AlertLabel, MetricsError, SocMetrics, SocParams, pr_auc, pr_curve, queue_length,
    reliability_bins, roc_auc, roc_curve, soc_metrics,
};

fn main() -> Result<(), MetricsError> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "vigil-report".into());
    let mut rng = SplitMix64::new(7);

    // Two scorers on the same 2,000 alerts, 5% threats: one sharp, one weak.
    let labels: Vec<bool> = (0..2_000).map(|_| rng.next_f64() < 0.05).collect();
    let noisy = |rng: &mut SplitMix64, sep: f64| -> Vec<f64> {
        labels
            .iter()
            .map(|&y| {
                let z = rng.normal() + if y { sep } else { 0.0 };
                1.0 / (1.0 + (-(z - 2.0)).exp())
            })
            .collect()
    };
    let sharp = noisy(&mut rng, 3.0);
    let weak = noisy(&mut rng, 1.0);

    // A simulated day: alerts every 2 minutes; FIFO reviews one per 3 minutes, "vigil"
    // reviews threats first and suppresses most benign alerts.
    let t0 = DateTime::UNIX_EPOCH + Duration::days(19_000);
    let mut soc = Vec::new();
    for discipline in ["fifo", "vigil"] {
        let mut log = LifecycleLog::new();
        let mut alert_labels = Vec::new();
        let mut analyst_free = t0;
        for i in 0..720i64 {
            let id = format!("a{i}");
            let at = t0 + Duration::minutes(2 * i);
            let threat = i % 97 == 5 || i % 131 == 7;
            log.record(&id, LifecycleStage::Created, at, None);
            let review = discipline == "fifo" || threat || i % 5 == 0;
            if review {
                let start = analyst_free.max(at);
                let start = if discipline == "vigil" && threat {
                    at + Duration::minutes(4)
                } else {
                    start
                };
                if start < t0 + Duration::hours(24) {
                    log.record(&id, LifecycleStage::Surfaced, start, Some("ana"));
                    log.record(
                        &id,
                        LifecycleStage::Resolved,
                        start + Duration::minutes(3),
                        Some("ana"),
                    );
                    analyst_free = analyst_free.max(start + Duration::minutes(3));
                }
            } else {
                log.record(&id, LifecycleStage::Suppressed, at, Some("vigil"));
            }
            let phase = if i % 97 == 5 { "phase A" } else { "phase B" };
            alert_labels.push(AlertLabel::new(
                id,
                threat,
                threat.then(|| format!("{phase} {}", i / 200)),
            ));
        }
        let m = soc_metrics(&log, &alert_labels, &SocParams::new().analyst_hours(24.0))?;
        soc.push((discipline, m, queue_length(&log)));
    }

    let mut table = Table::new("Scorers", &["scorer", "ROC-AUC", "PR-AUC (AP)"]);
    for (name, s) in [("sharp", &sharp), ("weak", &weak)] {
        table.push_row(vec![
            name.into(),
            roc_auc(s, &labels)?.into(),
            pr_auc(s, &labels)?.into(),
        ]);
    }
    let rows: Vec<(&str, &SocMetrics)> = soc.iter().map(|(n, m, _)| (*n, m)).collect();
    let queues = soc_table("Queues side by side", &rows);
    let pr_s = pr_curve(&sharp, &labels)?;
    let pr_w = pr_curve(&weak, &labels)?;
    let roc_s = roc_curve(&sharp, &labels)?;
    let roc_w = roc_curve(&weak, &labels)?;
    let rel_s = reliability_bins(&sharp, &labels, 10)?;
    let rel_w = reliability_bins(&weak, &labels, 10)?;
    let q: Vec<_> = soc.iter().map(|(n, _, q)| (*n, q.as_slice())).collect();
    let d: Vec<_> = soc
        .iter()
        .map(|(n, m, _)| (*n, m.per_attack.as_slice()))
        .collect();
    let written = Report::new("vigil-metrics report demo")
        .text("Synthetic scores and a simulated day of alerts, to show every table and plot.")
        .table(table)
        .table(queues)
        .plot(Plot::pr_curves(
            "Precision-recall",
            &[("sharp", &pr_s), ("weak", &pr_w)],
        ))
        .plot(Plot::roc_curves(
            "ROC",
            &[("sharp", &roc_s), ("weak", &roc_w)],
        ))
        .plot(Plot::calibration(
            "Calibration (10 bins)",
            &[("sharp", &rel_s), ("weak", &rel_w)],
        ))
        .plot(Plot::queue_length("Queue length", &q))
        .plot(Plot::detection_timeline("Detection timeline", &d))
        .write(std::path::Path::new(&out))?;
    println!("{}", written.index.display());
    Ok(())
}
