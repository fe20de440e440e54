//! Elastic Common Schema alert documents → [`Alert`].

use serde_json::Value;
use vigil_core::{Alert, EntityKind, EntityRole, RecordError, Severity};

use super::value::{int_at, items_at, lookup, str_at, strings_at, text_at, time_of};
use super::{Ctx, Entities, push_technique};

pub(crate) fn to_alert(v: &Value, ctx: &Ctx<'_>) -> Result<Alert, RecordError> {
    let time = ["@timestamp", "kibana.alert.original_time", "event.created"]
        .iter()
        .filter_map(|k| lookup(v, k))
        .find_map(time_of)
        .ok_or_else(|| ctx.error(Some("@timestamp"), "expected an RFC 3339 time"))?;
    let title = str_at(v, "rule.name")
        .or_else(|| str_at(v, "kibana.alert.rule.name"))
        .or_else(|| str_at(v, "signal.rule.name"))
        .or_else(|| str_at(v, "message"))
        .or_else(|| str_at(v, "event.action"))
        .unwrap_or_default();
    let id = text_at(v, "kibana.alert.uuid")
        .or_else(|| text_at(v, "event.id"))
        .or_else(|| text_at(v, "_id"))
        .unwrap_or_else(|| ctx.fallback_id());
    let mut alert = Alert::new(id, time, title);
    let is_kibana = lookup(v, "kibana.alert").is_some() || lookup(v, "kibana.alert.uuid").is_some();
    alert.source = str_at(v, "observer.product")
        .or_else(|| str_at(v, "event.module"))
        .or_else(|| str_at(v, "observer.vendor"))
        .map(str::to_owned)
        .or_else(|| is_kibana.then(|| "Elastic Security".to_owned()));
    alert.detector = text_at(v, "rule.id")
        .or_else(|| text_at(v, "rule.uuid"))
        .or_else(|| text_at(v, "kibana.alert.rule.rule_id"))
        .or_else(|| text_at(v, "kibana.alert.rule.uuid"));
    alert.tenant = text_at(v, "organization.id")
        .or_else(|| text_at(v, "organization.name"))
        .or_else(|| text_at(v, "cloud.account.id"));
    alert.severity = severity(v);

    // Techniques: ECS `threat.*` (a value or an array) and Kibana's rule threat list.
    let mut tactic = strings_at(v, "threat.tactic.name").first().copied();
    for key in ["threat.technique.id", "threat.technique.subtechnique.id"] {
        for t in strings_at(v, key) {
            push_technique(&mut alert.techniques, t, key, ctx)?;
        }
    }
    for base in ["kibana.alert.rule.threat", "threat", "signal.rule.threat"] {
        for (i, th) in items_at(v, base).iter().enumerate() {
            tactic = tactic.or_else(|| str_at(th, "tactic.name"));
            for (j, te) in items_at(th, "technique").iter().enumerate() {
                if let Some(t) = str_at(te, "id") {
                    push_technique(
                        &mut alert.techniques,
                        t,
                        &format!("{base}[{i}].technique[{j}].id"),
                        ctx,
                    )?;
                }
                for (k, st) in items_at(te, "subtechnique").iter().enumerate() {
                    if let Some(t) = str_at(st, "id") {
                        push_technique(
                            &mut alert.techniques,
                            t,
                            &format!("{base}[{i}].technique[{j}].subtechnique[{k}].id"),
                            ctx,
                        )?;
                    }
                }
            }
        }
    }
    alert.category = tactic
        .or_else(|| strings_at(v, "event.category").first().copied())
        .map(str::to_owned);

    let mut ents = Entities::default();
    let mut add_all = |path: &str, kind: EntityKind, role: EntityRole| {
        for s in strings_at(v, path) {
            ents.add(kind, s, role);
        }
    };
    add_all("host.name", EntityKind::Host, EntityRole::Impacted);
    add_all("host.hostname", EntityKind::Host, EntityRole::Impacted);
    add_all("host.ip", EntityKind::Ip, EntityRole::Impacted);
    add_all("source.ip", EntityKind::Ip, EntityRole::Actor);
    add_all("destination.ip", EntityKind::Ip, EntityRole::Impacted);
    add_all("user.target.name", EntityKind::User, EntityRole::Impacted);
    add_all("user.name", EntityKind::User, EntityRole::Related);
    add_all("process.name", EntityKind::Process, EntityRole::Related);
    add_all("file.path", EntityKind::File, EntityRole::Related);
    add_all("file.hash.sha256", EntityKind::Hash, EntityRole::Related);
    add_all("url.full", EntityKind::Url, EntityRole::Related);
    add_all("dns.question.name", EntityKind::Domain, EntityRole::Related);
    add_all(
        "destination.domain",
        EntityKind::Domain,
        EntityRole::Impacted,
    );
    add_all("email.from.address", EntityKind::Mailbox, EntityRole::Actor);
    add_all(
        "email.to.address",
        EntityKind::Mailbox,
        EntityRole::Impacted,
    );
    alert.entities = ents.into_vec();
    Ok(alert)
}

/// Severity from a name (`kibana.alert.severity`, `kibana.alert.rule.severity`,
/// `signal.rule.severity`, `event.severity` as text), else from a number (`event.severity`,
/// then `kibana.alert.risk_score`) in Elastic's risk-score bands: 1–21 low, 22–47 medium,
/// 48–73 high, 74 and above critical.
fn severity(v: &Value) -> Severity {
    for key in [
        "kibana.alert.severity",
        "kibana.alert.rule.severity",
        "signal.rule.severity",
        "event.severity",
    ] {
        if let Some(s) = str_at(v, key) {
            let sev = Severity::from_name(s);
            if sev != Severity::Unknown {
                return sev;
            }
        }
    }
    for key in [
        "event.severity",
        "kibana.alert.risk_score",
        "signal.rule.risk_score",
    ] {
        if let Some(n) = int_at(v, key) {
            return match n {
                i64::MIN..=0 => Severity::Unknown,
                1..=21 => Severity::Low,
                22..=47 => Severity::Medium,
                48..=73 => Severity::High,
                _ => Severity::Critical,
            };
        }
    }
    Severity::Unknown
}
