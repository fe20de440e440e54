//! The demo's report folder: tables, plots and index.html, through `vigil_metrics::report`.

use std::path::Path;

use vigil_metrics::report::{Plot, Report, Table, Written, soc_table};
use vigil_metrics::{
    AlertLabel, DetectionPoint, SocMetrics, SocParams, pr_curve, queue_length, reliability_bins,
    soc_metrics,
};

use super::run::DemoOutcome;
use crate::EvalError;

/// SOC metrics of every queue, computed by `vigil_metrics` from the replay's lifecycle logs
/// (detection at the verdict, as the replay's own summary counts it).
pub fn queue_metrics(demo: &DemoOutcome) -> Result<Vec<(&'static str, SocMetrics)>, EvalError> {
    let alerts = &demo.enterprise.alerts;
    let labels: Vec<AlertLabel> = alerts.iter().map(AlertLabel::from_alert).collect();
    let span_h = demo
        .queues
        .first()
        .map_or(0.0, |q| q.outcome.span_s as f64 / 3600.0);
    let params = SocParams::new()
        .analyst_hours(span_h * demo.analysts as f64)
        .detection(DetectionPoint::Verdict);
    demo.queues
        .iter()
        .map(|q| {
            let log = q.outcome.lifecycle(alerts);
            Ok((q.name, soc_metrics(&log, &labels, &params)?))
        })
        .collect()
}

/// Writes the report into `dir`: the SOC table (Markdown and JSON), PR curve and calibration
/// of Vigil's scores, queue length over time and the detection timeline of every queue, and
/// index.html linking them.
pub fn write_report(demo: &DemoOutcome, seed: u64, dir: &Path) -> Result<Written, EvalError> {
    let alerts = &demo.enterprise.alerts;
    let labels: Vec<bool> = alerts
        .iter()
        .map(|a| a.is_threat().unwrap_or(false))
        .collect();
    let metrics = queue_metrics(demo)?;
    let rows: Vec<(&str, &SocMetrics)> = metrics.iter().map(|(n, m)| (display(n), m)).collect();
    let curve = pr_curve(&demo.scores, &labels)?;
    let bins = reliability_bins(&demo.scores, &labels, 10)?;
    let logs: Vec<(&str, Vec<vigil_metrics::QueuePoint>)> = demo
        .queues
        .iter()
        .map(|q| (display(q.name), queue_length(&q.outcome.lifecycle(alerts))))
        .collect();
    let queue_series: Vec<(&str, &[vigil_metrics::QueuePoint])> =
        logs.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    let timelines: Vec<(&str, &[vigil_metrics::AttackOutcome])> = metrics
        .iter()
        .map(|(n, m)| (display(n), m.per_attack.as_slice()))
        .collect();
    let mut phases = Table::new(
        "Attack phases",
        &["queue", "phase", "attack alerts", "detected after (min)"],
    );
    for q in &demo.queues {
        for p in &q.summary.phases {
            phases.push_row(vec![
                display(q.name).into(),
                p.phase.clone().into(),
                p.attack_alerts.to_string().into(),
                p.ttd_s
                    .map_or("missed".to_owned(), |s| format!("{:.1}", s as f64 / 60.0))
                    .into(),
            ]);
        }
    }
    let json = demo
        .json(seed)
        .and_then(|j| serde_json::to_value(j).ok())
        .unwrap_or_default();
    let written = Report::new("Vigil demo: traditional SOC vs Vigil")
        .text(&format!(
            "Enterprise {} ({} alerts over {} days, seed {seed}); Vigil trained on {} \
             (separately generated enterprises). {} analyst(s) round the clock, {} minutes per \
             queue item. Every figure comes from the replay.",
            demo.enterprise.name,
            alerts.len(),
            (demo.queues.first().map_or(0, |q| q.outcome.span_s) as f64 / 86_400.0).round(),
            demo.trained_on.join(", "),
            demo.analysts,
            demo.minutes_per_item,
        ))
        .table(soc_table("SOC outcomes", &rows))
        .table(phases)
        .plot(Plot::detection_timeline("Detection timeline", &timelines))
        .plot(Plot::queue_length("Queue length over time", &queue_series))
        .plot(Plot::pr_curves(
            "Precision-recall of Vigil's scores",
            &[("vigil", curve.as_slice())],
        ))
        .plot(Plot::calibration(
            "Calibration of Vigil's scores",
            &[("vigil", bins.as_slice())],
        ))
        .json("demo", json)
        .write(dir)?;
    Ok(written)
}

fn display(name: &str) -> &'static str {
    match name {
        "severity" => "traditional (severity-first)",
        "fifo" => "FIFO",
        _ => "Vigil",
    }
}
