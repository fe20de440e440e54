//! What the GUIDE features read from an alert: typed fields first, GUIDE's raw columns when
//! the reader kept them.

use vigil_core::{Alert, EntityRole, Verdict};

/// GUIDE's anonymised id columns. Each one's most frequent value in training marks "no such
/// id on this evidence row" (GUIDE writes a fixed number, such as `deviceid` 98799), so the
/// features record only whether a real id is present, never the id itself: ids are
/// organisation-specific and do not transfer.
pub const ID_COLUMNS: [&str; 24] = [
    "deviceid",
    "sha256",
    "ipaddress",
    "url",
    "accountsid",
    "accountupn",
    "accountobjectid",
    "accountname",
    "devicename",
    "networkmessageid",
    "emailclusterid",
    "registrykey",
    "registryvaluename",
    "registryvaluedata",
    "applicationid",
    "applicationname",
    "oauthapplicationid",
    "threatfamily",
    "filename",
    "folderpath",
    "resourceidname",
    "osfamily",
    "countrycode",
    "roles",
];

/// A raw column's value, or `""`.
pub(crate) fn raw<'a>(alert: &'a Alert, col: &str) -> &'a str {
    alert.raw.get(col).map_or("", |v| v.trim())
}

/// The evidence's entity type: GUIDE's `entitytype`, else the first entity's kind.
pub(crate) fn entity_type(alert: &Alert) -> String {
    let r = raw(alert, "entitytype");
    if !r.is_empty() {
        return r.to_owned();
    }
    alert
        .entities
        .first()
        .map_or_else(String::new, |e| e.kind.as_str().to_owned())
}

/// True when the evidence is the impacted entity (GUIDE `evidencerole`, else the first
/// entity's role).
pub(crate) fn impacted(alert: &Alert) -> bool {
    let r = raw(alert, "evidencerole");
    if !r.is_empty() {
        return r.eq_ignore_ascii_case("Impacted");
    }
    alert
        .entities
        .first()
        .is_some_and(|e| e.role == EntityRole::Impacted)
}

/// The techniques as one key, in the order given (`T1078;T1078.004`).
pub(crate) fn techniques(alert: &Alert) -> String {
    let v: Vec<&str> = alert.techniques.iter().map(|t| t.as_str()).collect();
    v.join(";")
}

/// The organisation.
pub(crate) fn org(alert: &Alert) -> &str {
    alert.tenant.as_deref().unwrap_or("")
}

/// Class index of the grade (TP 0, BP 1, FP 2), when graded.
pub(crate) fn label(alert: &Alert) -> Option<usize> {
    alert.verdict.map(Verdict::index)
}
