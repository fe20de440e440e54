//! Property tests of the SOC replay: conservation, FIFO order, determinism, and agreement of
//! the replay's own summary with `vigil_metrics::soc_metrics`.

use proptest::prelude::*;
use vigil_core::{Alert, Entity, EntityKind, EntityRole, GroundTruth, ParamGuard, Severity};
use vigil_eval::EvalError;
use vigil_eval::replay::{
    Discipline, FateKind, QueueSummary, ReplayOutcome, ReplayParams, VigilQueue, replay,
};
use vigil_metrics::{AlertLabel, DetectionPoint, SocParams, soc_metrics};

fn alerts(spec: &[(u16, u8, u8, bool)]) -> Vec<Alert> {
    spec.iter()
        .enumerate()
        .map(|(i, &(dt, host, ty, bad))| {
            let mut a = Alert::new(
                format!("a{i}"),
                chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(i64::from(dt) * 7),
                "t",
            );
            a.detector = Some(format!("T-{}", ty % 4));
            a.severity = [Severity::Low, Severity::Medium, Severity::High][usize::from(ty % 3)];
            a.entities.push(Entity::new(
                EntityKind::Host,
                format!("h{}", host % 3),
                EntityRole::Impacted,
            ));
            a.truth = Some(GroundTruth {
                malicious: bad,
                phase: bad.then(|| format!("p{}", ty % 2)),
                step: None,
            });
            a
        })
        .collect()
}

fn disciplines(suppress: f64, window: i64) -> [Discipline; 3] {
    [
        Discipline::Fifo,
        Discipline::Severity,
        Discipline::Vigil(VigilQueue {
            suppress_below: suppress,
            group_window_s: window,
            confirmed_window_s: window / 4,
            escalation_margin: 0.1,
        }),
    ]
}

/// A stream (as [`alerts`] builds it), a score per alert, and the replay's settings.
#[derive(Debug, Clone)]
struct Case {
    spec: Vec<(u16, u8, u8, bool)>,
    scores: Vec<f64>,
    analysts: usize,
    minutes: f64,
    suppress: f64,
    window: i64,
    drain: f64,
}

prop_compose! {
    fn case()(
        spec in prop::collection::vec((0u16..2000, 0u8..6, 0u8..12, any::<bool>()), 0..300),
        scores in prop::collection::vec(0.0f64..=1.0, 300),
        analysts in 1usize..4,
        minutes in 0.5f64..20.0,
        suppress in 0.0f64..0.5,
        window in 0i64..3600,
        drain in 0.0f64..5.0,
    ) -> Case {
        Case { spec, scores, analysts, minutes, suppress, window, drain }
    }
}

impl Case {
    /// The alerts, and their replay under each of [`disciplines`].
    fn replays(&self) -> Result<(Vec<Alert>, Vec<ReplayOutcome>), EvalError> {
        let a = alerts(&self.spec);
        let s = &self.scores[..a.len()];
        let outs = disciplines(self.suppress, self.window)
            .into_iter()
            .map(|d| {
                let cfg = ReplayParams::new(d)
                    .analysts(self.analysts)
                    .minutes_per_item(self.minutes)
                    .drain_hours(self.drain)
                    .check()?;
                replay(&cfg, &a, Some(s))
            })
            .collect::<Result<_, _>>()?;
        Ok((a, outs))
    }
}

proptest! {
    #[test]
    fn replay_conserves_alerts(c in case()) {
        let (a, outs) = c.replays().unwrap();
        for out in outs {
            let sum = QueueSummary::new(&a, &out);
            prop_assert_eq!(out.fates.len(), a.len());
            prop_assert_eq!(
                sum.reviewed + sum.suppressed_score + sum.joined_incident + sum.never_reviewed,
                sum.alerts
            );
            prop_assert!(sum.phases_detected <= sum.phases_total);
            // Nothing is reviewed before it arrives; verdicts follow reviews.
            for (al, f) in a.iter().zip(&out.fates) {
                if f.kind == FateKind::Reviewed {
                    prop_assert!(f.at >= al.time.timestamp());
                    prop_assert!(f.triaged > f.at && f.resolved >= f.triaged);
                }
            }
            // An analyst reviews one item at a time.
            let mut spans: Vec<(u32, i64, i64, u32)> = out.fates.iter()
                .filter(|f| f.kind == FateKind::Reviewed)
                .map(|f| (f.analyst, f.at, f.triaged, f.item)).collect();
            spans.sort_unstable();
            spans.dedup();
            for w in spans.windows(2) {
                if w[0].0 == w[1].0 {
                    prop_assert!(w[1].1 >= w[0].2);
                }
            }
        }
    }

    /// `QueueSummary` derives its headline figures from the fates itself (it must also pool
    /// summaries, where no log is left); this keeps it in step with `vigil_metrics`, which
    /// derives them from the lifecycle log (detection at the verdict, as the summary counts
    /// it). The one difference by definition: the summary's miss rate counts alerts
    /// suppressed by score, `vigil_metrics`' every suppressed alert, joined incidents
    /// included, so the two miss rates agree only when no attack alert joined an incident.
    #[test]
    fn summary_agrees_with_vigil_metrics(c in case()) {
        let (a, outs) = c.replays().unwrap();
        // vigil_metrics refuses an empty stream; the summary of one is all zeros.
        prop_assume!(!a.is_empty());
        let labels: Vec<AlertLabel> = a.iter().map(AlertLabel::from_alert).collect();
        let params = SocParams::new().detection(DetectionPoint::Verdict);
        for out in outs {
            let sum = QueueSummary::new(&a, &out);
            let h = soc_metrics(&out.lifecycle(&a), &labels, &params).unwrap().headline();
            // Counts: alerts, reviewed, benign reviewed, phases, phases detected.
            prop_assert_eq!(
                [
                    sum.alerts, sum.reviewed, sum.benign_reviewed, sum.phases_total,
                    sum.phases_detected,
                ],
                [h.alerts, h.reviewed, h.benign_reviewed, h.phases_total, h.phases_detected]
            );
            prop_assert_eq!(sum.unaddressed_share, h.unaddressed_share);
            // Rates and times: precision, FPR, MTTD median and p90, MTTR median and p90.
            prop_assert_eq!(
                [
                    sum.precision, sum.fpr, sum.mttd_median_s, sum.mttd_p90_s, sum.mttr_median_s,
                    sum.mttr_p90_s,
                ],
                [
                    h.precision, h.false_positive_rate, h.mttd_median_s, h.mttd_p90_s,
                    h.mttr_median_s, h.mttr_p90_s,
                ]
            );
            let attack_joined = a.iter().zip(&out.fates).any(|(al, f)| {
                f.kind == FateKind::JoinedIncident && al.is_threat() == Some(true)
            });
            if !attack_joined {
                prop_assert_eq!(sum.miss_rate, h.miss_rate);
            }
        }
    }

    #[test]
    fn fifo_reviews_in_arrival_order(
        spec in prop::collection::vec((0u16..500, 0u8..6, 0u8..12, any::<bool>()), 1..200),
        minutes in 0.5f64..10.0,
    ) {
        let a = alerts(&spec);
        let cfg = ReplayParams::new(Discipline::Fifo).minutes_per_item(minutes)
            .minutes_per_escalation(0.0).check().unwrap();
        let out = replay(&cfg, &a, None).unwrap();
        let mut order: Vec<usize> = (0..a.len()).collect();
        order.sort_by_key(|&i| a[i].time);
        let mut last = i64::MIN;
        let mut seen_unreviewed = false;
        for i in order {
            let f = out.fates[i];
            if f.kind == FateKind::Reviewed {
                prop_assert!(!seen_unreviewed, "a later alert was reviewed before an earlier one");
                prop_assert!(f.at >= last);
                last = f.at;
            } else {
                seen_unreviewed = true;
            }
        }
    }

    #[test]
    fn replay_is_deterministic(
        spec in prop::collection::vec((0u16..500, 0u8..6, 0u8..12, any::<bool>()), 0..150),
        scores in prop::collection::vec(0.0f64..=1.0, 150),
    ) {
        let a = alerts(&spec);
        let s = &scores[..a.len()];
        for d in disciplines(0.2, 600) {
            let cfg = ReplayParams::new(d).check().unwrap();
            let x = replay(&cfg, &a, Some(s)).unwrap();
            let y = replay(&cfg, &a, Some(s)).unwrap();
            prop_assert_eq!(x, y);
        }
    }
}

#[test]
fn vigil_puts_the_attack_first_and_groups_a_flood() {
    // 200 benign alerts of one type on one host in 10 minutes, then one attack.
    let mut spec: Vec<(u16, u8, u8, bool)> = (0..200).map(|i| (i / 3, 0, 0, false)).collect();
    spec.push((90, 1, 1, true));
    let a = alerts(&spec);
    let mut s = vec![0.3; a.len()];
    s[200] = 0.9;
    let vig = ReplayParams::new(Discipline::Vigil(VigilQueue::default()))
        .check()
        .unwrap();
    let out = replay(&vig, &a, Some(&s)).unwrap();
    let sum = QueueSummary::new(&a, &out);
    assert_eq!(sum.phases_detected, 1);
    assert!(
        sum.items_reviewed <= 3,
        "the flood is one incident: {}",
        sum.items_reviewed
    );
    let fifo = ReplayParams::new(Discipline::Fifo).check().unwrap();
    let f = QueueSummary::new(&a, &replay(&fifo, &a, None).unwrap());
    assert_eq!(f.phases_detected, 0);
    assert!(f.unaddressed_share > 0.9);
}

#[test]
fn lifecycle_log_matches_fates() {
    let a = alerts(&[(0, 0, 0, false), (1, 0, 1, true), (2, 1, 2, false)]);
    let cfg = ReplayParams::new(Discipline::Vigil(VigilQueue {
        suppress_below: 0.5,
        ..VigilQueue::default()
    }))
    .check()
    .unwrap();
    let out = replay(&cfg, &a, Some(&[0.1, 0.9, 0.6])).unwrap();
    let log = out.lifecycle(&a);
    use vigil_core::LifecycleStage as S;
    assert!(log.first("a0", S::Suppressed).is_some());
    assert!(log.first("a1", S::Triaged).is_some());
    assert_eq!(log.first("a1", S::Surfaced), Some(a[1].time));
}

#[test]
fn bad_inputs_are_errors() {
    let a = alerts(&[(0, 0, 0, false)]);
    let vig = ReplayParams::new(Discipline::Vigil(VigilQueue::default()))
        .check()
        .unwrap();
    assert!(replay(&vig, &a, None).is_err());
    assert!(replay(&vig, &a, Some(&[f64::NAN])).is_err());
    assert!(replay(&vig, &a, Some(&[0.1, 0.2])).is_err());
}
