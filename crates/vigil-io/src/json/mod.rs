//! The JSON readers: OCSF findings, ECS alerts and Vigil's own JSON Lines, over one splitter.
//!
//! **Layouts.** The splitter tells apart, from the bytes: one object per line (JSON Lines: a
//! line is a record whatever it holds, so a broken line costs that line only); whole
//! documents one after another, pretty-printed or not (a record ends where its brackets
//! balance); a top-level array (its elements are the records). Text that opens no object runs
//! to the end of its line and is rejected as one record. Records over 64 MiB are rejected.
//!
//! **Raw fields.** Every field, nested ones flattened to dotted paths in source order
//! (`finding_info.title`, `attacks.0.technique.uid`); nulls and empty containers left out.
//!
//! **OCSF** (class 2004 Detection Finding, or 2001 Security Finding; other classes are
//! rejected naming `class_uid`). The finding object is `finding_info` (1.1+) or `finding`
//! (1.0).
//!
//! | alert field | from |
//! |---|---|
//! | `time` | `time_dt`, else `time` (epoch ms; values under 10^11 taken as seconds), else the finding's created / first-seen time |
//! | `id` | finding `uid`, else `metadata.uid`, else `<source>:<record>` |
//! | `title` | finding `title`, else `message`, else `type_name` |
//! | `source` | `metadata.product.name`, else its `vendor_name` |
//! | `detector` | finding `analytic.uid` / `analytic.name`, else `metadata.event_code`, else the first finding `types` |
//! | `category` | the first attack's tactic name, else the first finding `types` |
//! | `tenant` | `metadata.tenant_uid`, else `cloud.account.uid` |
//! | `severity` | `severity_id` (1 info … 5 critical, 6 fatal → critical), else the `severity` name |
//! | `verdict` | `verdict_id` 1 → false positive, 2 → true positive, 5 (benign) → benign positive |
//! | `techniques` | `attacks[].technique.uid` and `sub_technique.uid`, top level and in the finding; an invalid id rejects the record naming e.g. `attacks[0].technique.uid` |
//! | entities | `device` (host, ip: impacted), `actor` (user, process: actor), `src_endpoint` (actor) / `dst_endpoint` (impacted), the same inside `evidences[]` plus their user, process, file, url and DNS query, `resources[]` (cloud resource, impacted), `observables[]` by `type_id` (related) |
//!
//! **ECS** (nested objects, Kibana's dotted keys, or a mix).
//!
//! | alert field | from |
//! |---|---|
//! | `time` | `@timestamp`, else `kibana.alert.original_time`, else `event.created` |
//! | `id` | `kibana.alert.uuid`, else `event.id`, else `_id`, else `<source>:<record>` |
//! | `title` | `rule.name`, else `kibana.alert.rule.name`, `signal.rule.name`, `message`, `event.action` |
//! | `source` | `observer.product`, else `event.module`, `observer.vendor`, else `Elastic Security` for Kibana alerts |
//! | `detector` | `rule.id`, else `rule.uuid`, `kibana.alert.rule.rule_id`, `kibana.alert.rule.uuid` |
//! | `tenant` | `organization.id`, else `organization.name`, `cloud.account.id` |
//! | `severity` | `kibana.alert.severity` (a name), `event.severity` (a name, or a number in Elastic's risk bands: 1–21 low, 22–47 medium, 48–73 high, ≥ 74 critical), `kibana.alert.risk_score` |
//! | `techniques` | `threat.technique.id`, `threat.technique.subtechnique.id`, and `kibana.alert.rule.threat[].technique[].id` / `subtechnique[].id` |
//! | `category` | `threat.tactic.name`, else the rule threat's tactic, else `event.category` |
//! | entities | `host.name`/`host.hostname`/`host.ip` (impacted), `source.ip` (actor), `destination.ip` (impacted), `user.target.name` (impacted), `user.name`, `process.name`, `file.path`, `file.hash.sha256`, `url.full`, `dns.question.name` (related), `destination.domain`, `email.from/to.address` |
//!
//! **Vigil** JSON Lines are [`Alert`]'s own serde form.

mod ecs;
mod ocsf;
mod scan;
mod value;

use std::io::Read;

use serde_json::Value;
use vigil_core::{Alert, Entity, EntityKind, EntityRole, RecordError, TechniqueId};

use crate::ReadOptions;
use crate::csv_util::At;
use scan::{Piece, Splitter};

/// How parsed JSON becomes an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mapping {
    /// OCSF 1.x Detection Finding (2004) or Security Finding (2001); see [`crate::json`].
    Ocsf,
    /// Elastic Common Schema alert documents.
    Ecs,
    /// Vigil's own serialised [`Alert`].
    Vigil,
}

/// Streaming JSON reader: JSON Lines, whole documents one after another, or a top-level array
/// of records, told apart from the bytes (see the splitter notes in the crate docs).
pub struct JsonReader<R: Read> {
    splitter: Splitter<R>,
    mapping: Mapping,
    source_name: String,
    keep_raw: bool,
    record: u64,
    done: bool,
}

impl<R: Read> std::fmt::Debug for JsonReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonReader")
            .field("source_name", &self.source_name)
            .field("mapping", &self.mapping)
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

impl<R: Read> JsonReader<R> {
    /// A reader of `input` mapping each record with `mapping`.
    pub fn new(input: R, source_name: &str, mapping: Mapping, options: &ReadOptions) -> Self {
        Self {
            splitter: Splitter::new(input),
            mapping,
            source_name: source_name.to_owned(),
            keep_raw: options.keep_raw,
            record: 0,
            done: false,
        }
    }
}

/// Where a JSON record sits, for its errors and its fallback id.
pub(crate) struct Ctx<'a> {
    pub(crate) at: At<'a>,
    pub(crate) keep_raw: bool,
}

impl Ctx<'_> {
    pub(crate) fn error(&self, field: Option<&str>, reason: impl Into<String>) -> RecordError {
        self.at.error(field, reason)
    }

    /// An id for a record whose source gave none: `<source name>:<record number>`.
    pub(crate) fn fallback_id(&self) -> String {
        format!("{}:{}", self.at.source_name, self.at.record)
    }
}

impl<R: Read> Iterator for JsonReader<R> {
    type Item = Result<Alert, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let piece = self.splitter.next_piece();
        let Some(piece) = piece else {
            self.done = true;
            return None;
        };
        self.record += 1;
        let (bytes, line) = match piece {
            Piece::Record { bytes, line } => (bytes, line),
            Piece::TooLarge { line } => {
                return Some(Err(RecordError {
                    source_name: self.source_name.clone(),
                    record: self.record,
                    line,
                    field: None,
                    reason: format!("record larger than {} bytes", scan::MAX_RECORD),
                }));
            }
            Piece::Io { line, error } => {
                self.done = true;
                return Some(Err(RecordError {
                    source_name: self.source_name.clone(),
                    record: self.record,
                    line,
                    field: None,
                    reason: format!("cannot read input: {error}"),
                }));
            }
        };
        let ctx = Ctx {
            at: At {
                source_name: &self.source_name,
                record: self.record,
                line,
            },
            keep_raw: self.keep_raw,
        };
        Some(parse(bytes, &ctx, self.mapping))
    }
}

fn syntax_error(e: &serde_json::Error, ctx: &Ctx<'_>) -> RecordError {
    let mut err = ctx.error(None, format!("invalid JSON: {e}"));
    err.line = ctx.at.line + (e.line() as u64).saturating_sub(1);
    err
}

fn parse(bytes: &[u8], ctx: &Ctx<'_>, mapping: Mapping) -> Result<Alert, RecordError> {
    let map: fn(&Value, &Ctx<'_>) -> Result<Alert, RecordError> = match mapping {
        Mapping::Ocsf => ocsf::to_alert,
        Mapping::Ecs => ecs::to_alert,
        Mapping::Vigil => return parse_vigil(bytes, ctx),
    };
    let v: Value = serde_json::from_slice(bytes).map_err(|e| syntax_error(&e, ctx))?;
    if !v.is_object() {
        return Err(ctx.error(
            None,
            format!("expected a JSON object, found {}", value::type_name(&v)),
        ));
    }
    let mut alert = map(&v, ctx)?;
    if ctx.keep_raw {
        alert.raw = value::flatten(&v);
    }
    Ok(alert)
}

/// A Vigil alert is its own serde form; without raw fields, its `raw` map is dropped.
fn parse_vigil(bytes: &[u8], ctx: &Ctx<'_>) -> Result<Alert, RecordError> {
    let mut alert = serde_json::from_slice::<Alert>(bytes).map_err(|e| {
        let mut err = syntax_error(&e, ctx);
        if e.is_data() {
            err.reason = format!("not a Vigil alert: {e}");
            err.field = field_in_message(&e.to_string());
        }
        err
    })?;
    if !ctx.keep_raw {
        alert.raw.clear();
    }
    Ok(alert)
}

/// The field serde names in messages such as "missing field `time`".
fn field_in_message(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let len = msg.get(start..)?.find('`')?;
    msg.get(start..start + len).map(str::to_owned)
}

/// Entities collected without duplicates (same kind and value: the first role wins).
#[derive(Default)]
pub(crate) struct Entities(Vec<Entity>);

impl Entities {
    pub(crate) fn add(&mut self, kind: EntityKind, value: &str, role: EntityRole) {
        let value = value.trim();
        if value.is_empty() || self.0.iter().any(|e| e.kind == kind && e.value == value) {
            return;
        }
        self.0.push(Entity::new(kind, value, role));
    }

    pub(crate) fn into_vec(self) -> Vec<Entity> {
        self.0
    }
}

/// Techniques without duplicates; an invalid id is an error naming its field.
pub(crate) fn push_technique(
    out: &mut Vec<TechniqueId>,
    id: &str,
    field: &str,
    ctx: &Ctx<'_>,
) -> Result<(), RecordError> {
    let t = TechniqueId::parse(id).map_err(|e| ctx.error(Some(field), e.to_string()))?;
    if !out.contains(&t) {
        out.push(t);
    }
    Ok(())
}
