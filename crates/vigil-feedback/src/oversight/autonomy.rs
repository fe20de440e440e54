//! Earned, measured, revocable autonomy per detector.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AuditLog, AuditTally};
use crate::FeedbackError;

/// When autonomy is granted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutonomyParams {
    /// Highest tolerated miss rate of auto-suppression.
    pub alpha: f64,
    /// Confidence of the one-sided upper bound that must stay under `alpha`.
    pub confidence: f64,
    /// Fewest audits before a grant (a grant needs evidence, not the absence of it).
    pub min_audits: u64,
}

impl Default for AutonomyParams {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            confidence: 0.95,
            min_audits: 30,
        }
    }
}

/// A grant or a revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutonomyAction {
    /// Auto-suppression allowed.
    Grant,
    /// Auto-suppression withdrawn.
    Revoke,
}

/// One entry of the autonomy log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutonomyEvent {
    /// Position in the log, from 0.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// The detector.
    pub detector: String,
    /// Grant or revoke.
    pub action: AutonomyAction,
    /// Why, in words.
    pub reason: String,
    /// Audits behind the decision.
    pub audited: u64,
    /// Misses among them.
    pub misses: u64,
    /// The upper bound of the miss rate at the decision.
    pub miss_upper: f64,
}

/// Grants auto-suppression per detector only while the one-sided Clopper–Pearson upper bound
/// of its audited miss rate is under `alpha`; revokes when the bound reaches `alpha` or drift
/// fires. A revocation by drift clears that detector's audits: the grant must be earned again
/// on evidence gathered after the change. Every decision is appended to the log.
///
/// ```
/// use vigil_feedback::oversight::{AutonomyParams, AutonomyPolicy, MemoryAuditLog};
/// let t = chrono::DateTime::UNIX_EPOCH;
/// let mut p = AutonomyPolicy::new(AutonomyParams::default(), MemoryAuditLog::default());
/// for _ in 0..60 { p.record_audit("ids", false); }
/// p.review("ids", t).unwrap();
/// assert!(p.may_suppress("ids"));
/// p.on_drift(Some("ids"), t, "ADWIN fired on the error stream").unwrap();
/// assert!(!p.may_suppress("ids"));
/// ```
#[derive(Debug)]
pub struct AutonomyPolicy<L: AuditLog> {
    params: AutonomyParams,
    tallies: BTreeMap<String, AuditTally>,
    granted: BTreeMap<String, bool>,
    log: L,
    /// The next entry's sequence number; `None` while the log cannot tell it (each decision
    /// asks the log again and is refused until it can).
    seq: Option<u64>,
}

impl<L: AuditLog> AutonomyPolicy<L> {
    /// A policy writing decisions to `log`, after checking that every entry already in it
    /// reads back. Sequence numbers continue after the log's entries.
    ///
    /// Errors: the log cannot be read, or an entry is damaged
    /// ([`FeedbackError::AuditLogEntry`] names its line for a [`super::JsonlAuditLog`]).
    ///
    /// ```
    /// use vigil_feedback::oversight::{AutonomyParams, AutonomyPolicy, MemoryAuditLog};
    /// let p = AutonomyPolicy::open(AutonomyParams::default(), MemoryAuditLog::default())?;
    /// assert!(p.granted().is_empty());
    /// # Ok::<(), vigil_feedback::FeedbackError>(())
    /// ```
    pub fn open(params: AutonomyParams, log: L) -> Result<Self, FeedbackError> {
        let seq = super::log::next_after(&log.events()?)?;
        Ok(Self::with_seq(params, log, Some(seq)))
    }

    /// A policy writing decisions to `log`, even when entries in it are damaged. Sequence
    /// numbers continue past every number the log holds, damaged entries included
    /// ([`AuditLog::next_seq`]), so none is used twice. When the log cannot tell where
    /// numbering continues (it cannot be read at all), decisions are refused with the log's
    /// error until it can: a decision that cannot be logged is not taken.
    ///
    /// Use [`AutonomyPolicy::open`] to be told about a damaged log instead.
    pub fn new(params: AutonomyParams, log: L) -> Self {
        let seq = log.next_seq().ok();
        Self::with_seq(params, log, seq)
    }

    fn with_seq(params: AutonomyParams, log: L, seq: Option<u64>) -> Self {
        Self {
            params,
            tallies: BTreeMap::new(),
            granted: BTreeMap::new(),
            log,
            seq,
        }
    }

    /// Records the outcome of one audited suppressed alert of `detector`.
    pub fn record_audit(&mut self, detector: &str, was_threat: bool) {
        self.tallies
            .entry(detector.to_string())
            .or_default()
            .record(was_threat);
    }

    /// Adds audit evidence gathered elsewhere — such as a pre-deployment audit of what the
    /// model suppresses on held-out labelled data — to a detector's tally.
    pub fn import_audits(&mut self, detector: &str, tally: AuditTally) {
        let t = self.tallies.entry(detector.to_string()).or_default();
        t.audited += tally.audited;
        t.misses += tally.misses;
    }

    /// The audits of a detector since its last drift revocation.
    pub fn tally(&self, detector: &str) -> AuditTally {
        self.tallies.get(detector).copied().unwrap_or_default()
    }

    /// True when `detector` currently holds auto-suppression.
    pub fn may_suppress(&self, detector: &str) -> bool {
        self.granted.get(detector).copied().unwrap_or(false)
    }

    /// Detectors currently granted, by name.
    pub fn granted(&self) -> Vec<String> {
        self.granted
            .iter()
            .filter(|(_, g)| **g)
            .map(|(d, _)| d.clone())
            .collect()
    }

    /// The log.
    pub fn log(&self) -> &L {
        &self.log
    }

    fn write(
        &mut self,
        detector: &str,
        action: AutonomyAction,
        reason: String,
        at: DateTime<Utc>,
    ) -> Result<AutonomyEvent, FeedbackError> {
        let seq = match self.seq {
            Some(s) => s,
            None => self.log.next_seq()?,
        };
        let t = self.tally(detector);
        let e = AutonomyEvent {
            seq,
            at,
            detector: detector.to_string(),
            action,
            reason,
            audited: t.audited,
            misses: t.misses,
            miss_upper: t.upper(self.params.confidence),
        };
        // Log first: a decision that cannot be logged is not taken. A failed append may still
        // have reached the log, so the next number is asked of the log again.
        if let Err(err) = self.log.append(&e) {
            self.seq = None;
            return Err(err);
        }
        // `None` at the last number: the next decision gets the log's error.
        self.seq = seq.checked_add(1);
        self.granted
            .insert(detector.to_string(), action == AutonomyAction::Grant);
        Ok(e)
    }

    /// Re-examines one detector's audits; grants or revokes when the evidence says so.
    pub fn review(
        &mut self,
        detector: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<AutonomyEvent>, FeedbackError> {
        let t = self.tally(detector);
        let upper = t.upper(self.params.confidence);
        let granted = self.may_suppress(detector);
        let (a, c) = (self.params.alpha, self.params.confidence);
        if !granted && t.audited >= self.params.min_audits && upper < a {
            let reason = format!(
                "{} misses in {} audits: miss-rate upper bound {upper:.4} < alpha {a} at {c} confidence",
                t.misses, t.audited
            );
            return self
                .write(detector, AutonomyAction::Grant, reason, at)
                .map(Some);
        }
        if granted && upper >= a {
            let reason = format!(
                "{} misses in {} audits: miss-rate upper bound {upper:.4} >= alpha {a} at {c} confidence",
                t.misses, t.audited
            );
            return self
                .write(detector, AutonomyAction::Revoke, reason, at)
                .map(Some);
        }
        Ok(None)
    }

    /// Drift fired: revokes `detector` (or, with `None`, every granted detector), clears
    /// their audits, and logs why.
    pub fn on_drift(
        &mut self,
        detector: Option<&str>,
        at: DateTime<Utc>,
        why: &str,
    ) -> Result<Vec<AutonomyEvent>, FeedbackError> {
        let targets: Vec<String> = match detector {
            Some(d) => vec![d.to_string()],
            None => self.granted(),
        };
        let mut out = Vec::new();
        for d in targets {
            if self.may_suppress(&d) {
                out.push(self.write(&d, AutonomyAction::Revoke, format!("drift: {why}"), at)?);
            }
            self.tallies.remove(&d);
        }
        Ok(out)
    }
}
