//! Every reader fed arbitrary bytes never panics and conserves its counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

mod common;

use proptest::prelude::*;
use vigil_io::{Format, ReadOptions, read};

/// Reads `bytes`; a header-level error is fine, a panic or a miscount is not.
fn check(format: Format, bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let Ok(mut records) = read(
        format,
        std::io::Cursor::new(bytes),
        "p",
        &ReadOptions::new(),
    ) else {
        return Ok(());
    };
    let mut n = 0u64;
    let mut ok = 0u64;
    for r in records.by_ref() {
        n += 1;
        if let Err(e) = &r {
            prop_assert!(
                e.record == n,
                "record numbers run 1, 2, …: {} at {}",
                e.record,
                n
            );
        } else {
            ok += 1;
        }
    }
    let s = records.stats();
    prop_assert!(s.is_conserved());
    prop_assert_eq!(s.read, n);
    prop_assert_eq!(s.accepted, ok);
    Ok(())
}

/// Bytes that look like the format often enough to reach the record paths.
fn csv_like(header: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        Just(String::new()),
        Just("-".to_owned()),
        Just("1642213952".to_owned()),
        Just("2024-06-13 09:45:56+00:00".to_owned()),
        Just("T1059;T1059.001".to_owned()),
        Just("TruePositive".to_owned()),
        Just("\"a,\"\"b\"".to_owned()),
        "[ -~]{0,12}",
    ];
    let line = prop::collection::vec(field, 0..48).prop_map(|f| f.join(","));
    (
        prop::collection::vec(line, 0..8),
        prop::collection::vec(any::<u8>(), 0..16),
    )
        .prop_map(move |(lines, noise)| {
            let mut b = header.as_bytes().to_vec();
            b.push(b'\n');
            b.extend(lines.join("\n").into_bytes());
            b.extend(noise);
            b
        })
}

fn json_like() -> impl Strategy<Value = Vec<u8>> {
    let tok = prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just("\n"),
        Just(" "),
        Just("\"class_uid\":2004"),
        Just("\"time\":1700000000"),
        Just("\"@timestamp\":\"2024-05-01T10:00:00Z\""),
        Just(
            "\"finding_info\":{\"title\":\"x\",\"attacks\":[{\"technique\":{\"uid\":\"T1059\"}}]}"
        ),
        Just("\"id\":\"a\",\"time\":\"2024-05-01T10:00:00Z\",\"title\":\"t\""),
        Just("\"\\\"}\""),
        Just("\\"),
        Just("1e999"),
        Just("null"),
    ];
    (
        prop::collection::vec(tok, 0..64),
        prop::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(t, noise)| {
            let mut b = t.concat().into_bytes();
            b.extend(noise);
            b
        })
}

const AIT: &str = "time,name,ip,host,short,time_label,event_label";
const GUIDE: &str = "id,orgid,incidentid,alertid,timestamp,detectorid,alerttitle,category,mitretechniques,incidentgrade,actiongrouped,actiongranular,entitytype,evidencerole,deviceid,sha256,ipaddress,url,accountsid,accountupn,accountobjectid,accountname,devicename,networkmessageid,emailclusterid,registrykey,registryvaluename,registryvaluedata,applicationid,applicationname,oauthapplicationid,threatfamily,filename,folderpath,resourceidname,resourcetype,roles,osfamily,osversion,antispamdirection,suspicionlevel,lastverdict,countrycode,state,city";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_bytes_any_format(bytes in prop::collection::vec(any::<u8>(), 0..2048), f in 0usize..5) {
        check(Format::ALL[f], bytes)?;
    }

    #[test]
    fn corrupt_gzip_any_format(bytes in prop::collection::vec(any::<u8>(), 0..512), f in 0usize..5) {
        let mut gz = vec![0x1f, 0x8b];
        gz.extend(bytes);
        let input = vigil_io::decompressing(std::io::Cursor::new(gz)).unwrap();
        if let Ok(mut records) = read(Format::ALL[f], input, "gz", &ReadOptions::new()) {
            let n = records.by_ref().count() as u64;
            prop_assert_eq!(records.stats().read, n);
            prop_assert!(records.stats().is_conserved());
        }
    }

    #[test]
    fn ait_ads_like_bytes(bytes in csv_like(AIT)) {
        check(Format::AitAds, bytes)?;
    }

    #[test]
    fn guide_like_bytes(bytes in csv_like(GUIDE)) {
        check(Format::Guide, bytes)?;
    }

    #[test]
    fn json_like_bytes(bytes in json_like(), f in 2usize..5) {
        check(Format::ALL[f], bytes)?;
    }
}
