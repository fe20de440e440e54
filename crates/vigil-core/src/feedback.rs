//! Feedback hooks: what the collaboration layer is told as alerts move through triage.
//!
//! Every method has a no-op default, so a hook implements only what it cares about; `Option`,
//! `Vec`, `Box`, `Arc` and pairs of hooks are hooks too, so a list configured at run time
//! composes (the `tracing-subscriber` layer pattern).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Alert, Score, Verdict};

/// An analyst's verdict on an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictEvent {
    /// The alert judged.
    pub alert_id: String,
    /// The grade.
    pub verdict: Verdict,
    /// Who gave it.
    pub analyst: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Detector that raised the alert, for per-detector oversight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector: Option<String>,
    /// Free-text reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Called as alerts are scored, routed and judged. All methods default to doing nothing.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use vigil_core::{FeedbackHook, VerdictEvent, Verdict};
/// #[derive(Default)]
/// struct Count(AtomicUsize);
/// impl FeedbackHook for Count {
///     fn on_verdict(&self, _e: &VerdictEvent) { self.0.fetch_add(1, Ordering::Relaxed); }
/// }
/// let hooks: Vec<Box<dyn FeedbackHook>> = vec![Box::new(Count::default()), Box::new(())];
/// let e = VerdictEvent { alert_id: "1".into(), verdict: Verdict::FalsePositive,
///     analyst: "ana".into(), at: chrono::DateTime::UNIX_EPOCH, detector: None, reason: None };
/// hooks.on_verdict(&e);
/// ```
pub trait FeedbackHook: Send + Sync {
    /// An alert was scored.
    fn on_scored(&self, _alert: &Alert, _score: &Score) {}
    /// An alert was suppressed without reaching an analyst.
    fn on_suppressed(&self, _alert: &Alert, _score: &Score) {}
    /// An alert was put in front of an analyst.
    fn on_surfaced(&self, _alert: &Alert, _score: &Score) {}
    /// An analyst gave a verdict.
    fn on_verdict(&self, _event: &VerdictEvent) {}
}

/// The hook that does nothing.
impl FeedbackHook for () {}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(&self, $($arg: $ty),*) { (**self).$method($($arg),*) })*
    };
}

macro_rules! each {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(&self, $($arg: $ty),*) { for h in self.iter() { h.$method($($arg),*) } })*
    };
}

impl<T: FeedbackHook + ?Sized> FeedbackHook for Box<T> {
    forward! {
        on_scored(alert: &Alert, score: &Score);
        on_suppressed(alert: &Alert, score: &Score);
        on_surfaced(alert: &Alert, score: &Score);
        on_verdict(event: &VerdictEvent);
    }
}

impl<T: FeedbackHook + ?Sized> FeedbackHook for Arc<T> {
    forward! {
        on_scored(alert: &Alert, score: &Score);
        on_suppressed(alert: &Alert, score: &Score);
        on_surfaced(alert: &Alert, score: &Score);
        on_verdict(event: &VerdictEvent);
    }
}

impl<T: FeedbackHook> FeedbackHook for Vec<T> {
    each! {
        on_scored(alert: &Alert, score: &Score);
        on_suppressed(alert: &Alert, score: &Score);
        on_surfaced(alert: &Alert, score: &Score);
        on_verdict(event: &VerdictEvent);
    }
}

impl<T: FeedbackHook> FeedbackHook for Option<T> {
    each! {
        on_scored(alert: &Alert, score: &Score);
        on_suppressed(alert: &Alert, score: &Score);
        on_surfaced(alert: &Alert, score: &Score);
        on_verdict(event: &VerdictEvent);
    }
}

impl<A: FeedbackHook, B: FeedbackHook> FeedbackHook for (A, B) {
    fn on_scored(&self, alert: &Alert, score: &Score) {
        self.0.on_scored(alert, score);
        self.1.on_scored(alert, score);
    }
    fn on_suppressed(&self, alert: &Alert, score: &Score) {
        self.0.on_suppressed(alert, score);
        self.1.on_suppressed(alert, score);
    }
    fn on_surfaced(&self, alert: &Alert, score: &Score) {
        self.0.on_surfaced(alert, score);
        self.1.on_surfaced(alert, score);
    }
    fn on_verdict(&self, event: &VerdictEvent) {
        self.0.on_verdict(event);
        self.1.on_verdict(event);
    }
}
