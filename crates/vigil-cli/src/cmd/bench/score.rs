//! `vigil bench score`: GBDT inference and training speed on deterministic synthetic data.

use std::io::BufWriter;
use std::path::PathBuf;

use vigil_triage::gbdt::Growth;
use vigil_triage::gbdt::synth::{ScoreBenchConfig, make_binary, score_bench, write_csv};

use crate::CliError;
use crate::out::outln;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Boosting rounds.
    #[arg(long, default_value_t = 100)]
    pub trees: usize,
    /// Tree depth limit (trees get up to 2^depth leaves).
    #[arg(long, default_value_t = 8)]
    pub depth: usize,
    /// Features of the synthetic data.
    #[arg(long, default_value_t = 32)]
    pub features: usize,
    /// Rows of synthetic data: the first 75% train, the rest test; inference runs on all.
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.1)]
    pub learning_rate: f64,
    /// Value bins per feature.
    #[arg(long, default_value_t = 255)]
    pub max_bins: usize,
    /// Seed of the data and the model.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Timed inference measurements, each as many passes over all rows as fill 0.25 s of
    /// CPU time (the fastest measurement is reported).
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Tree growth: `leaf-wise` (LightGBM's), `depth-wise` (XGBoost's) or `oblivious`
    /// (CatBoost's symmetric trees, the fastest to score).
    #[arg(long, default_value = "leaf-wise")]
    pub growth: String,
    /// Write the synthetic data as CSV (features, then `label`, 1 = threat) and exit, so
    /// the peers script trains on identical rows.
    #[arg(long)]
    pub dump_data: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let growth: Growth = args
        .growth
        .parse()
        .map_err(|e| CliError::layer("triage", e))?;
    let cfg = ScoreBenchConfig {
        trees: args.trees,
        depth: args.depth,
        features: args.features,
        rows: args.rows,
        learning_rate: args.learning_rate,
        max_bins: args.max_bins,
        seed: args.seed,
        repeats: args.repeats,
        growth,
    };
    if let Some(path) = &args.dump_data {
        let data = make_binary(cfg.rows, cfg.features, cfg.seed);
        let file = std::fs::File::create(path).map_err(|e| CliError::io(path, e))?;
        return write_csv(&data, BufWriter::new(file)).map_err(|e| CliError::io(path, e));
    }
    let report = score_bench(&cfg).map_err(|e| CliError::layer("triage", e))?;
    if args.json {
        crate::out::print_json(&report)
    } else {
        outln!(
            "trees {} depth {} features {} rows {} (train {}, test {})",
            cfg.trees,
            cfg.depth,
            cfg.features,
            cfg.rows,
            report.train_rows,
            report.test_rows
        );
        outln!("fit_s              {:.3}", report.fit_s);
        outln!(
            "ns_per_row         {:.1} ({} layout)",
            report.ns_per_row,
            report.layout
        );
        outln!("ns_per_row_single  {:.1}", report.ns_per_row_single);
        outln!("pr_auc             {:.4}", report.pr_auc);
        outln!("logloss            {:.4}", report.logloss);
        Ok(())
    }
}
