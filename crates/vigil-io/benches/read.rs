//! Reader throughput on real AIT-ADS and GUIDE files, from compressed bytes in memory to
//! owned alerts (gunzip included). Run: `cargo bench -p vigil-io --bench read`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigil_io::{Format, ReadOptions, decompressing, read};

/// Reads every record of `bytes`; returns how many were accepted.
fn read_all(format: Format, bytes: &[u8], options: &ReadOptions) -> u64 {
    let input = decompressing(Cursor::new(bytes.to_vec())).unwrap();
    let mut records = read(format, input, "bench", options).unwrap();
    for r in records.by_ref() {
        black_box(r.ok());
    }
    records.stats().accepted
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("read");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for (format, file) in [
        (Format::AitAds, "ait-ads/fox_alerts.csv.gz"),
        (Format::Guide, "guide/guide_sample.csv"),
    ] {
        let Some(bytes) = vigil_io::datasets::find(file).and_then(|p| std::fs::read(p).ok()) else {
            println!("skipping: {file} not found under the datasets folder (set VIGIL_DATASETS)");
            continue;
        };
        for keep_raw in [true, false] {
            let options = ReadOptions::new().keep_raw(keep_raw).network("fox");
            let n = read_all(format, &bytes, &options);
            group.throughput(Throughput::Elements(n));
            let name = format!("{format}/{}", if keep_raw { "raw" } else { "no-raw" });
            group.bench_function(name, |b| b.iter(|| read_all(format, &bytes, &options)));
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
