//! GUIDE-shaped synthetic alerts with known grades, for tests, examples and property checks
//! that must run without the real data set.

use vigil_core::{Alert, SplitMix64, Verdict};

/// `n` alerts from 24 organisations and 6 detectors, a week of timestamps; the detector
/// decides the grade (detector `d`: TruePositive when `d % 3 == 0`, BenignPositive when 1,
/// FalsePositive when 2) except for 20% of alerts graded at random. Same `seed`, same alerts.
///
/// ```
/// let a = vigil_triage::features::guide::synthetic(100, 7);
/// assert_eq!(a.len(), 100);
/// assert!(a.iter().all(|x| x.verdict.is_some() && x.tenant.is_some()));
/// assert_eq!(a, vigil_triage::features::guide::synthetic(100, 7));
/// ```
pub fn synthetic(n: usize, seed: u64) -> Vec<Alert> {
    let mut rng = SplitMix64::new(seed);
    let t0 = chrono::DateTime::UNIX_EPOCH;
    (0..n)
        .map(|i| {
            let det = rng.below(6);
            let mut a = Alert::new(
                i.to_string(),
                t0 + chrono::Duration::seconds(rng.below(86_400 * 7) as i64),
                format!("title-{det}"),
            );
            a.tenant = Some(format!("org{}", rng.below(24)));
            a.detector = Some(format!("det-{det}"));
            a.category = Some(
                if det < 3 {
                    "InitialAccess"
                } else {
                    "Exfiltration"
                }
                .into(),
            );
            let noise = rng.next_f64() < 0.2;
            let grade = match (det % 3, noise) {
                (0, false) => Verdict::TruePositive,
                (1, false) => Verdict::BenignPositive,
                (2, false) => Verdict::FalsePositive,
                _ => Verdict::ALL
                    .get(rng.below(3) as usize)
                    .copied()
                    .unwrap_or(Verdict::FalsePositive),
            };
            a.verdict = Some(grade);
            a.raw.insert(
                "entitytype".into(),
                if det.is_multiple_of(2) { "User" } else { "Ip" }.into(),
            );
            a.raw.insert("evidencerole".into(), "Impacted".into());
            a
        })
        .collect()
}
