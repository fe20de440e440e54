//! Replay hyperparameters: the analyst pool and the queue discipline.

use serde::{Deserialize, Serialize};
use vigil_core::ParamGuard;

use crate::EvalError;

/// How the queue is ordered and what reaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Discipline {
    /// First in, first out: every alert is a queue item, oldest first.
    Fifo,
    /// The traditional SOC: most severe first, oldest first within a severity.
    Severity,
    /// Vigil: highest risk first, low-risk alerts suppressed, alerts grouped into incidents.
    Vigil(VigilQueue),
}

impl Discipline {
    /// Short name for tables and JSON keys (`fifo`, `severity`, `vigil`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Fifo => "fifo",
            Self::Severity => "severity",
            Self::Vigil(_) => "vigil",
        }
    }
}

/// Vigil's queue policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VigilQueue {
    /// Alerts scored below this are suppressed and never reach the queue (the threshold a
    /// conformal suppressor certified; 0 suppresses nothing).
    pub suppress_below: f64,
    /// Alerts sharing host and alert type collapse into one queue item while it waits; after
    /// an analyst reviewed it, further alerts of that host and type within this many seconds
    /// join the reviewed incident instead of queueing again (0 disables grouping).
    pub group_window_s: i64,
    /// The window that applies instead when the reviewed incident held a real attack: the
    /// analyst keeps watching an active attack, so its alerts queue again sooner.
    pub confirmed_window_s: i64,
    /// A later alert whose score exceeds the reviewed incident's by more than this re-opens
    /// it as a new queue item (escalation), even within the window. Default 1 (off): on the
    /// AIT-ADS rotations escalation re-queued flood alerts and slowed detection.
    pub escalation_margin: f64,
}

impl Default for VigilQueue {
    fn default() -> Self {
        Self {
            suppress_below: 0.0,
            group_window_s: 1200,
            confirmed_window_s: 0,
            escalation_margin: 1.0,
        }
    }
}

/// Hours analysts are on duty, in UTC. Round the clock by default, as a SOC staffs shifts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Duty {
    /// Hour of day (UTC) the working day starts, `0..24`.
    pub start_hour: u32,
    /// Hours on duty per day, `1..=24` (24 = round the clock).
    pub hours: u32,
}

impl Default for Duty {
    fn default() -> Self {
        Self {
            start_hour: 0,
            hours: 24,
        }
    }
}

impl Duty {
    /// The earliest time at or after `t` (unix seconds) when an analyst is on duty.
    pub fn next_on_duty(&self, t: i64) -> i64 {
        if self.hours >= 24 {
            return t;
        }
        let day = t.div_euclid(86_400) * 86_400;
        let start = day + i64::from(self.start_hour) * 3600;
        let end = start + i64::from(self.hours) * 3600;
        // A shift may start the day before and run past midnight.
        let prev_end = end - 86_400;
        if t < prev_end || (start <= t && t < end) {
            t
        } else if t < start {
            start
        } else {
            start + 86_400
        }
    }
}

/// Checked replay parameters (build them with [`ReplayParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayConfig {
    pub(crate) analysts: usize,
    pub(crate) seconds_per_item: i64,
    pub(crate) seconds_per_escalation: i64,
    pub(crate) duty: Duty,
    pub(crate) drain_s: i64,
    pub(crate) discipline: Discipline,
    pub(crate) queue_sample_s: i64,
}

impl ReplayConfig {
    /// Number of analysts.
    pub fn analysts(&self) -> usize {
        self.analysts
    }
    /// Seconds an analyst spends on one queue item.
    pub fn seconds_per_item(&self) -> i64 {
        self.seconds_per_item
    }
    /// Seconds responders (not the analyst pool) spend on an item holding a real attack.
    pub fn seconds_per_escalation(&self) -> i64 {
        self.seconds_per_escalation
    }
    /// Duty hours.
    pub fn duty(&self) -> Duty {
        self.duty
    }
    /// The queue discipline.
    pub fn discipline(&self) -> &Discipline {
        &self.discipline
    }
}

/// Replay hyperparameters: a builder, checked into a [`ReplayConfig`].
///
/// ```
/// use vigil_core::ParamGuard;
/// use vigil_eval::replay::{Discipline, ReplayParams};
/// let cfg = ReplayParams::new(Discipline::Fifo).analysts(2).minutes_per_item(3.0).check().unwrap();
/// assert_eq!(cfg.seconds_per_item(), 180);
/// assert!(ReplayParams::new(Discipline::Fifo).analysts(0).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayParams {
    analysts: usize,
    minutes_per_item: f64,
    minutes_per_escalation: f64,
    duty: Duty,
    drain_hours: f64,
    discipline: Discipline,
    queue_sample_minutes: f64,
}

impl ReplayParams {
    /// One analyst, 3 minutes per item, 30 minutes per escalation, round the clock, no drain
    /// after the last alert, queue length sampled every 10 minutes.
    pub fn new(discipline: Discipline) -> Self {
        Self {
            analysts: 1,
            minutes_per_item: 3.0,
            minutes_per_escalation: 30.0,
            duty: Duty::default(),
            drain_hours: 0.0,
            discipline,
            queue_sample_minutes: 10.0,
        }
    }
    /// Number of analysts (≥ 1).
    pub fn analysts(mut self, n: usize) -> Self {
        self.analysts = n;
        self
    }
    /// Minutes one queue item takes (> 0).
    pub fn minutes_per_item(mut self, m: f64) -> Self {
        self.minutes_per_item = m;
        self
    }
    /// Minutes responders take to contain an item holding a real attack (≥ 0); the analyst
    /// who escalated it goes back to the queue meanwhile.
    pub fn minutes_per_escalation(mut self, m: f64) -> Self {
        self.minutes_per_escalation = m;
        self
    }
    /// Duty hours.
    pub fn duty(mut self, d: Duty) -> Self {
        self.duty = d;
        self
    }
    /// Hours the analysts keep working the queue after the last alert (≥ 0).
    pub fn drain_hours(mut self, h: f64) -> Self {
        self.drain_hours = h;
        self
    }
    /// Sampling step of the queue-length series, in minutes (> 0).
    pub fn queue_sample_minutes(mut self, m: f64) -> Self {
        self.queue_sample_minutes = m;
        self
    }
    /// The queue discipline.
    pub fn discipline(mut self, d: Discipline) -> Self {
        self.discipline = d;
        self
    }
}

fn minutes_to_s(name: &'static str, m: f64, allow_zero: bool) -> Result<i64, EvalError> {
    let ok = m.is_finite() && (m > 0.0 || (allow_zero && m == 0.0)) && m <= 1e6;
    if !ok {
        return Err(EvalError::InvalidParameter {
            name,
            reason: format!(
                "must be finite and {} (at most 1e6), got {m}",
                if allow_zero { ">= 0" } else { "> 0" }
            ),
        });
    }
    Ok((m * 60.0).round().max(if allow_zero { 0.0 } else { 1.0 }) as i64)
}

impl ParamGuard for ReplayParams {
    type Checked = ReplayConfig;
    type Error = EvalError;

    fn check_ref(&self) -> Result<&Self::Checked, Self::Error> {
        Err(EvalError::InvalidParameter {
            name: "check_ref",
            reason: "ReplayParams converts units; use check()".into(),
        })
    }

    fn check(self) -> Result<ReplayConfig, EvalError> {
        if self.analysts == 0 {
            return Err(EvalError::InvalidParameter {
                name: "analysts",
                reason: "need at least one analyst".into(),
            });
        }
        if self.duty.start_hour >= 24 || self.duty.hours == 0 || self.duty.hours > 24 {
            return Err(EvalError::InvalidParameter {
                name: "duty",
                reason: format!(
                    "start hour must be in 0..24 and hours in 1..=24, got {:?}",
                    self.duty
                ),
            });
        }
        if let Discipline::Vigil(v) = &self.discipline {
            if !(0.0..=1.0).contains(&v.suppress_below) {
                return Err(EvalError::InvalidParameter {
                    name: "suppress_below",
                    reason: format!("must be in [0, 1], got {}", v.suppress_below),
                });
            }
            if v.group_window_s < 0 || v.confirmed_window_s < 0 || !v.escalation_margin.is_finite()
            {
                return Err(EvalError::InvalidParameter {
                    name: "group_window_s",
                    reason: "window must be >= 0 and the margin finite".into(),
                });
            }
        }
        Ok(ReplayConfig {
            analysts: self.analysts,
            seconds_per_item: minutes_to_s("minutes_per_item", self.minutes_per_item, false)?,
            seconds_per_escalation: minutes_to_s(
                "minutes_per_escalation",
                self.minutes_per_escalation,
                true,
            )?,
            duty: self.duty,
            drain_s: minutes_to_s("drain_hours", self.drain_hours * 60.0, true)?,
            discipline: self.discipline,
            queue_sample_s: minutes_to_s("queue_sample_minutes", self.queue_sample_minutes, false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duty_windows() {
        let d = Duty {
            start_hour: 8,
            hours: 8,
        };
        assert_eq!(d.next_on_duty(9 * 3600), 9 * 3600);
        assert_eq!(d.next_on_duty(3600), 8 * 3600);
        assert_eq!(d.next_on_duty(17 * 3600), 86_400 + 8 * 3600);
        let night = Duty {
            start_hour: 22,
            hours: 8,
        };
        assert_eq!(night.next_on_duty(86_400 + 3600), 86_400 + 3600);
        assert_eq!(night.next_on_duty(86_400 + 7 * 3600), 86_400 + 22 * 3600);
        assert_eq!(Duty::default().next_on_duty(12345), 12345);
    }
}
