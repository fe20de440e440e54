//! Quick NSL-KDD check of the multivariate detector without the CLI (same encoding as
//! `vigil_io::nsl_kdd::FrequencyEncoding`): `cargo run --release -p vigil-baseline --example
//! nslkdd -- TRAIN TEST [trees depth window size_limit]`.

use std::collections::HashMap;

use vigil_baseline::HstParams;
use vigil_baseline::metrics::{pr_auc, roc_auc};
use vigil_core::{Fit, ParamGuard};

type Rows = (Vec<Vec<String>>, Vec<bool>);

fn read(path: &str) -> Result<Rows, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<String> = line.split(',').map(str::to_owned).collect();
        labels.push(f.get(41).is_some_and(|c| c != "normal"));
        rows.push(f);
    }
    Ok((rows, labels))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let (tr, _) = read(&a[0])?;
    let (te, y) = read(&a[1])?;
    let mut shares: Vec<HashMap<String, f64>> = vec![HashMap::new(); 3];
    for r in &tr {
        for (k, c) in [1, 2, 3].iter().enumerate() {
            *shares[k].entry(r[*c].clone()).or_insert(0.0) += 1.0 / tr.len() as f64;
        }
    }
    let enc = |r: &Vec<String>| -> Vec<f64> {
        (0..41)
            .map(|j| match j {
                1..=3 => shares[j - 1].get(&r[j]).copied().unwrap_or(0.0),
                _ => r[j].parse().unwrap_or(0.0),
            })
            .collect()
    };
    let xtr: Vec<Vec<f64>> = tr.iter().map(enc).collect();
    let xte: Vec<Vec<f64>> = te.iter().map(enc).collect();
    let p = |i: usize, d: f64| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    for seed in 0..3u64 {
        let params = HstParams::default()
            .trees(p(2, 50.0) as usize)
            .depth(p(3, 12.0) as usize)
            .window(p(4, 1024.0) as usize)
            .size_limit(p(5, 0.05))
            .seed(seed);
        let mut m = params.check()?.fit(&xtr)?;
        let t = std::time::Instant::now();
        let s: Vec<f64> = xte.iter().map(|x| m.score(x)).collect::<Result<_, _>>()?;
        let ns = t.elapsed().as_nanos() as f64 / xte.len() as f64;
        println!(
            "seed {seed}: roc {:.4} pr {:.4} ({ns:.0} ns/score)",
            roc_auc(&s, &y).unwrap_or(0.0),
            pr_auc(&s, &y).unwrap_or(0.0)
        );
    }
    Ok(())
}
