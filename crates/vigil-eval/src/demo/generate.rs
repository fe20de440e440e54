//! The generated enterprise: hosts and users, benign alert traffic, and one intrusion.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::{Alert, Entity, EntityKind, EntityRole, GroundTruth, SplitMix64, TechniqueId};

use super::catalog::{DETECTORS, Detector, INTRUSION, Role, Target, detector};
use crate::EvalError;

/// Size and period of a generated enterprise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseParams {
    /// Seed: the same seed gives the same alerts, bit for bit.
    pub seed: u64,
    /// Workstations (one user each).
    pub workstations: usize,
    /// Servers.
    pub servers: usize,
    /// Days of alerts.
    pub days: u32,
    /// Start of the period (unix seconds, midnight UTC).
    pub start: i64,
    /// Multiplier on every benign rate.
    pub noise: f64,
}

impl Default for EnterpriseParams {
    fn default() -> Self {
        Self {
            seed: 1,
            workstations: 150,
            servers: 10,
            days: 3,
            start: 1_767_225_600, // 2026-01-01
            noise: 1.0,
        }
    }
}

#[derive(Debug, Clone)]
struct Host {
    name: String,
    role: Role,
    user: Option<String>,
}

/// Per-role multipliers turning a detector's per-host rate into this enterprise's volume:
/// gateways and mail see every user's traffic.
fn role_scale(role: Role, users: usize) -> f64 {
    match role {
        Role::Gateway => users as f64 / 4.0,
        Role::Mail => 1.0,
        _ => 1.0,
    }
}

fn poisson(rng: &mut SplitMix64, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        return (mean + mean.sqrt() * rng.normal()).round().max(0.0) as u64;
    }
    let l = (-mean).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.next_f64();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

/// A generated enterprise's alerts, sorted by time.
#[derive(Debug, Clone)]
pub struct Enterprise {
    /// Tenant name.
    pub name: String,
    /// Alerts, sorted by time.
    pub alerts: Vec<Alert>,
    /// Unix time the intrusion began.
    pub intrusion_start: i64,
}

const SYLLABLES: [&str; 12] = [
    "ka", "lo", "mi", "ra", "to", "ve", "su", "ne", "da", "po", "ri", "zu",
];

fn org_name(rng: &mut SplitMix64) -> String {
    (0..3)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

struct Builder<'a> {
    tenant: &'a str,
    alerts: Vec<Alert>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        d: &Detector,
        t: i64,
        host: &Host,
        attack: Option<&str>,
    ) -> Result<(), EvalError> {
        let time = DateTime::<Utc>::from_timestamp(t, 0).ok_or(EvalError::InvalidParameter {
            name: "start",
            reason: format!("time {t} out of range"),
        })?;
        let mut a = Alert::new(String::new(), time, d.title);
        a.tenant = Some(self.tenant.to_owned());
        a.source = Some(d.source.to_owned());
        a.detector = Some(d.code.to_owned());
        a.severity = d.severity;
        if let Some(tech) = d.technique {
            a.techniques.push(TechniqueId::parse(tech)?);
        }
        a.entities.push(Entity::new(
            EntityKind::Host,
            &host.name,
            EntityRole::Impacted,
        ));
        if let Some(u) = &host.user {
            a.entities
                .push(Entity::new(EntityKind::User, u, EntityRole::Related));
        }
        a.truth = Some(GroundTruth {
            malicious: attack.is_some(),
            phase: attack.map(str::to_owned),
            step: attack.and(d.technique).map(str::to_owned),
        });
        self.alerts.push(a);
        Ok(())
    }
}

/// Generates an enterprise: benign traffic over `days`, and the intrusion starting on the
/// second day at a random working hour.
pub fn generate(p: &EnterpriseParams) -> Result<Enterprise, EvalError> {
    if p.workstations < 2 || p.servers < 1 || p.days < 2 || !(p.noise.is_finite() && p.noise >= 0.0)
    {
        return Err(EvalError::InvalidParameter {
            name: "enterprise",
            reason: "need ≥ 2 workstations, ≥ 1 server, ≥ 2 days and a finite noise ≥ 0".into(),
        });
    }
    let mut rng = SplitMix64::new(p.seed ^ 0x656e_7465_7270_7269);
    let org = org_name(&mut rng);
    let mut hosts = Vec::new();
    for i in 0..p.workstations {
        hosts.push(Host {
            name: format!("{org}-ws{:03}", i + 1),
            role: Role::Workstation,
            user: Some(format!("{}.{}@{org}", org_name(&mut rng), i + 1)),
        });
    }
    for i in 0..p.servers {
        hosts.push(Host {
            name: format!("{org}-srv{:02}", i + 1),
            role: Role::Server,
            user: None,
        });
    }
    for (name, role) in [
        ("dc01", Role::DomainController),
        ("mx01", Role::Mail),
        ("gw01", Role::Gateway),
        ("gw02", Role::Gateway),
    ] {
        hosts.push(Host {
            name: format!("{org}-{name}"),
            role,
            user: None,
        });
    }
    let mut b = Builder {
        tenant: &org,
        alerts: Vec::new(),
    };
    let span = i64::from(p.days) * 86_400;
    // Benign traffic.
    for d in DETECTORS {
        for h in hosts.iter().filter(|h| d.roles.contains(&h.role)) {
            let mean =
                d.benign_rate * role_scale(h.role, p.workstations) * f64::from(p.days) * p.noise
                    / f64::from(d.burst.max(1));
            for _ in 0..poisson(&mut rng, mean) {
                let t0 = p.start + rng.below(span as u64) as i64;
                let n = if d.burst > 1 {
                    1 + poisson(&mut rng, f64::from(d.burst - 1))
                } else {
                    1
                };
                let mut t = t0;
                for _ in 0..n {
                    b.push(d, t.min(p.start + span - 1), h, None)?;
                    t += 1 + rng.below(30) as i64;
                }
            }
        }
    }
    // The intrusion: day 2, between 08:00 and 16:00.
    let pick = |rng: &mut SplitMix64, role: Role| -> Option<Host> {
        let c: Vec<&Host> = hosts.iter().filter(|h| h.role == role).collect();
        c.get(rng.below(c.len() as u64) as usize)
            .map(|h| (*h).clone())
    };
    let victim = pick(&mut rng, Role::Workstation);
    let second = pick(&mut rng, Role::Workstation);
    let server = pick(&mut rng, Role::Server);
    let dc = pick(&mut rng, Role::DomainController);
    let mail = pick(&mut rng, Role::Mail);
    let gw = pick(&mut rng, Role::Gateway);
    let intrusion_start = p.start + 86_400 + 8 * 3600 + rng.below(8 * 3600) as i64;
    let mut t = intrusion_start as f64;
    for s in INTRUSION {
        t += s.after_min * 60.0 * (0.7 + 0.6 * rng.next_f64());
        let host = match s.target {
            Target::Victim => &victim,
            Target::Second => &second,
            Target::Server => &server,
            Target::Dc => &dc,
            Target::Mail => &mail,
            Target::Gateway => &gw,
        };
        let Some(host) = host else { continue };
        for &(code, n) in s.alerts {
            let Some(d) = detector(code) else { continue };
            for _ in 0..n {
                let at = t + rng.next_f64() * s.spread_min * 60.0;
                b.push(d, (at as i64).min(p.start + span - 1), host, Some(s.phase))?;
            }
        }
    }
    let mut alerts = b.alerts;
    alerts.sort_by_key(|a| a.time);
    for (i, a) in alerts.iter_mut().enumerate() {
        a.id = format!("{org}-{}", i + 1);
    }
    Ok(Enterprise {
        name: org,
        alerts,
        intrusion_start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_labelled() {
        let p = EnterpriseParams::default();
        let a = generate(&p).unwrap();
        let b = generate(&p).unwrap();
        assert_eq!(a.alerts, b.alerts);
        let attacks = a
            .alerts
            .iter()
            .filter(|x| x.is_threat() == Some(true))
            .count();
        assert!(attacks >= 20, "{attacks}");
        assert!(a.alerts.len() > 5000, "{}", a.alerts.len());
        let c = generate(&EnterpriseParams { seed: 2, ..p }).unwrap();
        assert_ne!(a.name, c.name);
        assert!(a.alerts.windows(2).all(|w| w[0].time <= w[1].time));
    }
}
