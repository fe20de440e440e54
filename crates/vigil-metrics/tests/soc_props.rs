//! SOC metrics against brute-force definitions on random lifecycle logs.

// Test helpers outside #[test] fns unwrap too; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use vigil_core::{LifecycleLog, LifecycleStage};
use vigil_metrics::*;

/// One random alert: arrival minute, threat?, attack index, and its fate.
#[derive(Debug, Clone)]
struct Sim {
    arrive: i64,
    threat: bool,
    attack: usize,
    /// 0 unaddressed, 1 suppressed, 2 reviewed, 3 reviewed and resolved
    fate: u8,
    wait: i64,
    handle: i64,
}

fn sims() -> impl Strategy<Value = Vec<Sim>> {
    prop::collection::vec(
        (
            0i64..500,
            any::<bool>(),
            0usize..4,
            0u8..4,
            0i64..300,
            1i64..60,
        )
            .prop_map(|(arrive, threat, attack, fate, wait, handle)| Sim {
                arrive,
                threat,
                attack,
                fate,
                wait,
                handle,
            }),
        1..60,
    )
}

fn t0() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + Duration::days(20_000)
}

fn build(sims: &[Sim]) -> (LifecycleLog, Vec<AlertLabel>) {
    let mut log = LifecycleLog::new();
    let mut labels = Vec::new();
    for (i, s) in sims.iter().enumerate() {
        let id = format!("a{i}");
        let at = t0() + Duration::minutes(s.arrive);
        log.record(&id, LifecycleStage::Created, at, None);
        match s.fate {
            1 => log.record(&id, LifecycleStage::Suppressed, at, Some("vigil")),
            2 | 3 => {
                let start = at + Duration::minutes(s.wait);
                log.record(&id, LifecycleStage::Surfaced, start, Some("ana"));
                log.record(
                    &id,
                    LifecycleStage::Triaged,
                    start + Duration::minutes(s.handle),
                    Some("ana"),
                );
                if s.fate == 3 {
                    log.record(
                        &id,
                        LifecycleStage::Resolved,
                        start + Duration::minutes(2 * s.handle),
                        Some("ana"),
                    );
                }
            }
            _ => {}
        }
        labels.push(AlertLabel::new(
            id,
            s.threat,
            s.threat.then(|| format!("phase-{}", s.attack)),
        ));
    }
    (log, labels)
}

proptest! {
    #[test]
    fn conservation_and_shares(s in sims()) {
        let (log, labels) = build(&s);
        let m = soc_metrics(&log, &labels, &SocParams::new().analyst_hours(8.0)).unwrap();
        prop_assert_eq!(m.alerts, m.reviewed + m.suppressed + m.unaddressed);
        prop_assert_eq!(m.alerts, m.threats + m.benign);
        prop_assert_eq!(m.reviewed, m.threats_reviewed + m.benign_reviewed);
        prop_assert_eq!(m.reviewed, s.iter().filter(|x| x.fate >= 2).count());
        prop_assert_eq!(m.unaddressed, s.iter().filter(|x| x.fate == 0).count());
        for v in [m.precision, m.false_positive_rate, m.threat_recall, m.miss_rate, Some(m.unaddressed_share)].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&v));
        }
        prop_assert_eq!(m.reviews_per_analyst_hour, Some(m.reviewed as f64 / 8.0));
        let busy: i64 = s.iter().filter(|x| x.fate >= 2).map(|x| x.handle).sum();
        prop_assert!((m.analyst_busy_hours - busy as f64 / 60.0).abs() < 1e-9);
        if busy > 0 {
            let per = m.reviews_per_busy_hour.unwrap();
            prop_assert!((per - m.reviewed as f64 / (busy as f64 / 60.0)).abs() < 1e-9);
        } else {
            prop_assert_eq!(m.reviews_per_busy_hour, None);
        }
    }

    #[test]
    fn mttd_and_mttr_match_definitions(s in sims(), verdict in any::<bool>()) {
        let (log, labels) = build(&s);
        let point = if verdict { DetectionPoint::Verdict } else { DetectionPoint::Review };
        let m = soc_metrics(&log, &labels, &SocParams::new().detection(point)).unwrap();
        let mut ttd = Vec::new();
        let mut ttr = Vec::new();
        let mut total = 0;
        for a in 0..4 {
            let members: Vec<&Sim> = s.iter().filter(|x| x.threat && x.attack == a).collect();
            if members.is_empty() {
                continue;
            }
            total += 1;
            let first = members.iter().map(|x| x.arrive).min().unwrap();
            // review start, or verdict (start + handle) with DetectionPoint::Verdict
            let reviews: Vec<i64> = members
                .iter()
                .filter(|x| x.fate >= 2)
                .map(|x| x.arrive + x.wait + if verdict { x.handle } else { 0 })
                .collect();
            if let Some(&det) = reviews.iter().min() {
                ttd.push(((det - first) * 60) as f64);
                let res = members
                    .iter()
                    .filter(|x| x.fate == 3)
                    .map(|x| x.arrive + x.wait + 2 * x.handle)
                    .filter(|&r| r >= det)
                    .min();
                if let Some(r) = res {
                    ttr.push(((r - det) * 60) as f64);
                }
            }
        }
        prop_assert_eq!(m.attacks_total, total);
        prop_assert_eq!(m.attacks_detected, ttd.len());
        prop_assert_eq!(m.mttd.map(|q| q.median), quantile(&ttd, 0.5).ok());
        prop_assert_eq!(m.mttd.map(|q| q.p90), quantile(&ttd, 0.9).ok());
        prop_assert_eq!(m.mttr.map(|q| q.median), quantile(&ttr, 0.5).ok());
        if let Some(q) = m.mttd {
            prop_assert!(q.min <= q.median && q.median <= q.p90 && q.p90 <= q.max);
        }
    }

    #[test]
    fn quantile_definitions(v in prop::collection::vec(-1e6f64..1e6, 1..50), q in 0.0f64..=1.0) {
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        // type 7: linear between order statistics at h = (n-1)q
        let h = (n - 1) as f64 * q;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        let expect = s[lo] + (h - lo as f64) * (s[hi] - s[lo]);
        let got = quantile(&v, q).unwrap();
        prop_assert!((got - expect).abs() <= 1e-9 * (1.0 + expect.abs()));
        prop_assert!(got >= s[0] && got <= s[n - 1]);
        // nearest rank: smallest x with at least q·n values <= x
        let nr = quantile_nearest_rank(&v, q).unwrap();
        let at_or_below = s.iter().filter(|&&x| x <= nr).count() as f64;
        prop_assert!(at_or_below >= q * n as f64 - 1e-9);
        let smaller = s.iter().filter(|&&x| x < nr).count() as f64;
        prop_assert!(q == 0.0 || smaller < q * n as f64 + 1e-9);
        // median <= p90
        prop_assert!(quantile(&v, 0.5).unwrap() <= quantile(&v, 0.9).unwrap());
    }

    #[test]
    fn queue_length_counts_waiting_alerts(s in sims(), probe in 0i64..900) {
        let (log, _) = build(&s);
        let q = queue_length(&log);
        let at = t0() + Duration::minutes(probe);
        let got = q.iter().take_while(|p| p.at <= at).last().map_or(0, |p| p.waiting);
        let expect = s
            .iter()
            .filter(|x| x.arrive <= probe)
            .filter(|x| match x.fate {
                1 => false,
                2 | 3 => x.arrive + x.wait > probe,
                _ => true,
            })
            .count();
        prop_assert_eq!(got, expect);
    }
}

#[test]
fn inconsistent_logs_are_typed_errors() {
    let t = t0();
    let mut log = LifecycleLog::new();
    log.record("a", LifecycleStage::Created, t, None);
    log.record("ghost", LifecycleStage::Created, t, None);
    let labels = [AlertLabel::new("a", true, None)];
    assert!(matches!(
        soc_metrics(&log, &labels, &SocParams::default()),
        Err(MetricsError::Lifecycle { alert_id, .. }) if alert_id == "ghost"
    ));
    let labels = [
        AlertLabel::new("a", true, None),
        AlertLabel::new("ghost", false, None),
        AlertLabel::new("b", false, None),
    ];
    assert!(matches!(
        soc_metrics(&log, &labels, &SocParams::default()),
        Err(MetricsError::Lifecycle { .. })
    ));
    assert!(matches!(
        soc_metrics(&log, &[], &SocParams::default()),
        Err(MetricsError::Empty { .. })
    ));
}
