//! One call to load the standard enrichment sources of a data folder laid out like
//! `../shared/datasets`: `intel/misp-warninglists/`, `intel/ipsum/ipsum.txt`,
//! `intel/cisa-kev/known_exploited_vulnerabilities.json` and
//! `attack/enterprise-attack*.json[.gz]`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil_core::{Enricher, SeededState};

use crate::intel::{IndicatorStore, IndicatorStoreBuilder, load_ipsum, load_misp_dir};
use crate::report::LoadReport;
use crate::{
    AssetEnricher, AssetInventory, AttackCatalogue, AttackEnricher, EnrichError, KevCatalogue,
    KevEnricher, ThreatIntelEnricher,
};

/// How to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Seed of every hash map.
    pub seed: u64,
    /// Load ATT&CK on a second thread while the lists load on this one.
    pub parallel: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            seed: SeededState::DEFAULT_SEED,
            parallel: false,
        }
    }
}

/// Seconds each step took.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LoadTimings {
    /// Reading and parsing all MISP warninglists.
    pub misp_s: f64,
    /// Reading IPsum.
    pub ipsum_s: f64,
    /// Freezing the indicator store (range segments, key sets).
    pub build_s: f64,
    /// Reading CISA KEV.
    pub kev_s: f64,
    /// Reading the ATT&CK bundle (on its own thread when loading in parallel).
    pub attack_s: f64,
    /// Wall time of the whole load.
    pub total_s: f64,
}

/// The standard sources, loaded.
#[derive(Debug, Clone)]
pub struct Standard {
    /// Indicators from MISP warninglists and IPsum.
    pub store: Arc<IndicatorStore>,
    /// The ATT&CK catalogue.
    pub attack: Arc<AttackCatalogue>,
    /// CISA KEV.
    pub kev: Arc<KevCatalogue>,
    /// Per-file counts and rejections.
    pub report: LoadReport,
    /// Step timings.
    pub timings: LoadTimings,
    /// When loading finished (the provenance time of the context).
    pub loaded_at: DateTime<Utc>,
}

/// The standard paths under a data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardPaths {
    /// MISP warninglists repository folder.
    pub misp: PathBuf,
    /// `ipsum.txt`.
    pub ipsum: PathBuf,
    /// KEV JSON.
    pub kev: PathBuf,
    /// ATT&CK bundle.
    pub attack: PathBuf,
}

impl StandardPaths {
    /// Finds the sources under `dir`; the ATT&CK bundle is the first
    /// `attack/enterprise-attack*.json*` by name.
    pub fn under(dir: &Path) -> Result<Self, EnrichError> {
        let attack_dir = dir.join("attack");
        let mut bundles: Vec<PathBuf> = std::fs::read_dir(&attack_dir)
            .map_err(|e| EnrichError::io(&attack_dir, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .is_some_and(|n| n.starts_with("enterprise-attack") && n.contains(".json"))
            })
            .collect();
        bundles.sort();
        let attack = bundles.into_iter().next().ok_or_else(|| {
            EnrichError::format(&attack_dir, "no enterprise-attack*.json[.gz] bundle")
        })?;
        Ok(Self {
            misp: dir.join("intel/misp-warninglists"),
            ipsum: dir.join("intel/ipsum/ipsum.txt"),
            kev: dir.join("intel/cisa-kev/known_exploited_vulnerabilities.json"),
            attack,
        })
    }
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn load_lists(
    paths: &StandardPaths,
    seed: u64,
    report: &mut LoadReport,
    t: &mut LoadTimings,
) -> Result<(IndicatorStore, KevCatalogue), EnrichError> {
    let mut b = IndicatorStoreBuilder::new(seed);
    let s = Instant::now();
    report.extend(load_misp_dir(&mut b, &paths.misp)?);
    t.misp_s = secs(s);
    let s = Instant::now();
    report.push(load_ipsum(&mut b, &paths.ipsum)?);
    t.ipsum_s = secs(s);
    let s = Instant::now();
    let store = b.build();
    t.build_s = secs(s);
    let s = Instant::now();
    let (kev, kr) = KevCatalogue::load(&paths.kev)?;
    report.push(kr);
    t.kev_s = secs(s);
    Ok((store, kev))
}

/// Loads MISP warninglists, IPsum, KEV and ATT&CK from `dir`.
pub fn load_standard(dir: &Path, opts: LoadOptions) -> Result<Standard, EnrichError> {
    let paths = StandardPaths::under(dir)?;
    let start = Instant::now();
    let mut t = LoadTimings::default();
    let mut report = LoadReport::default();
    let (store, kev, attack) = if opts.parallel {
        let attack_path = paths.attack.clone();
        let (store_kev, attack) = std::thread::scope(|sc| {
            let h = sc.spawn(move || {
                let s = Instant::now();
                AttackCatalogue::load(&attack_path)
                    .map(|c| (c, secs(s)))
                    .map_err(EnrichError::from)
            });
            let lists = load_lists(&paths, opts.seed, &mut report, &mut t);
            let attack = h.join().unwrap_or_else(|_| {
                Err(EnrichError::format(
                    &paths.attack,
                    "ATT&CK loader thread panicked",
                ))
            });
            (lists, attack)
        });
        let (store, kev) = store_kev?;
        let (attack, s) = attack?;
        t.attack_s = s;
        (store, kev, attack)
    } else {
        let (store, kev) = load_lists(&paths, opts.seed, &mut report, &mut t)?;
        let s = Instant::now();
        let attack = AttackCatalogue::load(&paths.attack)?;
        t.attack_s = secs(s);
        (store, kev, attack)
    };
    t.total_s = secs(start);
    Ok(Standard {
        store: Arc::new(store),
        attack: Arc::new(attack),
        kev: Arc::new(kev),
        report,
        timings: t,
        loaded_at: Utc::now(),
    })
}

impl Standard {
    /// The in-memory enrichers over these sources, in pipeline order: threat intel, ATT&CK,
    /// KEV, then assets when given. Intel context is marked valid for `intel_valid_for_s`.
    pub fn enrichers(
        &self,
        assets: Option<AssetInventory>,
        intel_valid_for_s: Option<u64>,
    ) -> Vec<Box<dyn Enricher>> {
        let mut v: Vec<Box<dyn Enricher>> = vec![
            Box::new(ThreatIntelEnricher::new(
                Arc::clone(&self.store),
                self.loaded_at,
                intel_valid_for_s,
            )),
            Box::new(AttackEnricher::new(
                Arc::clone(&self.attack),
                self.loaded_at,
            )),
            Box::new(KevEnricher::new(Arc::clone(&self.kev)).loaded_at(self.loaded_at)),
        ];
        if let Some(a) = assets {
            v.push(Box::new(AssetEnricher::new(a, self.loaded_at, None)));
        }
        v
    }
}
