//! The discrete-event simulation: alerts arrive, analysts take queue items, time moves on.
//!
//! Every step is `O(log n)` (binary heaps for the queue and the analyst pool, hash maps for
//! open and recently reviewed incidents), so a million-alert network replays in about a
//! second.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::hash::BuildHasher;

use vigil_core::{Alert, SeededMap, SeededState, Severity};

use super::outcome::{AlertFate, FateKind, QueueSample, ReplayOutcome};
use super::params::{Discipline, ReplayConfig};
use crate::EvalError;

/// Seed of the hasher that turns host and alert type into a grouping key: fixed, so the
/// replay is the same on every run.
const GROUP_SEED: u64 = 0x7669_6769_6c2d_6576;

/// A queue item: one alert, or an incident of alerts sharing host and type.
#[derive(Debug)]
struct Item {
    members: Vec<u32>,
    priority: f64,
    /// Highest member score (priority without its tier).
    score: f64,
    key: u64,
    done: bool,
}

/// A heap entry; stale entries (the item was served or re-prioritised) are skipped on pop.
#[derive(Debug, PartialEq)]
struct Entry {
    priority: f64,
    seq: u64,
    item: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .total_cmp(&other.priority)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The review queue: highest priority first, first pushed first among equals (the push
/// sequence number breaks ties).
#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl Queue {
    /// Queues `item` at `priority`; an item re-queued at a new priority leaves a stale entry.
    fn push(&mut self, priority: f64, item: u32) {
        self.seq += 1;
        self.heap.push(Entry {
            priority,
            seq: self.seq,
            item,
        });
    }

    fn pop(&mut self) -> Option<Entry> {
        self.heap.pop()
    }
}

/// Queue rank of a severity for the severity-first discipline (Unknown ranks with Low).
fn severity_rank(s: Severity) -> f64 {
    match s {
        Severity::Critical => 5.0,
        Severity::High => 4.0,
        Severity::Medium => 3.0,
        Severity::Low | Severity::Unknown => 2.0,
        _ => 1.0,
    }
}

/// Replays `alerts` (any order; they are taken in time order, ties by position) under
/// `config`. `scores` (one per alert, in `[0, 1]`) are required by the Vigil discipline and
/// ignored by the others. An item holding an attack alert (by its ground truth or verdict) is
/// escalated: responders take it for the configured time while the analyst goes on.
pub fn replay(
    config: &ReplayConfig,
    alerts: &[Alert],
    scores: Option<&[f64]>,
) -> Result<ReplayOutcome, EvalError> {
    replay_masked(config, alerts, scores, None)
}

/// [`replay`] where only the alerts with `suppressible[i] == true` may be suppressed by score
/// (a scorer's guard for alerts it knows too little about); the others queue whatever their
/// score.
pub fn replay_masked(
    config: &ReplayConfig,
    alerts: &[Alert],
    scores: Option<&[f64]>,
    suppressible: Option<&[bool]>,
) -> Result<ReplayOutcome, EvalError> {
    let n = alerts.len();
    if let Some(m) = suppressible
        && m.len() != n
    {
        return Err(EvalError::LengthMismatch {
            what: "suppressible",
            expected: n,
            found: m.len(),
        });
    }
    if n > u32::MAX as usize {
        return Err(EvalError::InvalidParameter {
            name: "alerts",
            reason: format!("at most {} alerts per replay, got {n}", u32::MAX),
        });
    }
    let vigil = match &config.discipline {
        Discipline::Vigil(v) => {
            let s = scores.ok_or(EvalError::LengthMismatch {
                what: "scores (the Vigil discipline needs one per alert)",
                expected: n,
                found: 0,
            })?;
            if s.len() != n {
                return Err(EvalError::LengthMismatch {
                    what: "scores",
                    expected: n,
                    found: s.len(),
                });
            }
            if let Some((i, v)) = s
                .iter()
                .enumerate()
                .find(|(_, v)| !(0.0..=1.0).contains(*v))
            {
                return Err(EvalError::InvalidScore {
                    alert_id: alerts.get(i).map(|a| a.id.clone()).unwrap_or_default(),
                    value: *v,
                });
            }
            Some((v.clone(), s))
        }
        _ => None,
    };

    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| alerts.get(i as usize).map(|a| a.time.timestamp()));
    let time_of = |i: u32| alerts.get(i as usize).map_or(0, |a| a.time.timestamp());
    let attack_of = |i: u32| {
        alerts
            .get(i as usize)
            .and_then(Alert::is_threat)
            .unwrap_or(false)
    };
    let first = order.first().map_or(0, |&i| time_of(i));
    let last = order.last().map_or(0, |&i| time_of(i));
    let end = last.saturating_add(config.drain_s);

    let hasher = SeededState::with_seed(GROUP_SEED);
    let group_key = |a: &Alert| {
        hasher.hash_one((
            vigil_triage::features::alert_stream::alert_host(a),
            vigil_triage::features::alert_stream::alert_type(a),
        ))
    };

    let mut fates = vec![AlertFate::never(); n];
    let mut items: Vec<Item> = Vec::new();
    let mut queue = Queue::default();
    let mut open: SeededMap<u64, u32> = SeededMap::with_hasher(SeededState::with_seed(GROUP_SEED));
    let mut reviewed: SeededMap<u64, (i64, f64)> =
        SeededMap::with_hasher(SeededState::with_seed(GROUP_SEED));
    let mut analysts: BinaryHeap<Reverse<(i64, u32)>> = (0..config.analysts as u32)
        .map(|a| Reverse((first, a)))
        .collect();
    let mut queued_alerts: usize = 0;
    let mut queued_items: usize = 0;
    let mut samples: Vec<QueueSample> = Vec::new();
    let mut next_sample = first;
    let mut busy_s: i64 = 0;
    let mut items_reviewed: usize = 0;
    let mut clock = first;
    let mut next = 0usize;

    while let Some(&Reverse((free_at, analyst))) = analysts.peek() {
        let ready = config.duty.next_on_duty(free_at.max(clock));
        let arrival = order.get(next).copied();
        let take_arrival = match arrival {
            Some(i) => queued_items == 0 || time_of(i) <= ready,
            None => false,
        };
        let now = match (take_arrival, arrival) {
            (true, Some(i)) => time_of(i),
            _ => ready,
        };
        while next_sample <= now.min(end) {
            samples.push(QueueSample {
                at: next_sample,
                alerts: queued_alerts,
                items: queued_items,
            });
            next_sample += config.queue_sample_s;
        }
        if let (true, Some(i)) = (take_arrival, arrival) {
            next += 1;
            clock = now;
            let Some(alert) = alerts.get(i as usize) else {
                continue;
            };
            let (priority, raw, key) = match &vigil {
                None if matches!(config.discipline, Discipline::Severity) => {
                    (severity_rank(alert.severity), 0.0, None)
                }
                None => (0.0, 0.0, None),
                Some((v, s)) => {
                    let score = s.get(i as usize).copied().unwrap_or(0.0);
                    let may =
                        suppressible.is_none_or(|m| m.get(i as usize).copied().unwrap_or(true));
                    if may && score < v.suppress_below {
                        fates[i as usize] = AlertFate::suppressed(now, FateKind::SuppressedScore);
                        continue;
                    }
                    let key = (v.group_window_s > 0).then(|| group_key(alert));
                    let known = match key.and_then(|k| reviewed.get(&k)) {
                        Some(&(until, s_rev)) if score <= s_rev + v.escalation_margin => {
                            if now < until {
                                fates[i as usize] =
                                    AlertFate::suppressed(now, FateKind::JoinedIncident);
                                continue;
                            }
                            true
                        }
                        _ => false,
                    };
                    // New evidence first: more of an incident an analyst already reviewed,
                    // with nothing scoring higher since, waits behind every fresh item.
                    (if known { score } else { 1.0 + score }, score, key)
                }
            };
            queued_alerts += 1;
            if let Some(k) = key
                && let Some(&it) = open.get(&k)
                && let Some(item) = items.get_mut(it as usize)
            {
                item.members.push(i);
                item.score = item.score.max(raw);
                if priority > item.priority {
                    item.priority = priority;
                    queue.push(priority, it);
                }
                continue;
            }
            let it = items.len() as u32;
            items.push(Item {
                members: vec![i],
                priority,
                score: raw,
                key: key.unwrap_or(0),
                done: false,
            });
            if let Some(k) = key {
                open.insert(k, it);
            }
            queued_items += 1;
            queue.push(priority, it);
            continue;
        }
        // No arrival before the next analyst is ready: serve the queue.
        if queued_items == 0 || ready > end {
            break;
        }
        let Some(entry) = queue.pop() else { break };
        let Some(item) = items.get_mut(entry.item as usize) else {
            continue;
        };
        if item.done || entry.priority.total_cmp(&item.priority) != Ordering::Equal {
            continue;
        }
        item.done = true;
        analysts.pop();
        queued_items -= 1;
        queued_alerts -= item.members.len();
        let triaged = ready + config.seconds_per_item;
        let real = item.members.iter().any(|&m| attack_of(m));
        let resolved = if real {
            triaged + config.seconds_per_escalation
        } else {
            triaged
        };
        for &m in &item.members {
            if let Some(f) = fates.get_mut(m as usize) {
                *f = AlertFate::reviewed(ready, triaged, resolved, analyst, entry.item);
            }
        }
        if let Some((v, _)) = &vigil
            && v.group_window_s > 0
        {
            open.remove(&item.key);
            let window = if real {
                v.confirmed_window_s
            } else {
                v.group_window_s
            };
            reviewed.insert(item.key, (ready + window, item.score));
        }
        // Response is the incident responders' work: the analyst goes back to the queue.
        busy_s += triaged - ready;
        items_reviewed += 1;
        analysts.push(Reverse((triaged, analyst)));
    }
    while next_sample <= end {
        samples.push(QueueSample {
            at: next_sample,
            alerts: queued_alerts,
            items: queued_items,
        });
        next_sample += config.queue_sample_s;
    }
    Ok(ReplayOutcome {
        discipline: config.discipline.name(),
        fates,
        samples,
        busy_s,
        items_reviewed,
        span_s: end - first,
        analysts: config.analysts,
    })
}
