//! Microsoft GUIDE CSV reader (Defender XDR evidence rows graded by customer analysts).
//!
//! Each row is one piece of evidence of one alert. Mapping:
//!
//! | alert field | from |
//! |---|---|
//! | `id` | `id` (unique per row; `alertid` repeats across evidence rows and stays in `raw`) |
//! | `time` | `timestamp` (`2024-06-13 09:45:56+00:00` or RFC 3339) |
//! | `tenant` | `orgid` |
//! | `source` | `Microsoft Defender XDR` |
//! | `detector`, `title`, `category`, `incident` | `detectorid`, `alerttitle`, `category`, `incidentid` |
//! | `techniques` | `mitretechniques` (`;`-separated); an invalid id rejects the row naming the field |
//! | `verdict` | `incidentgrade`; empty gives `None` and the row is still accepted |
//! | `severity` | the higher of `suspicionlevel` (Incriminated → High, Suspicious → Medium) and `lastverdict` (Malicious → High, Suspicious → Medium, NoThreatsFound → Low); neither → Unknown. GUIDE has no severity column: these are the closest signals the product set before the grade. |
//! | entities | one, from `entitytype` and `evidencerole` (see [`entity_kind`] and [`ID_COLUMNS`]) |
//! | `raw` | every column, in file order, names in lower case (the full data set writes `OrgId`, the sample `orgid`) |
//!
//! GUIDE's anonymised id columns hold a fixed number when the evidence has no such id (for
//! example `deviceid` 98799, `ipaddress` 360606, `accountupn` 673934): these are by far the
//! most frequent value of each column in the data set. Such ids are not entities; they stay
//! in `raw`. The entity value is `<column>:<id>` because ids of different columns are
//! numbered independently (`accountupn:15` and `accountname:15` are different things).

use std::io::Read;

use chrono::{DateTime, NaiveDateTime, Utc};
use vigil_core::{
    Alert, Entity, EntityKind, EntityRole, RecordError, Severity, TechniqueId, Verdict,
};

use crate::csv_util::{self, At, Rows};
use crate::{IoError, ReadOptions};

/// The product every GUIDE row comes from.
pub const GUIDE_SOURCE: &str = "Microsoft Defender XDR";

/// Columns the reader needs.
const REQUIRED: [&str; 11] = [
    "id",
    "orgid",
    "incidentid",
    "timestamp",
    "detectorid",
    "alerttitle",
    "category",
    "mitretechniques",
    "incidentgrade",
    "entitytype",
    "evidencerole",
];

/// The id columns an entity value may come from, with GUIDE's "no value" marker for each.
pub const ID_COLUMNS: [(&str, &str); 20] = [
    ("deviceid", "98799"),
    ("sha256", ""),
    ("ipaddress", "360606"),
    ("url", "160396"),
    ("accountsid", "441377"),
    ("accountupn", "673934"),
    ("accountobjectid", "425863"),
    ("accountname", "453297"),
    ("devicename", "153085"),
    ("networkmessageid", "529644"),
    ("emailclusterid", ""),
    ("registrykey", "1631"),
    ("registryvaluename", "635"),
    ("applicationid", "2251"),
    ("applicationname", "3421"),
    ("oauthapplicationid", "881"),
    ("threatfamily", ""),
    ("filename", "289573"),
    ("folderpath", "117668"),
    ("resourceidname", "3586"),
];

/// The entity kind of a GUIDE `entitytype`, and the id columns to take its value from, in
/// order of preference. Types without an id column of their own (`CloudLogonRequest`,
/// `CloudLogonSession`, `GenericEntity`, `SecurityGroup`, `Malware` without a family) give
/// no entity when none of their columns is set.
pub fn entity_kind(entity_type: &str) -> (EntityKind, &'static [&'static str]) {
    const USER: &[&str] = &["accountname", "accountupn", "accountsid", "accountobjectid"];
    const MAILBOX: &[&str] = &["accountupn", "accountname", "accountsid", "accountobjectid"];
    match entity_type {
        "User" => (EntityKind::User, USER),
        "Machine" => (EntityKind::Host, &["devicename", "deviceid"]),
        "Ip" => (EntityKind::Ip, &["ipaddress"]),
        "Process" => (EntityKind::Process, &["filename", "folderpath"]),
        "File" => (EntityKind::File, &["filename", "folderpath", "sha256"]),
        "Url" => (EntityKind::Url, &["url"]),
        "Mailbox" => (EntityKind::Mailbox, MAILBOX),
        "MailMessage" => (EntityKind::Mailbox, &["networkmessageid", "accountupn"]),
        "MailCluster" => (EntityKind::Mailbox, &["emailclusterid"]),
        "CloudApplication" => (
            EntityKind::CloudResource,
            &["applicationname", "applicationid"],
        ),
        "OAuthApplication" => (
            EntityKind::CloudResource,
            &["oauthapplicationid", "applicationname"],
        ),
        "AzureResource" | "BlobContainer" | "Blob" => {
            (EntityKind::CloudResource, &["resourceidname", "url"])
        }
        "RegistryKey" | "RegistryValue" => {
            (EntityKind::Other, &["registrykey", "registryvaluename"])
        }
        "Malware" => (EntityKind::Other, &["threatfamily"]),
        "CloudLogonRequest" | "CloudLogonSession" | "SecurityGroup" => (EntityKind::User, USER),
        _ => (EntityKind::Other, &[]),
    }
}

/// Streaming GUIDE reader: one `Result<Alert, RecordError>` per CSV row.
pub struct GuideReader<R: Read> {
    rows: Rows<R>,
    /// Index of each of [`REQUIRED`].
    cols: [usize; 11],
    /// Index (or none, when the file lacks it) of each of [`ID_COLUMNS`].
    id_cols: [Option<usize>; 20],
    roles: Option<usize>,
    suspicion: Option<usize>,
    last_verdict: Option<usize>,
}

impl<R: Read> std::fmt::Debug for GuideReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuideReader")
            .field("source_name", &self.rows.source_name)
            .field("record", &self.rows.record)
            .finish_non_exhaustive()
    }
}

impl<R: Read> GuideReader<R> {
    /// Reads the header of `input`; fails when a required column is missing.
    pub fn new(input: R, source_name: &str, options: &ReadOptions) -> Result<Self, IoError> {
        let mut csv = csv_util::reader(input);
        // The sample spells columns `orgid`, the full data set `OrgId`: raw keys are lower
        // case so features read the same names from both.
        let header: Vec<String> = csv_util::header(&mut csv, source_name)?
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let mut cols = [0usize; 11];
        for (slot, name) in cols.iter_mut().zip(REQUIRED) {
            *slot = csv_util::find(&header, name, &REQUIRED, source_name)?;
        }
        let opt = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
        let mut id_cols = [None; 20];
        for (slot, (name, _)) in id_cols.iter_mut().zip(ID_COLUMNS) {
            *slot = opt(name);
        }
        Ok(Self {
            roles: opt("roles"),
            suspicion: opt("suspicionlevel"),
            last_verdict: opt("lastverdict"),
            rows: Rows::new(csv, header, source_name, options.keep_raw),
            cols,
            id_cols,
        })
    }

    fn opt_text(&self, at: &At<'_>, col: Option<usize>, name: &str) -> Result<&str, RecordError> {
        match col {
            Some(i) => at.text(&self.rows.rec, i, name),
            None => Ok(""),
        }
    }

    fn alert(&self) -> Result<Alert, RecordError> {
        let at = self.rows.at()?;
        let rec = &self.rows.rec;
        let mut f = [""; 11];
        for ((slot, &i), name) in f.iter_mut().zip(&self.cols).zip(REQUIRED) {
            *slot = at.text(rec, i, name)?.trim();
        }
        let [
            id,
            org,
            incident,
            ts,
            detector,
            title,
            category,
            techniques,
            grade,
            etype,
            erole,
        ] = f;
        if id.is_empty() {
            return Err(at.error(Some("id"), "expected a row id, found an empty field"));
        }
        let time = parse_guide_time(ts).ok_or_else(|| {
            at.error(
                Some("timestamp"),
                format!("expected a date-time such as 2024-06-13 09:45:56+00:00, found {ts:?}"),
            )
        })?;
        let mut alert = Alert::new(id, time, title);
        alert.tenant = non_empty(org);
        alert.source = Some(GUIDE_SOURCE.to_owned());
        alert.detector = non_empty(detector);
        alert.category = non_empty(category);
        alert.incident = non_empty(incident);
        alert.techniques = TechniqueId::parse_list(techniques)
            .map_err(|e| at.error(Some("mitretechniques"), e.to_string()))?;
        alert.verdict = if grade.is_empty() {
            None
        } else {
            Some(Verdict::from_name(grade).ok_or_else(|| {
                at.error(
                    Some("incidentgrade"),
                    format!(
                        "expected TruePositive, BenignPositive, FalsePositive or empty, found {grade:?}"
                    ),
                )
            })?)
        };
        let suspicion = self.opt_text(&at, self.suspicion, "suspicionlevel")?;
        let last = self.opt_text(&at, self.last_verdict, "lastverdict")?;
        alert.severity = severity(suspicion, last);

        let role = match erole {
            "Impacted" => EntityRole::Impacted,
            _ => EntityRole::Related,
        };
        // An attacker role on the evidence overrides: that entity acted.
        let roles = self.opt_text(&at, self.roles, "roles")?;
        let role = if roles.eq_ignore_ascii_case("Attacker") {
            EntityRole::Actor
        } else {
            role
        };
        let (kind, columns) = entity_kind(etype);
        for &column in columns {
            let Some(pos) = ID_COLUMNS.iter().position(|(c, _)| *c == column) else {
                continue;
            };
            let (Some(Some(i)), Some((_, none))) = (self.id_cols.get(pos), ID_COLUMNS.get(pos))
            else {
                continue;
            };
            let v = at.text(rec, *i, column)?.trim();
            if !v.is_empty() && v != *none {
                alert
                    .entities
                    .push(Entity::new(kind, format!("{column}:{v}"), role));
                break;
            }
        }
        self.rows.fill_raw(&mut alert);
        Ok(alert)
    }
}

impl<R: Read> Iterator for GuideReader<R> {
    type Item = Result<Alert, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        let step = self.rows.advance()?;
        Some(step.and_then(|()| self.alert()))
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// The severity GUIDE implies (see the module docs).
fn severity(suspicion: &str, last_verdict: &str) -> Severity {
    let a = match suspicion {
        "Incriminated" => Severity::High,
        "Suspicious" => Severity::Medium,
        _ => Severity::Unknown,
    };
    let b = match last_verdict {
        "Malicious" => Severity::High,
        "Suspicious" => Severity::Medium,
        "NoThreatsFound" => Severity::Low,
        _ => Severity::Unknown,
    };
    a.max(b)
}

/// Parses GUIDE's `2024-06-13 09:45:56+00:00`, RFC 3339, or a naive time taken as UTC.
pub(crate) fn parse_guide_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_time_forms() {
        assert!(parse_guide_time("2024-06-13 09:45:56+00:00").is_some());
        assert!(parse_guide_time("2024-06-13T09:45:56.000Z").is_some());
        assert!(parse_guide_time("2024-06-13 09:45:56").is_some());
        assert!(parse_guide_time("yesterday").is_none());
    }

    #[test]
    fn severity_takes_the_higher() {
        assert_eq!(severity("Suspicious", "Malicious"), Severity::High);
        assert_eq!(severity("", "NoThreatsFound"), Severity::Low);
        assert_eq!(severity("", ""), Severity::Unknown);
    }
}
