//! GUIDE reader: verdicts, techniques, entities, malformed rows, the real sample.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

mod common;

use vigil_core::{EntityKind, EntityRole, Severity, Verdict};
use vigil_io::{Format, ReadOptions, read_path};

const HEADER: &str = "id,orgid,incidentid,alertid,timestamp,detectorid,alerttitle,category,mitretechniques,incidentgrade,actiongrouped,actiongranular,entitytype,evidencerole,deviceid,sha256,ipaddress,url,accountsid,accountupn,accountobjectid,accountname,devicename,networkmessageid,emailclusterid,registrykey,registryvaluename,registryvaluedata,applicationid,applicationname,oauthapplicationid,threatfamily,filename,folderpath,resourceidname,resourcetype,roles,osfamily,osversion,antispamdirection,suspicionlevel,lastverdict,countrycode,state,city\n";

/// A row with GUIDE's "no value" ids everywhere, then the given overrides.
fn row(overrides: &[(&str, &str)]) -> String {
    let base = "1632087573757,252,241975,821579,2024-06-13 09:45:56+00:00,0,17,InitialAccess,T1078;T1078.004,FalsePositive,,,User,Impacted,98799,,360606,160396,441377,673934,425863,453297,153085,529644,,1631,635,860,2251,3421,881,,289573,117668,3586,,,5,66,,,,242,1445,10630";
    let names: Vec<&str> = HEADER.trim().split(',').collect();
    let mut vals: Vec<String> = base.split(',').map(str::to_owned).collect();
    for (k, v) in overrides {
        let i = names.iter().position(|n| n == k).unwrap();
        vals[i] = (*v).to_owned();
    }
    vals.join(",") + "\n"
}

#[test]
fn maps_a_user_row() {
    let text = format!("{HEADER}{}", row(&[("accountname", "684")]));
    let a = &common::ok_alerts(Format::Guide, &text)[0];
    assert_eq!(a.id, "1632087573757");
    assert_eq!(a.tenant.as_deref(), Some("252"));
    assert_eq!(a.incident.as_deref(), Some("241975"));
    assert_eq!(a.detector.as_deref(), Some("0"));
    assert_eq!(a.title, "17");
    assert_eq!(a.category.as_deref(), Some("InitialAccess"));
    assert_eq!(a.verdict, Some(Verdict::FalsePositive));
    let t: Vec<_> = a.techniques.iter().map(|t| t.as_str()).collect();
    assert_eq!(t, ["T1078", "T1078.004"]);
    assert_eq!(a.time.to_rfc3339(), "2024-06-13T09:45:56+00:00");
    assert_eq!(a.entities.len(), 1);
    assert_eq!(a.entities[0].kind, EntityKind::User);
    assert_eq!(a.entities[0].value, "accountname:684");
    assert_eq!(a.entities[0].role, EntityRole::Impacted);
    assert_eq!(a.raw.len(), 45);
    assert_eq!(a.raw.get("city").map(String::as_str), Some("10630"));
    assert_eq!(a.severity, Severity::Unknown);
}

#[test]
fn entity_kinds_roles_and_missing_ids() {
    let text = format!(
        "{HEADER}{}{}{}{}",
        row(&[
            ("entitytype", "Machine"),
            ("evidencerole", "Related"),
            ("devicename", "39")
        ]),
        row(&[
            ("entitytype", "Ip"),
            ("ipaddress", "26"),
            ("roles", "Attacker")
        ]),
        row(&[("entitytype", "CloudLogonSession")]),
        row(&[("entitytype", "MailMessage"), ("networkmessageid", "7275")]),
    );
    let a = common::ok_alerts(Format::Guide, &text);
    assert_eq!(a[0].entities[0].kind, EntityKind::Host);
    assert_eq!(a[0].entities[0].value, "devicename:39");
    assert_eq!(a[0].entities[0].role, EntityRole::Related);
    assert_eq!(a[1].entities[0].value, "ipaddress:26");
    assert_eq!(a[1].entities[0].role, EntityRole::Actor);
    // Only GUIDE's "no value" ids: no entity, the row still counts.
    assert!(a[2].entities.is_empty());
    assert_eq!(a[3].entities[0].kind, EntityKind::Mailbox);
}

#[test]
fn the_full_data_sets_spelling_reads_the_same() {
    // Microsoft's full GUIDE files: PascalCase columns, RFC 3339 times.
    let pascal = HEADER
        .replace("orgid", "OrgId")
        .replace("incidentgrade", "IncidentGrade")
        .replace("mitretechniques", "MitreTechniques");
    let r = row(&[("timestamp", "2024-06-13T09:45:56.000Z")]);
    let a = &common::ok_alerts(Format::Guide, &format!("{pascal}{r}"))[0];
    let mut b = common::ok_alerts(Format::Guide, &format!("{HEADER}{}", row(&[])))[0].clone();
    // Only the raw timestamp text differs.
    b.raw
        .insert("timestamp".into(), "2024-06-13T09:45:56.000Z".into());
    assert_eq!(a, &b);
    assert!(a.raw.contains_key("orgid"));
}

#[test]
fn empty_grade_is_accepted_without_verdict_and_severity_is_derived() {
    let text = format!(
        "{HEADER}{}",
        row(&[
            ("incidentgrade", ""),
            ("suspicionlevel", "Suspicious"),
            ("lastverdict", "Malicious")
        ])
    );
    let a = &common::ok_alerts(Format::Guide, &text)[0];
    assert_eq!(a.verdict, None);
    assert_eq!(a.severity, Severity::High);
}

#[test]
fn invalid_rows_name_their_field() {
    let text = format!(
        "{HEADER}{}{}{}{}",
        row(&[("mitretechniques", "T1078;TX99")]),
        row(&[("incidentgrade", "Maybe")]),
        row(&[("timestamp", "13/06/2024")]),
        row(&[]),
    );
    let (rs, stats) = common::read_bytes(Format::Guide, text.as_bytes(), &ReadOptions::new());
    assert_eq!((stats.read, stats.accepted, stats.rejected), (4, 1, 3));
    let fields: Vec<_> = rs
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.line, e.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        fields,
        [
            (2, "mitretechniques".to_owned()),
            (3, "incidentgrade".to_owned()),
            (4, "timestamp".to_owned())
        ]
    );
    assert!(rs[0].as_ref().unwrap_err().reason.contains("TX99"));
}

#[test]
fn real_sample_reads_all_rows() {
    let Some(path) = common::datasets("guide/guide_sample.csv") else {
        return;
    };
    let mut records = read_path(Format::Guide, &path).unwrap();
    let mut graded = [0u64; 3];
    let mut ungraded = 0;
    let mut with_entity = 0;
    for r in records.by_ref() {
        let a = r.unwrap_or_else(|e| panic!("{e}"));
        match a.verdict {
            Some(v) => graded[v.index()] += 1,
            None => ungraded += 1,
        }
        with_entity += usize::from(!a.entities.is_empty());
    }
    let s = records.stats();
    assert_eq!((s.read, s.accepted, s.rejected), (7_662, 7_662, 0));
    // TruePositive, BenignPositive, FalsePositive, empty: the sample's grade balance.
    assert_eq!(graded, [1_504, 3_555, 2_439]);
    assert_eq!(ungraded, 164);
    assert!(with_entity > 6_500, "{with_entity}");
}
