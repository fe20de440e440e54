//! Hyperparameters of the per-entity baselines: [`ProfileParams`] → [`ProfileConfig`].

use serde::{Deserialize, Serialize};
use vigil_core::ParamGuard;

use crate::BaselineError;

/// How numeric measures are transformed before their mean and variance are tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Transform {
    /// `sign(x)·ln(1+|x|)`: byte counts, durations and counts are heavy-tailed, roughly
    /// log-normal; on the log scale a Gaussian tail is a fair calibration, and every finite
    /// input maps into `[−710, 710]`, so no state can overflow.
    #[default]
    SignedLog,
    /// The raw value, clamped to `±1e15` so that variances stay finite.
    Identity,
}

impl Transform {
    /// Applies the transform to a finite value.
    #[inline(always)]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Transform::SignedLog => signed_log(x),
            Transform::Identity => x.clamp(-1e15, 1e15),
        }
    }
}

/// Whole numbers below this take [`signed_log`]'s table.
pub(crate) const SMALL: usize = 256;

/// `ln(1 + n)` for `n < SMALL`, computed by the very function `signed_log` uses for other
/// values, so a lookup returns the same bits as the computation would.
static SMALL_LN1P: std::sync::LazyLock<[f64; SMALL]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|n| crate::fastmath::ln(1.0 + n as f64)));

/// The table of [`signed_log`], built on first use.
pub(crate) fn small_ln1p() -> &'static [f64; SMALL] {
    &SMALL_LN1P
}

/// `sign(x)·ln(1+|x|)`. Counts (events, ports, failed logons, status codes) are the most
/// common measures, and small whole numbers among them take a table lookup instead of a
/// logarithm; the result is the same bits.
#[inline(always)]
fn signed_log(x: f64) -> f64 {
    signed_log_with(&SMALL_LN1P, x)
}

/// [`signed_log`] with its table already at hand ([`small_ln1p`]): a loop over many values
/// then checks once, not per value, that the table is built.
#[inline(always)]
pub(crate) fn signed_log_with(table: &[f64; SMALL], x: f64) -> f64 {
    // `x as u8` saturates into the table's range, so no index check: `x` is one of the
    // table's exactly when converting back gives `x` bit for bit (not −0.0, whose
    // transform is −0.0; not 0.5 or 300 or NaN, which come back as something else).
    let n = x as u8;
    if f64::from(n).to_bits() == x.to_bits()
        && let Some(v) = table.get(usize::from(n))
    {
        return *v;
    }
    let y = crate::fastmath::ln(1.0 + x.abs());
    // `x.signum() · y` as a sign flip: for a number `signum` is ±1 (±0 included), and a
    // product with −1 only flips the sign bit (a NaN stays a NaN). Two bit operations where
    // `signum`'s NaN handling and the product took five instructions.
    const SIGN: u64 = 1 << 63;
    f64::from_bits(y.to_bits() ^ (x.to_bits() & SIGN))
}

/// Unchecked hyperparameters (a builder). [`ParamGuard::check`] validates them into a
/// [`ProfileConfig`], from which [`crate::EntityBaselines::new`] builds the model.
///
/// ```
/// use vigil_baseline::{EntityBaselines, ProfileParams};
/// use vigil_core::ParamGuard;
/// let config = ProfileParams::default().max_entities(10_000).half_life_secs(86_400.0).check()?;
/// let model = EntityBaselines::new(config);
/// assert_eq!(model.config().max_entities(), 10_000);
/// # Ok::<(), vigil_baseline::BaselineError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileParams(pub(crate) ProfileConfig);

/// Checked hyperparameters: valid by construction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileConfig {
    pub(crate) max_entities: usize,
    pub(crate) max_groups: usize,
    pub(crate) max_measures: usize,
    pub(crate) max_dimensions: usize,
    pub(crate) half_life_secs: f64,
    pub(crate) burst_half_life_secs: f64,
    pub(crate) window_secs: f64,
    pub(crate) min_history: u32,
    pub(crate) report_bits: f64,
    pub(crate) min_sd: f64,
    pub(crate) transform: Transform,
    pub(crate) eviction_samples: usize,
    pub(crate) seed: u64,
}

impl Default for ProfileParams {
    fn default() -> Self {
        Self(ProfileConfig {
            max_entities: 100_000,
            max_groups: 4_096,
            max_measures: 2,
            max_dimensions: 1,
            half_life_secs: 7.0 * 86_400.0,
            burst_half_life_secs: 600.0,
            window_secs: 3_600.0,
            min_history: 10,
            report_bits: 6.0,
            min_sd: 0.25,
            transform: Transform::SignedLog,
            eviction_samples: 8,
            seed: vigil_core::SeededState::DEFAULT_SEED,
        })
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, v: $ty) -> Self {
            self.0.$name = v;
            self
        }
    };
}

impl ProfileParams {
    setter!(
        /// Most entities profiled at once; beyond it the least recently seen are evicted.
        max_entities: usize
    );
    setter!(
        /// Most peer groups profiled at once (new groups beyond it get no group profile).
        max_groups: usize
    );
    setter!(
        /// Distinct numeric measure names tracked (each costs 48 bytes per entity).
        max_measures: usize
    );
    setter!(
        /// Distinct categorical dimensions tracked (each costs 44 bytes per entity).
        max_dimensions: usize
    );
    setter!(
        /// Half-life of the long memory (means, variances, category counts, base rate), seconds.
        half_life_secs: f64
    );
    setter!(
        /// Half-life of the short memory that measures the current event rate, seconds.
        burst_half_life_secs: f64
    );
    setter!(
        /// Length of one tumbling pane of the windowed mean and variance, seconds.
        window_secs: f64
    );
    setter!(
        /// Events an entity needs before it is scored on its own history (before that it
        /// borrows its peer group's profile, or is not scored).
        min_history: u32
    );
    setter!(
        /// Surprisal (bits) from which a component is reported as a [`vigil_core::Deviation`].
        report_bits: f64
    );
    setter!(
        /// Floor on a measure's standard deviation, in transformed units.
        min_sd: f64
    );
    setter!(
        /// Transform applied to numeric measures.
        transform: Transform
    );
    setter!(
        /// Entities sampled when choosing one to evict (more = closer to exact LRU).
        eviction_samples: usize
    );
    setter!(
        /// Seed of the entity and category hashes and of eviction sampling.
        seed: u64
    );
}

impl ProfileConfig {
    /// Most entities profiled at once.
    pub fn max_entities(&self) -> usize {
        self.max_entities
    }
    /// Most peer groups profiled at once.
    pub fn max_groups(&self) -> usize {
        self.max_groups
    }
    /// Numeric measure slots per entity.
    pub fn max_measures(&self) -> usize {
        self.max_measures
    }
    /// Categorical dimension slots per entity.
    pub fn max_dimensions(&self) -> usize {
        self.max_dimensions
    }
    /// Long-memory half-life, seconds.
    pub fn half_life_secs(&self) -> f64 {
        self.half_life_secs
    }
    /// Events before an entity is scored on its own history.
    pub fn min_history(&self) -> u32 {
        self.min_history
    }
    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

fn positive(name: &'static str, v: f64) -> Result<(), BaselineError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(BaselineError::InvalidParameter {
            name,
            reason: format!("must be finite and > 0, got {v}"),
        })
    }
}

fn range(name: &'static str, v: usize, lo: usize, hi: usize) -> Result<(), BaselineError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(BaselineError::InvalidParameter {
            name,
            reason: format!("must be in {lo}..={hi}, got {v}"),
        })
    }
}

impl ParamGuard for ProfileParams {
    type Checked = ProfileConfig;
    type Error = BaselineError;

    fn check_ref(&self) -> Result<&ProfileConfig, BaselineError> {
        let c = &self.0;
        // Entity slots are addressed by u32.
        range("max_entities", c.max_entities, 1, u32::MAX as usize / 2)?;
        range("max_groups", c.max_groups, 0, u32::MAX as usize / 2)?;
        range("max_measures", c.max_measures, 0, 64)?;
        range("max_dimensions", c.max_dimensions, 0, 64)?;
        range("eviction_samples", c.eviction_samples, 1, 64)?;
        positive("half_life_secs", c.half_life_secs)?;
        positive("burst_half_life_secs", c.burst_half_life_secs)?;
        positive("window_secs", c.window_secs)?;
        positive("min_sd", c.min_sd)?;
        if !(c.report_bits.is_finite() && c.report_bits >= 0.0) {
            return Err(BaselineError::InvalidParameter {
                name: "report_bits",
                reason: format!("must be finite and ≥ 0, got {}", c.report_bits),
            });
        }
        Ok(c)
    }

    fn check(self) -> Result<ProfileConfig, BaselineError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Maps a transformed mean back to the measure's own units, for reporting.
pub(crate) fn inverse(t: Transform, y: f64) -> f64 {
    match t {
        Transform::SignedLog => y.signum() * y.abs().exp_m1(),
        Transform::Identity => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_log_table_gives_the_computed_bits() {
        let formula = |x: f64| x.signum() * crate::fastmath::ln(1.0 + x.abs());
        let mut xs: Vec<f64> = (-300..300).map(f64::from).collect();
        xs.extend([
            -0.0,
            0.5,
            255.5,
            255.0,
            256.0,
            1e300,
            -1e300,
            4_503_599_627_370_496.0,
            1e-300,
            -1e-300,
            5e-324,
            -5e-324,
            f64::MAX,
            -f64::MAX,
            1e-17,
            -0.999_999,
            -255.5,
            -256.0,
            4_503_599_627_370_496.5,
        ]);
        // Random finite values of every magnitude (the table check, the sign flip).
        let mut rng = vigil_core::SplitMix64::new(5);
        xs.extend(
            std::iter::repeat_with(|| f64::from_bits(rng.next_u64()))
                .filter(|x| x.is_finite())
                .take(20_000),
        );
        for x in xs {
            let got = Transform::SignedLog.apply(x);
            assert_eq!(got.to_bits(), formula(x).to_bits(), "x = {x}");
        }
        assert!(Transform::SignedLog.apply(-0.0).is_sign_negative());
    }
}
