//! OCSF 1.x findings → [`Alert`].

use serde_json::Value;
use vigil_core::{Alert, EntityKind, EntityRole, RecordError, Severity, Verdict};

use super::value::{int_at, items_at, lookup, str_at, strings_at, text_at, time_of};
use super::{Ctx, Entities, push_technique};

/// Detection Finding.
const DETECTION_FINDING: i64 = 2004;
/// Security Finding (deprecated since OCSF 1.1 in favour of Detection Finding).
const SECURITY_FINDING: i64 = 2001;

pub(crate) fn to_alert(v: &Value, ctx: &Ctx<'_>) -> Result<Alert, RecordError> {
    let class = int_at(v, "class_uid");
    if !matches!(class, Some(DETECTION_FINDING | SECURITY_FINDING)) {
        let found = lookup(v, "class_uid").map_or_else(|| "nothing".to_owned(), Value::to_string);
        return Err(ctx.error(
            Some("class_uid"),
            format!("expected 2004 (Detection Finding) or 2001 (Security Finding), found {found}"),
        ));
    }
    // 1.1+ puts the finding in `finding_info`; Security Finding (1.0) in `finding`.
    let finding_key = if lookup(v, "finding_info").is_some() {
        "finding_info"
    } else {
        "finding"
    };
    let finding = lookup(v, finding_key).unwrap_or(&Value::Null);

    let time = ["time_dt", "time"]
        .iter()
        .filter_map(|k| lookup(v, k))
        .chain(
            [
                "created_time_dt",
                "created_time",
                "first_seen_time_dt",
                "first_seen_time",
            ]
            .iter()
            .filter_map(|k| lookup(finding, k)),
        )
        .find_map(time_of)
        .ok_or_else(|| {
            ctx.error(
                Some("time"),
                "expected time (epoch milliseconds) or time_dt (RFC 3339)",
            )
        })?;

    let title = str_at(finding, "title")
        .or_else(|| str_at(v, "message"))
        .or_else(|| str_at(v, "type_name"))
        .unwrap_or_default();
    let id = text_at(finding, "uid")
        .or_else(|| text_at(v, "metadata.uid"))
        .unwrap_or_else(|| ctx.fallback_id());
    let mut alert = Alert::new(id, time, title);
    alert.source = str_at(v, "metadata.product.name")
        .or_else(|| str_at(v, "metadata.product.vendor_name"))
        .map(str::to_owned);
    let types = strings_at(finding, "types");
    alert.detector = text_at(finding, "analytic.uid")
        .or_else(|| text_at(finding, "analytic.name"))
        .or_else(|| text_at(v, "metadata.event_code"))
        .or_else(|| types.first().map(|s| (*s).to_owned()));
    alert.tenant = text_at(v, "metadata.tenant_uid").or_else(|| text_at(v, "cloud.account.uid"));

    let severity = Severity::from_ocsf_id(int_at(v, "severity_id").unwrap_or(0));
    alert.severity = if severity == Severity::Unknown {
        str_at(v, "severity").map_or(Severity::Unknown, Severity::from_name)
    } else {
        severity
    };
    alert.verdict = match int_at(v, "verdict_id").or_else(|| int_at(finding, "verdict_id")) {
        Some(1) => Some(Verdict::FalsePositive),
        Some(2) => Some(Verdict::TruePositive),
        Some(5) => Some(Verdict::BenignPositive),
        _ => None,
    };

    // Attacks: top level (1.0, and deprecated later) and inside the finding (1.1+).
    let mut tactic = None;
    for (base, attacks) in [
        ("attacks", items_at(v, "attacks")),
        (
            if finding_key == "finding_info" {
                "finding_info.attacks"
            } else {
                "finding.attacks"
            },
            items_at(finding, "attacks"),
        ),
    ] {
        for (i, a) in attacks.iter().enumerate() {
            for key in ["technique.uid", "sub_technique.uid"] {
                if let Some(t) = str_at(a, key) {
                    let field = format!("{base}[{i}].{key}");
                    push_technique(&mut alert.techniques, t, &field, ctx)?;
                }
            }
            tactic = tactic.or_else(|| str_at(a, "tactic.name")).or_else(|| {
                items_at(a, "tactics")
                    .iter()
                    .find_map(|t| str_at(t, "name"))
            });
        }
    }
    alert.category = tactic.or_else(|| types.first().copied()).map(str::to_owned);

    let mut ents = Entities::default();
    endpoint(&mut ents, lookup(v, "device"), EntityRole::Impacted);
    actor(&mut ents, lookup(v, "actor"));
    endpoint(&mut ents, lookup(v, "src_endpoint"), EntityRole::Actor);
    endpoint(&mut ents, lookup(v, "dst_endpoint"), EntityRole::Impacted);
    for e in items_at(v, "evidences") {
        endpoint(&mut ents, lookup(e, "src_endpoint"), EntityRole::Actor);
        endpoint(&mut ents, lookup(e, "dst_endpoint"), EntityRole::Impacted);
        endpoint(&mut ents, lookup(e, "device"), EntityRole::Impacted);
        actor(&mut ents, lookup(e, "actor"));
        if let Some(u) = str_at(e, "user.name").or_else(|| str_at(e, "user.uid")) {
            ents.add(EntityKind::User, u, EntityRole::Related);
        }
        if let Some(p) = str_at(e, "process.name") {
            ents.add(EntityKind::Process, p, EntityRole::Related);
        }
        if let Some(f) = str_at(e, "file.path").or_else(|| str_at(e, "file.name")) {
            ents.add(EntityKind::File, f, EntityRole::Related);
        }
        if let Some(u) = str_at(e, "url.url_string") {
            ents.add(EntityKind::Url, u, EntityRole::Related);
        }
        if let Some(d) = str_at(e, "query.hostname") {
            ents.add(EntityKind::Domain, d, EntityRole::Related);
        }
    }
    for r in items_at(v, "resources") {
        if let Some(x) = str_at(r, "uid").or_else(|| str_at(r, "name")) {
            ents.add(EntityKind::CloudResource, x, EntityRole::Impacted);
        }
    }
    for o in items_at(v, "observables") {
        let (Some(value), name) = (str_at(o, "value"), str_at(o, "name").unwrap_or_default())
        else {
            continue;
        };
        if let Some(kind) = observable_kind(int_at(o, "type_id").unwrap_or(0), name) {
            ents.add(kind, value, EntityRole::Related);
        }
    }
    alert.entities = ents.into_vec();
    Ok(alert)
}

/// A device or network endpoint: host name and IP.
fn endpoint(ents: &mut Entities, e: Option<&Value>, role: EntityRole) {
    let Some(e) = e else { return };
    if let Some(h) = str_at(e, "hostname").or_else(|| str_at(e, "name")) {
        ents.add(EntityKind::Host, h, role);
    }
    if let Some(ip) = str_at(e, "ip") {
        ents.add(EntityKind::Ip, ip, role);
    }
}

/// The actor: its user and process.
fn actor(ents: &mut Entities, a: Option<&Value>) {
    let Some(a) = a else { return };
    if let Some(u) = str_at(a, "user.name")
        .or_else(|| str_at(a, "user.email_addr"))
        .or_else(|| str_at(a, "user.uid"))
    {
        ents.add(EntityKind::User, u, EntityRole::Actor);
    }
    if let Some(p) = str_at(a, "process.name").or_else(|| str_at(a, "process.file.name")) {
        ents.add(EntityKind::Process, p, EntityRole::Actor);
    }
}

/// The entity kind of an OCSF observable, by `type_id`; for `0` (Unknown) and `99` (Other),
/// by a few common names (Falco writes `hostname`, `user.name`, `proc.name`). Observables
/// that are not entities (ports, countries, user agents, CVEs …) give `None`.
pub(crate) fn observable_kind(type_id: i64, name: &str) -> Option<EntityKind> {
    Some(match type_id {
        1 | 20 => EntityKind::Host,
        2 => EntityKind::Ip,
        4 | 19 | 21 => EntityKind::User,
        5 | 22 => EntityKind::Mailbox,
        6 | 23 => EntityKind::Url,
        7 | 24 => EntityKind::File,
        8 | 30 => EntityKind::Hash,
        9 | 25 => EntityKind::Process,
        10 => EntityKind::CloudResource,
        0 | 99 => {
            let n = name.to_ascii_lowercase();
            if n == "hostname" || n.ends_with("host.name") || n.ends_with(".hostname") {
                EntityKind::Host
            } else if n == "user.name" || n.ends_with(".user.name") || n == "username" {
                EntityKind::User
            } else if n == "proc.name" || n.ends_with("process.name") {
                EntityKind::Process
            } else if n == "ip" || n.ends_with(".ip") {
                EntityKind::Ip
            } else {
                return None;
            }
        }
        _ => return None,
    })
}
