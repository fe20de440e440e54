//! Drift detectors: false alarms on stationary streams stay within their stated bounds, and
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! real changes are found.

use proptest::prelude::*;
use vigil_core::SplitMix64;
use vigil_feedback::drift::{Adwin, ChangeDetector, PageHinkley};

fn bernoulli(rng: &mut SplitMix64, p: f64) -> f64 {
    if rng.next_f64() < p { 1.0 } else { 0.0 }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// ADWIN: per-step false-alarm probability ≤ δ, so alarms / steps ≤ δ on a stationary
    /// stream (Bernoulli or uniform on an interval).
    #[test]
    fn adwin_false_alarm_rate_within_delta(
        p in 0.01f64..0.99, seed in any::<u64>(), delta in 0.001f64..0.05, uniform in any::<bool>()
    ) {
        let n = 3000;
        let mut d = Adwin::new(delta).unwrap();
        let mut rng = SplitMix64::new(seed);
        let mut alarms = 0u64;
        for _ in 0..n {
            let x = if uniform { p * rng.next_f64() } else { bernoulli(&mut rng, p) };
            alarms += u64::from(d.update(x));
        }
        prop_assert!(alarms as f64 / n as f64 <= delta, "{alarms} alarms in {n} steps, delta {delta}");
    }

    /// Page-Hinkley tuned for P(any false alarm within the horizon) ≤ δ.
    #[test]
    fn page_hinkley_no_false_alarm_on_stationary_stream(
        p in 0.01f64..0.9, seed in any::<u64>()
    ) {
        let n = 5000;
        let mut d = PageHinkley::for_false_alarm_rate(0.1, n, 0.01).unwrap();
        let mut rng = SplitMix64::new(seed);
        let alarms: u64 = (0..n).map(|_| u64::from(d.update(bernoulli(&mut rng, p)))).sum();
        prop_assert_eq!(alarms, 0);
    }
}

/// The bound over many streams: the share of stationary streams with any false alarm stays
/// under δ (Page-Hinkley) and the per-step rate under δ (ADWIN).
#[test]
fn false_alarm_rates_over_many_streams() {
    let (streams, n) = (200_u64, 2000_u64);
    let (mut ph_streams_alarmed, mut adwin_alarms) = (0u64, 0u64);
    for s in 0..streams {
        let mut rng = SplitMix64::new(s);
        let p = 0.05 + 0.9 * rng.next_f64();
        let mut ph = PageHinkley::for_false_alarm_rate(0.1, n, 0.05).unwrap();
        let mut ad = Adwin::new(0.01).unwrap();
        let mut any = false;
        for _ in 0..n {
            let x = bernoulli(&mut rng, p);
            any |= ph.update(x);
            adwin_alarms += u64::from(ad.update(x));
        }
        ph_streams_alarmed += u64::from(any);
    }
    assert!(ph_streams_alarmed as f64 / streams as f64 <= 0.05);
    assert!(adwin_alarms as f64 / (streams * n) as f64 <= 0.01);
    println!("PH streams alarmed {ph_streams_alarmed}/{streams}; ADWIN alarms {adwin_alarms}");
}

#[test]
fn both_detect_a_rise_in_error_rate() {
    let mut rng = SplitMix64::new(3);
    let mut ad = Adwin::new(0.002).unwrap();
    let mut ph = PageHinkley::for_false_alarm_rate(0.1, 10_000, 0.01).unwrap();
    let (mut ad_at, mut ph_at) = (None, None);
    for i in 0..6000 {
        let x = bernoulli(&mut rng, if i < 3000 { 0.05 } else { 0.35 });
        if ad.update(x) && ad_at.is_none() {
            ad_at = Some(i);
        }
        if ph.update(x) && ph_at.is_none() {
            ph_at = Some(i);
        }
    }
    let ad_at = ad_at.expect("ADWIN missed the change");
    let ph_at = ph_at.expect("Page-Hinkley missed the change");
    assert!((3000..3400).contains(&ad_at), "ADWIN at {ad_at}");
    assert!((3000..3400).contains(&ph_at), "PH at {ph_at}");
    // After the change ADWIN's window holds the new regime only.
    assert!((ad.mean() - 0.35).abs() < 0.1);
}
