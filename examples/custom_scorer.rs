//! Plug your own scorer into the SOC replay.
//!
//! A researcher's model only has to implement [`vigil::core::AlertScorer`]. Here a tiny
//! "first seen" scorer (an alert type a host has never raised before is interesting; a type
//! it raises all the time is not) is replayed on the generated demo enterprise against the
//! FIFO and severity-first queues, with the same analysts, in the same run.
//!
//! Run with `cargo run --release --example custom_scorer`.

#[cfg(feature = "eval")]
mod demo {
    use vigil::core::{Alert, AlertScorer, CoreError, EntityKind, ParamGuard, Score, SeededMap};
    use vigil::eval::EvalError;
    use vigil::eval::demo::{EnterpriseParams, generate};
    use vigil::eval::replay::{Discipline, QueueSummary, ReplayParams, VigilQueue, replay};
    use vigil::eval::vigil_scorer::scores_of;

    /// Scores an alert by how often its host has raised its type before, in this stream.
    struct FirstSeen;

    impl AlertScorer for FirstSeen {
        /// Alone, an alert is always a first.
        fn score(&self, alert: &Alert) -> Result<Score, CoreError> {
            let s = 0.5 + 0.5 * alert.severity.weight();
            Ok(Score::new(s, s))
        }

        /// Over a time-ordered stream: 1 / (1 + times seen), nudged by severity.
        fn score_batch(&self, alerts: &[Alert]) -> Vec<Result<Score, CoreError>> {
            // Host names come from the data: key the map with a seeded hasher.
            let mut seen: SeededMap<(String, String), u32> = SeededMap::default();
            alerts
                .iter()
                .map(|a| {
                    let host = a.first_entity(EntityKind::Host).unwrap_or("").to_owned();
                    let ty = a.detector.clone().unwrap_or_else(|| a.title.clone());
                    let n = seen.entry((host, ty)).or_insert(0);
                    *n += 1;
                    let s = 0.8 / f64::from(*n) + 0.2 * a.severity.weight();
                    Ok(Score::new(s, s))
                })
                .collect()
        }
    }

    pub fn main() -> Result<(), EvalError> {
        let ent = generate(&EnterpriseParams {
            seed: 7,
            ..EnterpriseParams::default()
        })?;
        let scores = scores_of(&FirstSeen, &ent.alerts)?;
        println!(
            "{} alerts; 2 analysts, 5 minutes per queue item\n",
            ent.alerts.len()
        );
        println!(
            "{:<10} {:>8} {:>12} {:>12}",
            "queue", "phases", "MTTD (min)", "unaddressed"
        );
        for d in [
            Discipline::Fifo,
            Discipline::Severity,
            Discipline::Vigil(VigilQueue::default()),
        ] {
            let name = d.name();
            let cfg = ReplayParams::new(d)
                .analysts(2)
                .minutes_per_item(5.0)
                .check()?;
            let s = QueueSummary::new(&ent.alerts, &replay(&cfg, &ent.alerts, Some(&scores))?);
            println!(
                "{:<10} {:>4}/{:<3} {:>12} {:>11.1}%",
                if name == "vigil" { "first-seen" } else { name },
                s.phases_detected,
                s.phases_total,
                s.mttd_median_s
                    .map_or("-".into(), |m| format!("{:.1}", m / 60.0)),
                100.0 * s.unaddressed_share
            );
        }
        Ok(())
    }
}

fn main() {
    #[cfg(feature = "eval")]
    if let Err(e) = demo::main() {
        eprintln!("custom_scorer: {e}");
        std::process::exit(1);
    }
    #[cfg(not(feature = "eval"))]
    eprintln!("custom_scorer needs the `eval` feature");
}
