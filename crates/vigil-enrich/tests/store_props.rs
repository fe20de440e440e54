//! Property tests: the indicator store agrees with naive references.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use vigil_enrich::EnrichError;
use vigil_enrich::intel::{IndicatorStore, IndicatorStoreBuilder, IpRange};

fn v4_range() -> impl Strategy<Value = (u32, u8)> {
    // Addresses clustered in a small space so ranges overlap and nest.
    (0u32..4096, 0u8..=32).prop_map(|(a, p)| (0x0A00_0000 | (a << 8) | (a & 0xff), p.max(12)))
}

fn v6_range() -> impl Strategy<Value = (u128, u8)> {
    (0u128..4096, 0u8..=128).prop_map(|(a, p)| ((0x2001_0db8u128 << 96) | (a << 80) | a, p.max(84)))
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![6 => "[ab]{1,2}", 1 => "[ab]{14,16}"]
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

/// The store finds for `ip` exactly the (range, source) pairs of `naive` that hold it.
fn ip_matches_naive(
    store: &IndicatorStore,
    naive: &[(IpRange, String)],
    ip: IpAddr,
) -> Result<(), TestCaseError> {
    let mut got = Vec::new();
    store.for_each_ip(ip, |m| {
        got.push((m.matched.to_string(), m.source.name.clone()))
    });
    let want: Vec<_> = naive
        .iter()
        .filter(|(r, _)| r.contains(ip))
        .map(|(r, s)| (r.to_string(), s.clone()))
        .collect();
    prop_assert_eq!(sorted(got), sorted(want), "address {}", ip);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn cidr_v4_matches_naive(ranges in prop::collection::vec(v4_range(), 1..60),
                             probes in prop::collection::vec(0u32..4096, 1..80),
                             extra in prop::collection::vec(any::<u32>(), 0..20)) {
        let mut b = IndicatorStoreBuilder::new(7);
        let mut naive = Vec::new();
        for (i, &(a, p)) in ranges.iter().enumerate() {
            let text = format!("{}/{}", Ipv4Addr::from(a), p);
            let r = IpRange::parse(&text).unwrap();
            let src = b.add_source(format!("s{i}"), i % 2 == 0);
            b.insert_range(src, r, i as u32);
            naive.push((r, format!("s{i}")));
        }
        let store = b.build();
        let addrs = probes.iter().map(|&x| 0x0A00_0000 | (x << 8) | (x.wrapping_mul(7) & 0xff))
            .chain(extra.iter().copied());
        for a in addrs {
            let ip = IpAddr::V4(Ipv4Addr::from(a));
            ip_matches_naive(&store, &naive, ip)?;
        }
    }

    #[test]
    fn cidr_v6_matches_naive(ranges in prop::collection::vec(v6_range(), 1..40),
                             probes in prop::collection::vec(0u128..4096, 1..60)) {
        let mut b = IndicatorStoreBuilder::new(9);
        let mut naive = Vec::new();
        for (i, &(a, p)) in ranges.iter().enumerate() {
            let text = format!("{}/{}", Ipv6Addr::from(a), p);
            let r = IpRange::parse(&text).unwrap();
            let src = b.add_source(format!("s{i}"), false);
            b.insert_range(src, r, 0);
            naive.push((r, format!("s{i}")));
        }
        let store = b.build();
        for x in probes {
            let ip = IpAddr::V6(Ipv6Addr::from((0x2001_0db8u128 << 96) | (x << 80) | (x * 3)));
            ip_matches_naive(&store, &naive, ip)?;
        }
    }

    /// Labels mostly short (so names collide and nest often), sometimes long (so keys both
    /// fit in the table slot and spill to the arena).
    #[test]
    fn domain_suffix_matches_naive(entries in prop::collection::vec(
                                       (prop::collection::vec(label(), 1..4), any::<bool>()), 1..40),
                                   queries in prop::collection::vec(prop::collection::vec(label(), 1..6), 1..60)) {
        let mut b = IndicatorStoreBuilder::new(11);
        let mut naive = Vec::new();
        for (i, (labels, subtree)) in entries.iter().enumerate() {
            let d = format!("{}.test", labels.join("."));
            let src = b.add_source(format!("s{i}"), false);
            b.insert_domain(src, &d, *subtree, 0).unwrap();
            naive.push((d, *subtree, format!("s{i}")));
        }
        let store = b.build();
        for labels in queries {
            let q = format!("{}.test", labels.join("."));
            let mut got = Vec::new();
            store.for_each_domain(&q, |m| got.push((m.matched.to_string(), m.source.name.clone())));
            let want: Vec<_> = naive.iter()
                .filter(|(d, sub, _)| q == *d || (*sub && q.ends_with(&format!(".{d}"))))
                .map(|(d, _, s)| (d.clone(), s.clone())).collect();
            prop_assert_eq!(sorted(got), sorted(want), "query {}", q);
        }
    }
}

#[test]
fn invalid_cidr_is_a_typed_error() {
    for bad in [
        "10.0.0.0/33",
        "10.0.0/8",
        "::/129",
        "1.2.3.4/x",
        "example.com/24",
        "",
    ] {
        match IpRange::parse(bad) {
            Err(EnrichError::InvalidCidr { text, .. }) => assert_eq!(text, bad),
            other => panic!("{bad}: expected InvalidCidr, got {other:?}"),
        }
    }
    assert_eq!(
        IpRange::parse("0.0.0.0/0").unwrap().to_string(),
        "0.0.0.0/0"
    );
    assert_eq!(IpRange::parse("::/0").unwrap().to_string(), "::/0");
}

#[test]
fn parent_domain_and_case() {
    let mut b = IndicatorStoreBuilder::default();
    let s = b.add_source("misp:x", true);
    b.insert_domain(s, "Example.COM.", true, 0).unwrap();
    b.insert_domain(s, "exact.org", false, 0).unwrap();
    let st = b.build();
    assert_eq!(st.matches("a.b.EXAMPLE.com").len(), 1);
    assert_eq!(st.matches("example.com").len(), 1);
    assert!(st.matches("notexample.com").is_empty());
    assert_eq!(st.matches("exact.org").len(), 1);
    assert!(st.matches("www.exact.org").is_empty());
    assert_eq!(st.matches("https://u@sub.example.com:8443/x").len(), 1);
    let mut b = IndicatorStoreBuilder::default();
    let s = b.add_source("long", false);
    let long = "a-rather-long-subdomain.of-a-long-registered-domain.example";
    b.insert_domain(s, long, true, 0).unwrap();
    let st = b.build();
    assert_eq!(
        st.matches(&format!("x.{long}"))[0].matched.to_string(),
        long
    );
    assert!(
        st.matches("a-rather-long-subdomain.of-a-long-registered-domain.exampl")
            .is_empty()
    );
}

#[test]
fn hashes_urls_and_mapped_v6() {
    let mut b = IndicatorStoreBuilder::default();
    let s = b.add_source("ti", false);
    b.insert_hash(s, "D41D8CD98F00B204E9800998ECF8427E", 3)
        .unwrap();
    b.insert_url(s, "http://evil.example/x", 0).unwrap();
    b.insert_range(s, IpRange::parse("192.0.2.0/24").unwrap(), 5);
    assert!(b.insert_hash(s, "xyz", 0).is_err());
    let st = b.build();
    assert_eq!(
        st.matches("d41d8cd98f00b204e9800998ecf8427e")[0].reputation,
        3
    );
    assert_eq!(st.matches("http://evil.example/x").len(), 1);
    assert_eq!(st.matches("::ffff:192.0.2.9")[0].reputation, 5);
    assert_eq!(st.counts().total(), 3);
}

#[test]
fn same_seed_same_store() {
    let build = |seed| {
        let mut b = IndicatorStoreBuilder::new(seed);
        let s = b.add_source("s", false);
        for i in 0..500u32 {
            b.insert_domain(s, &format!("h{i}.example{}.com", i % 7), i % 2 == 0, i)
                .unwrap();
            b.insert_range(
                s,
                IpRange::parse(&format!("10.{}.0.0/16", i % 256)).unwrap(),
                i,
            );
        }
        b.build()
    };
    let (a, b) = (build(3), build(3));
    assert!(a.domain_keys().eq(b.domain_keys()));
    assert!(a.ipv4_ranges().eq(b.ipv4_ranges()));
    assert_eq!(
        a.matches("x.h4.example4.com"),
        b.matches("x.h4.example4.com")
    );
}

/// One query of the batch proptest: an address near the listed ranges, a random address, a
/// name under the listed domains, a hash, a URL or an IPv6 address.
fn batch_query() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..4096).prop_map(|x| Ipv4Addr::from(0x0A00_0000 | (x << 8) | (x & 0xff)).to_string()),
        any::<u32>().prop_map(|a| Ipv4Addr::from(a).to_string()),
        prop::collection::vec(label(), 1..5).prop_map(|l| l.join(".")),
        prop::collection::vec(label(), 1..3).prop_map(|l| format!("{}.com", l.join("."))),
        "[0-9a-f]{32}",
        Just("http://a.b.com/x".to_owned()),
        Just("::ffff:10.0.1.1".to_owned()),
        Just(" com ".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A batched lookup reports exactly what the single lookups report, in the same order,
    /// whatever the batch size (more than one chunk included).
    #[test]
    fn batch_equals_single(ranges in prop::collection::vec(v4_range(), 0..40),
                           domains in prop::collection::vec(
                               (prop::collection::vec(label(), 1..4), any::<bool>()), 0..40),
                           queries in prop::collection::vec(batch_query(), 0..300)) {
        let mut b = IndicatorStoreBuilder::new(11);
        for (i, &(a, p)) in ranges.iter().enumerate() {
            let src = b.add_source(format!("r{}", i % 3), i % 2 == 0);
            let r = IpRange::parse(&format!("{}/{}", Ipv4Addr::from(a), p)).unwrap();
            b.insert_range(src, r, i as u32 % 5);
        }
        for (i, (labels, subtree)) in domains.iter().enumerate() {
            let src = b.add_source(format!("d{}", i % 4), false);
            let mut name = labels.join(".");
            if i % 2 == 0 {
                name.push_str(".com");
            }
            b.insert_domain(src, &name, *subtree, i as u32 % 3).unwrap();
        }
        let src = b.add_source("h", false);
        b.insert_hash(src, "0123456789abcdef0123456789abcdef", 1).unwrap();
        b.insert_url(src, "http://a.b.com/x", 2).unwrap();
        let store = b.build();
        let key = |m: vigil_enrich::intel::Match<'_>| {
            (m.matched.to_string(), m.source.name.clone(), m.reputation)
        };
        let mut want = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            store.for_each_match(q, |m| want.push((i, key(m))));
        }
        let mut got = Vec::new();
        store.for_each_batch(&queries, |i, m| got.push((i, key(m))));
        prop_assert_eq!(&got, &want);
        // Typed queries agree with the typed single lookups.
        use vigil_enrich::intel::QueryKind;
        let typed: Vec<(QueryKind, &str)> = queries.iter().enumerate().map(|(i, q)| {
            let k = [QueryKind::Ip, QueryKind::Domain, QueryKind::Any][i % 3];
            (k, q.as_str())
        }).collect();
        let mut want = Vec::new();
        for (i, &(k, q)) in typed.iter().enumerate() {
            let mut push = |m| want.push((i, key(m)));
            match k {
                QueryKind::Ip => {
                    if let Ok(ip) = q.trim().parse::<IpAddr>() {
                        store.for_each_ip(ip, &mut push);
                    }
                }
                QueryKind::Domain => store.for_each_domain(q, &mut push),
                _ => store.for_each_match(q, &mut push),
            }
        }
        let mut got = Vec::new();
        store.for_each_batch_typed(&typed, |i, m| got.push((i, key(m))));
        prop_assert_eq!(got, want);
    }
}

/// The threat-intel enricher's batch path gives each alert the items `enrich` gives it.
#[test]
fn enrich_batch_equals_enrich() {
    use std::sync::Arc;
    use vigil_core::{Alert, Enricher, Enrichment, Entity, EntityKind, EntityRole};
    use vigil_enrich::intel::ThreatIntelEnricher;
    let mut b = IndicatorStoreBuilder::new(3);
    let s = b.add_source("list", false);
    b.insert_range(s, IpRange::parse("10.0.0.0/8").unwrap(), 1);
    b.insert_range(s, IpRange::parse("10.1.2.3").unwrap(), 2);
    b.insert_domain(s, "example.com", true, 0).unwrap();
    b.insert_domain(s, "com", false, 0).unwrap();
    b.insert_hash(s, "0123456789abcdef0123456789abcdef", 0)
        .unwrap();
    b.insert_url(s, "http://x.example.com/a", 0).unwrap();
    let e = ThreatIntelEnricher::new(Arc::new(b.build()), chrono::DateTime::UNIX_EPOCH, None);
    let values = [
        (EntityKind::Ip, "10.1.2.3"),
        (EntityKind::Ip, " 10.9.9.9 "),
        (EntityKind::Ip, "not an ip"),
        (EntityKind::Ip, "::ffff:10.1.2.3"),
        (EntityKind::Domain, "A.Example.COM."),
        (EntityKind::Domain, "com"),
        (EntityKind::Host, "web.example.com"),
        (EntityKind::Host, "web"),
        (EntityKind::Url, "http://x.example.com/a"),
        (EntityKind::Hash, "0123456789ABCDEF0123456789ABCDEF"),
        (EntityKind::User, "example.com"),
    ];
    let alerts: Vec<Alert> = (0..70)
        .map(|i| {
            let mut a = Alert::new(format!("a{i}"), chrono::DateTime::UNIX_EPOCH, "t");
            for (k, v) in values.iter().skip(i % 5).step_by(1 + i % 3) {
                a.entities.push(Entity::new(*k, *v, EntityRole::Actor));
            }
            a
        })
        .collect();
    let mut batch = vec![Enrichment::default(); alerts.len()];
    e.enrich_batch(&alerts, &mut batch);
    let mut total = 0;
    for (a, got) in alerts.iter().zip(&batch) {
        let mut want = Enrichment::default();
        e.enrich(a, &mut want).unwrap();
        assert_eq!(got.items, want.items, "alert {}", a.id);
        total += want.items.len();
    }
    assert!(total > 100, "the fixture matches: {total} items");
}
