//! `vigil export-features`: write the triage feature matrix.

use std::path::PathBuf;

use vigil_io::Format;
use vigil_triage::export::export_features;

use crate::CliError;
use crate::out::outln;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input format (guide).
    #[arg(long, default_value = "guide")]
    pub format: Format,
    /// Graded alerts.
    pub file: PathBuf,
    /// Output CSV: `fold,role,orgid,<features…>,label` (see `vigil_triage::export`).
    #[arg(long)]
    pub out: PathBuf,
    /// Write the grouped k-fold of `vigil eval triage --folds K` (same seed): each fold's
    /// fit, calibration and test rows with that fold's encodings.
    #[arg(long)]
    pub folds: Option<usize>,
    /// Seed (as `vigil eval triage --seed`).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// As `vigil eval triage --cross-fit K`: every training row is a `fit` row, no `calib`.
    #[arg(long)]
    pub cross_fit: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let alerts = super::eval::triage::read_alerts(args.format, &args.file)?;
    let mut params = super::eval::triage::params("gbdt", args.seed, "isotonic")?;
    params.cross_fit = args.cross_fit;
    let file = std::fs::File::create(&args.out).map_err(|e| CliError::io(&args.out, e))?;
    let w = std::io::BufWriter::new(file);
    let rows = export_features(&alerts, &params, args.folds, args.seed, w)
        .map_err(|e| CliError::layer("triage", e))?;
    if args.json {
        crate::out::print_json(&serde_json::json!({
            "rows": rows,
            "out": args.out.display().to_string(),
            "folds": args.folds,
            "seed": args.seed,
        }))
    } else {
        outln!("{rows} rows written to {}", args.out.display());
        Ok(())
    }
}
