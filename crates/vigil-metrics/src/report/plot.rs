//! The plots a Vigil report draws, built from the metrics' own types.

use chrono::{DateTime, Utc};

use super::chart::{Chart, Mark, PALETTE};
use crate::{AttackOutcome, Coverage, PrPoint, QueuePoint, ReliabilityBin, RocPoint};

/// One figure of a report: a title, a file name and the drawing, rendered as SVG.
#[derive(Debug, Clone)]
pub struct Plot {
    stem: String,
    chart: Chart,
}

fn hours(t0: DateTime<Utc>, t: DateTime<Utc>) -> f64 {
    (t - t0).num_milliseconds() as f64 / 3_600_000.0
}

impl Plot {
    fn from_chart(chart: Chart) -> Self {
        Self {
            stem: super::slug(&chart.title),
            chart,
        }
    }

    /// Precision–recall curves, one per labelled series, drawn as steps (recall on x): each
    /// threshold's precision held over the recall it adds, so the area under the drawn curve
    /// is [`crate::pr_auc`] (average precision).
    ///
    /// ```
    /// # fn main() -> Result<(), vigil_metrics::MetricsError> {
    /// use vigil_metrics::{pr_curve, report::Plot};
    /// let c = pr_curve(&[0.9, 0.4, 0.2], &[true, false, true])?;
    /// let svg = Plot::pr_curves("PR", &[("model", c.as_slice())]).to_svg();
    /// assert!(svg.contains("<polyline"));
    /// # Ok(()) }
    /// ```
    pub fn pr_curves(title: &str, curves: &[(&str, &[PrPoint])]) -> Self {
        let mut c = Chart::new(title, "recall", "precision");
        c.x_range = Some((0.0, 1.0));
        c.y_range = Some((0.0, 1.0));
        for (label, pts) in curves {
            // Start at recall 0 with the first point's precision, as the step area counts it.
            let mut p: Vec<(f64, f64)> = Vec::with_capacity(pts.len() + 1);
            if let Some(first) = pts.first() {
                p.push((0.0, first.precision));
            }
            p.extend(pts.iter().map(|q| (q.recall, q.precision)));
            c.push(label, Mark::StepPre, p);
        }
        Self::from_chart(c)
    }

    /// ROC curves, one per labelled series, with the chance diagonal.
    pub fn roc_curves(title: &str, curves: &[(&str, &[RocPoint])]) -> Self {
        let mut c = Chart::new(title, "false-positive rate", "true-positive rate");
        c.x_range = Some((0.0, 1.0));
        c.y_range = Some((0.0, 1.0));
        c.diagonal = true;
        for (label, pts) in curves {
            c.push(
                label,
                Mark::Line,
                pts.iter().map(|q| (q.fpr, q.tpr)).collect(),
            );
        }
        Self::from_chart(c)
    }

    /// Reliability (calibration) diagram: observed positive share against mean predicted
    /// probability for each non-empty bin, with the diagonal of perfect calibration; a dot's
    /// area is proportional to its bin's item count.
    pub fn calibration(title: &str, series: &[(&str, &[ReliabilityBin])]) -> Self {
        let mut c = Chart::new(
            title,
            "mean predicted probability",
            "observed share of threats",
        );
        c.x_range = Some((0.0, 1.0));
        c.y_range = Some((0.0, 1.0));
        c.diagonal = true;
        for (label, bins) in series {
            let filled: Vec<&ReliabilityBin> = bins.iter().filter(|b| b.count > 0).collect();
            let pts = filled
                .iter()
                .map(|b| (b.mean_predicted, b.observed))
                .collect();
            c.push(label, Mark::LineDots, pts);
            // Dot area grows with the bin's share of items: small bins are noisy.
            let max = filled.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
            if let Some(s) = c.series.last_mut() {
                s.sizes = filled
                    .iter()
                    .map(|b| 2.0 + 5.0 * (b.count as f64 / max).sqrt())
                    .collect();
            }
        }
        Self::from_chart(c)
    }

    /// Queue length over time (hours since the earliest point of any series), one step line
    /// per queue discipline.
    pub fn queue_length(title: &str, series: &[(&str, &[QueuePoint])]) -> Self {
        let mut c = Chart::new(title, "hours since the first alert", "alerts waiting");
        let t0 = series
            .iter()
            .filter_map(|(_, q)| q.first().map(|p| p.at))
            .min();
        let t_end = series
            .iter()
            .filter_map(|(_, q)| q.last().map(|p| p.at))
            .max();
        for (label, q) in series {
            let (Some(t0), Some(t_end)) = (t0, t_end) else {
                break;
            };
            let mut pts: Vec<(f64, f64)> = q
                .iter()
                .map(|p| (hours(t0, p.at), p.waiting as f64))
                .collect();
            // Hold the last value to the common end, so every line spans the same time.
            if let Some(&(_, last)) = pts.last() {
                pts.push((hours(t0, t_end), last));
            }
            c.push(label, Mark::Step, pts);
        }
        c.y_range = Some((
            0.0,
            c.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .fold(1.0, f64::max),
        ));
        Self::from_chart(c)
    }

    /// Detection timeline: one row per attack phase (ordered by its first alert); a grey dot
    /// at the phase's first alert, and per queue discipline a line to the time an analyst
    /// first reviewed one of its alerts, or a cross at the right edge when it never did.
    ///
    /// Each series is a discipline's [`crate::SocMetrics::per_attack`].
    pub fn detection_timeline(title: &str, disciplines: &[(&str, &[AttackOutcome])]) -> Self {
        // Phases: union over disciplines, each at its earliest first alert.
        let mut phases: Vec<(String, DateTime<Utc>)> = Vec::new();
        for (_, outs) in disciplines {
            for o in outs.iter() {
                match phases.iter_mut().find(|(k, _)| *k == o.attack) {
                    Some((_, t)) => *t = (*t).min(o.first_alert),
                    None => phases.push((o.attack.clone(), o.first_alert)),
                }
            }
        }
        phases.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut c = Chart::new(title, "hours since the first attack alert", "attack phase");
        c.y_categories = Some(phases.iter().map(|(k, _)| k.clone()).collect());
        let Some(t0) = phases.first().map(|p| p.1) else {
            return Self::from_chart(c);
        };
        let x_last = disciplines
            .iter()
            .flat_map(|(_, o)| o.iter().flat_map(|a| [Some(a.first_alert), a.detected_at]))
            .flatten()
            .map(|t| hours(t0, t))
            .fold(0.0, f64::max);
        let x_max = if x_last > 0.0 { x_last * 1.08 } else { 1.0 };
        c.x_range = Some((0.0, x_max));
        let n = disciplines.len().max(1) as f64;
        c.push(
            "first alert",
            Mark::Dots,
            phases
                .iter()
                .enumerate()
                .map(|(i, (_, t))| (hours(t0, *t), i as f64))
                .collect(),
        );
        if let Some(s) = c.series.last_mut() {
            s.color = "#999999".into();
        }
        for (k, (label, outs)) in disciplines.iter().enumerate() {
            let color = PALETTE.get(k % PALETTE.len()).copied().unwrap_or("#000000");
            // Spread disciplines within a row so their marks do not overlap.
            let dy = if n > 1.0 {
                -0.3 + 0.6 * k as f64 / (n - 1.0)
            } else {
                0.0
            };
            let mut segs = Vec::new();
            let mut hits = Vec::new();
            let mut misses = Vec::new();
            for (i, (key, start)) in phases.iter().enumerate() {
                let y = i as f64 + dy;
                match outs.iter().find(|o| o.attack == *key) {
                    Some(AttackOutcome {
                        detected_at: Some(d),
                        ..
                    }) => {
                        segs.push((hours(t0, *start), y));
                        segs.push((hours(t0, *d), y));
                        hits.push((hours(t0, *d), y));
                    }
                    _ => misses.push((x_max, y)),
                }
            }
            for (mark, pts, legend) in [
                (Mark::Segments, segs, false),
                (Mark::Dots, hits, true),
                (Mark::Crosses, misses, false),
            ] {
                c.push(&format!("{label}: first review"), mark, pts);
                if let Some(s) = c.series.last_mut() {
                    s.color = color.to_owned();
                    s.legend = legend;
                }
            }
        }
        c.push("never reviewed (×)", Mark::Crosses, Vec::new());
        if let Some(s) = c.series.last_mut() {
            s.color = "#444444".into();
        }
        Self::from_chart(c)
    }

    /// ATT&CK coverage per tactic as horizontal bars (share of the tactic's techniques
    /// covered), one bar per coverage set in each tactic's row; rows in the first set's
    /// tactic order.
    pub fn coverage(title: &str, sets: &[(&str, &Coverage)]) -> Self {
        let mut c = Chart::new(title, "share of the tactic's techniques covered", "tactic");
        c.x_range = Some((0.0, 1.0));
        let rows: Vec<String> = sets
            .first()
            .map(|(_, cov)| {
                cov.per_tactic
                    .iter()
                    .map(|t| format!("{} ({}/{})", t.name, t.covered, t.total))
                    .collect()
            })
            .unwrap_or_default();
        let keys: Vec<&str> = sets
            .first()
            .map(|(_, cov)| cov.per_tactic.iter().map(|t| t.id.as_str()).collect())
            .unwrap_or_default();
        // Row labels carry the counts of a single set; with several, just the names.
        c.y_categories = Some(if sets.len() == 1 {
            rows
        } else {
            sets.first()
                .map(|(_, cov)| cov.per_tactic.iter().map(|t| t.name.clone()).collect())
                .unwrap_or_default()
        });
        let n = sets.len().max(1) as f64;
        let h = 0.8 / n;
        for (k, (label, cov)) in sets.iter().enumerate() {
            let dy = -0.4 + h * (k as f64 + 0.5);
            let pts = keys
                .iter()
                .enumerate()
                .filter_map(|(i, id)| {
                    cov.per_tactic
                        .iter()
                        .find(|t| t.id == *id)
                        .map(|t| (t.share, i as f64 + dy))
                })
                .collect();
            c.push(
                &format!("{label} ({:.0}% of techniques)", 100.0 * cov.share),
                Mark::HBars(h * 0.9),
                pts,
            );
        }
        Self::from_chart(c)
    }

    /// A generic line chart of labelled `(x, y)` series (non-finite points are dropped).
    ///
    /// ```
    /// use vigil_metrics::report::Plot;
    /// let svg = Plot::lines("Loss", "round", "log-loss", &[("train", vec![(0.0, 0.7), (1.0, 0.4)])]).to_svg();
    /// assert!(svg.starts_with("<?xml") && !svg.contains("NaN"));
    /// ```
    pub fn lines(
        title: &str,
        x_label: &str,
        y_label: &str,
        series: &[(&str, Vec<(f64, f64)>)],
    ) -> Self {
        let mut c = Chart::new(title, x_label, y_label);
        for (label, pts) in series {
            c.push(label, Mark::LineDots, pts.clone());
        }
        Self::from_chart(c)
    }

    /// Sets the file name (without `.svg`); by default a slug of the title.
    pub fn with_file_stem(mut self, stem: &str) -> Self {
        self.stem = super::slug(stem);
        self
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.chart.title
    }

    /// The file name, with `.svg`.
    pub fn file_name(&self) -> String {
        format!("{}.svg", self.stem)
    }

    /// The SVG document.
    pub fn to_svg(&self) -> String {
        self.chart.render()
    }
}
