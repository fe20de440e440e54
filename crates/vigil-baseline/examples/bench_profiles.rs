//! Runs the per-entity workload of `vigil bench baseline` without the CLI:
//! `cargo run --release -p vigil-baseline --example bench_profiles -- ENTITIES EVENTS [BATCH]`
//! (BATCH > 1: `observe_batch` in batches of that size).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let entities = args.next().map_or(Ok(100_000), |s| s.parse())?;
    let events = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let batch = args.next().map_or(Ok(0), |s| s.parse())?;
    let r = vigil_baseline::bench::bench_profiles(entities, events, 42, None, batch)?;
    println!("{r:?}");
    Ok(())
}
