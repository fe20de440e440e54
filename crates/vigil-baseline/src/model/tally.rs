//! The components of one observation's score, tallied on the stack ([`Tally`]), and the
//! reported deviations built from them.

use vigil_core::{AnomalyScore, Deviation, Deviations, MeasureName, Observation};

use crate::fastmath;
use crate::names::Names;
use crate::tail::{MAX_SURPRISAL, bits_from_ln_tail, fisher_combined, tail_from_bits};

/// One scored component kept for reporting (at most `MAX_REPORTED` per observation).
#[derive(Clone, Copy)]
pub(super) enum Which {
    Rate,
    Hour,
    /// A measure, by its registered slot (which names it).
    Measure(usize),
    /// A category, by its position in the observation.
    Category(usize),
}

#[derive(Clone, Copy)]
struct Component {
    which: Which,
    expected: f64,
    observed: f64,
    /// The component's tail probability is `num / den · e^{ln_extra}` (see [`Tally`]).
    num: f64,
    den: f64,
    ln_extra: f64,
}

impl Component {
    /// Surprisal in bits: computed only for reported components.
    fn bits(&self) -> f64 {
        bits_from_ln_tail(fastmath::ln(self.num / self.den) + self.ln_extra)
    }
}

const MAX_REPORTED: usize = 8;

/// `dimension=value` as a [`MeasureName`], with one allocation (the shared text): joined on
/// the stack when short, as nearly every name is, instead of in a `String` copied again.
fn category_name(dimension: &str, value: &str) -> MeasureName {
    let mut buf = [0u8; 128];
    let n = dimension.len() + 1 + value.len();
    if let Some(out) = buf.get_mut(..n) {
        let Some((d, rest)) = out.split_at_mut_checked(dimension.len()) else {
            return MeasureName::from(format!("{dimension}={value}"));
        };
        d.copy_from_slice(dimension.as_bytes());
        if let Some((eq, v)) = rest.split_first_mut() {
            *eq = b'=';
            v.copy_from_slice(value.as_bytes());
        }
        // Two `str`s and an ASCII byte are valid UTF-8, so this always succeeds.
        if let Ok(s) = std::str::from_utf8(out) {
            return MeasureName::from(s);
        }
    }
    MeasureName::from(format!("{dimension}={value}"))
}

/// The name of the rate component in a [`Deviation`].
const RATE: MeasureName = MeasureName::from_static("rate");
/// The name of the hour-of-day component in a [`Deviation`].
const HOUR_OF_DAY: MeasureName = MeasureName::from_static("hour_of_day");

/// Components of one observation's score, on the stack.
///
/// Each component's tail probability arrives as a ratio `num / den` and, for those whose tail
/// is naturally in log form (Gaussian, Poisson), a natural-log term. Numerators and
/// denominators multiply and the log terms add, so the whole observation costs one logarithm
/// and one division (for the product) instead of one of each per component; a component's
/// own surprisal is computed only when it is reported, and whether it is reported is decided
/// without a logarithm or a division (`num` against `2^−report_bits · den`, or `|z|` against
/// the z-score of `report_bits`).
pub(crate) struct Tally {
    prod: f64,
    den: f64,
    ln_sum: f64,
    scored: usize,
    /// The first two components to report, inline (an allocation per reporting observation
    /// showed in the per-event time: a tenth of the bench's events report one).
    kept: [Option<Component>; 2],
    /// Further components to report (allocated only then).
    more: Vec<Component>,
}

/// Below this (or a denominator product above its inverse) the products are folded into the
/// log sum, so they never underflow or overflow.
const PROD_FLOOR: f64 = 1e-200;
const DEN_CEIL: f64 = 1e200;

impl Tally {
    pub(crate) fn new() -> Self {
        Self {
            prod: 1.0,
            den: 1.0,
            ln_sum: 0.0,
            scored: 0,
            kept: [None; 2],
            more: Vec::new(),
        }
    }

    /// Empties the tally, as [`new`](Self::new) makes it (keeping the further components'
    /// allocation, if any).
    #[inline(always)]
    pub(crate) fn reset(&mut self) {
        self.prod = 1.0;
        self.den = 1.0;
        self.ln_sum = 0.0;
        self.scored = 0;
        self.kept = [None; 2];
        self.more.clear();
    }

    /// Adds one component with tail probability `num / den` (`den ≥ 1`; `num` is clamped to
    /// `[0, den]`), kept for reporting when `report`. Its log term is 0, so the log sum is
    /// left alone: adding `+0.0` would change nothing, since the sum starts at `+0.0` and a
    /// sum of floats is `−0.0` only when both terms are.
    #[inline]
    pub(super) fn add(
        &mut self,
        which: Which,
        expected: f64,
        observed: f64,
        num: f64,
        den: f64,
        report: bool,
    ) {
        // `max`/`min`, not `clamp`: no panic path even for a NaN bound.
        let num = fastmath::min(fastmath::max(num, 0.0), den);
        self.prod *= num;
        self.den *= den;
        self.scored += 1;
        if (self.prod < PROD_FLOOR) | (self.den > DEN_CEIL) {
            self.fold();
        }
        if report {
            self.keep(Component {
                which,
                expected,
                observed,
                num,
                den,
                ln_extra: 0.0,
            });
        }
    }

    /// Adds a component whose tail probability is `e^{ln_extra}` alone (`num = den = 1`:
    /// the product is unchanged, so it needs no underflow check).
    #[inline]
    pub(super) fn add_ln(
        &mut self,
        which: Which,
        expected: f64,
        observed: f64,
        ln_extra: f64,
        report: bool,
    ) {
        self.ln_sum += ln_extra;
        self.scored += 1;
        if report {
            self.keep(Component {
                which,
                expected,
                observed,
                num: 1.0,
                den: 1.0,
                ln_extra,
            });
        }
    }

    /// Adds a component of tail probability 1 (0 bits) that is not reported.
    #[inline]
    pub(super) fn add_unit(&mut self) {
        self.scored += 1;
    }

    #[cold]
    fn keep(&mut self, c: Component) {
        if let Some(slot) = self.kept.iter_mut().find(|k| k.is_none()) {
            *slot = Some(c);
        } else if self.more.len() + 2 < MAX_REPORTED {
            self.more.push(c);
        }
    }

    #[cold]
    fn fold(&mut self) {
        if self.prod > 0.0 {
            self.ln_sum += fastmath::ln(self.prod) - fastmath::ln(self.den);
        } else {
            self.ln_sum = self.ln_sum.min(0.0) - MAX_SURPRISAL;
        }
        self.prod = 1.0;
        self.den = 1.0;
    }

    /// Total surprisal of the components, nats: `−ln P` with `P = prod/den · e^{ln_sum}`
    /// (`prod > 0` here: a zero product was folded). One division and one logarithm: a batch
    /// runs this over a whole chunk, where the latency of the division overlaps.
    #[inline(always)]
    pub(crate) fn total_nats(&self) -> f64 {
        -(self.ln_sum + fastmath::ln(self.prod / self.den))
    }

    /// The score of one observation on its own (a batch runs the same two steps, each over
    /// a whole chunk, so that the chunk's logarithm/exponential chains overlap).
    #[inline]
    pub(crate) fn finish(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
    ) -> AnomalyScore {
        let combined = self.combined();
        self.score(obs, measures, transform, combined)
    }

    /// What [`total_nats`](Self::total_nats) and [`combined`](Self::combined) are computed
    /// from: `(ln_sum, prod, den, components)`.
    #[inline(always)]
    pub(crate) fn parts(&self) -> (f64, f64, f64, usize) {
        (self.ln_sum, self.prod, self.den, self.scored)
    }

    /// Fisher's combination of the components: `(surprisal, tail probability)`.
    #[inline(always)]
    pub(crate) fn combined(&self) -> (f64, f64) {
        fisher_combined(self.total_nats(), self.scored)
    }

    /// The score from [`combined`](Self::combined), with the deviations of the reported
    /// components (taken out of the tally). `measures` names the measures.
    #[inline]
    pub(crate) fn score(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        (surprisal, tail_probability): (f64, f64),
    ) -> AnomalyScore {
        if self.kept.iter().all(Option::is_none) {
            return AnomalyScore {
                surprisal,
                tail_probability,
                deviations: Deviations::new(),
            };
        }
        self.reported(obs, measures, transform, (surprisal, tail_probability))
    }

    /// [`score`](Self::score), appended to `out`. The common score (nothing reported) is
    /// written straight into `out`, and a reported one is pushed by the out-of-line path:
    /// with one `push` of the value either path returns, the score was built on the stack
    /// and copied, 128 bytes reloaded right after their narrow stores.
    #[inline(always)]
    pub(crate) fn push_score(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        (surprisal, tail_probability): (f64, f64),
        out: &mut Vec<AnomalyScore>,
    ) {
        if self.kept.iter().all(Option::is_none) {
            out.push(AnomalyScore {
                surprisal,
                tail_probability,
                deviations: Deviations::new(),
            });
        } else {
            self.push_reported(obs, measures, transform, (surprisal, tail_probability), out);
        }
    }

    /// [`push_score`](Self::push_score) when some component is reported.
    #[inline(never)]
    fn push_reported(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        combined: (f64, f64),
        out: &mut Vec<AnomalyScore>,
    ) {
        out.push(self.reported_inline(obs, measures, transform, combined));
    }

    /// [`score`](Self::score) when some component is reported (out of line: most
    /// observations report none).
    #[cold]
    #[inline(never)]
    fn reported(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        combined: (f64, f64),
    ) -> AnomalyScore {
        self.reported_inline(obs, measures, transform, combined)
    }

    /// The body of [`reported`](Self::reported), inlined into the callers that are already
    /// out of line (the score is then built where it is pushed).
    #[inline(always)]
    fn reported_inline(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        (surprisal, tail_probability): (f64, f64),
    ) -> AnomalyScore {
        // Up to two deviations are held inline: most reporting events report one.
        let mut deviations = Deviations::new();
        for c in self.kept.iter().flatten().chain(&self.more) {
            // Fixed and registered names are shared, not copied: a tenth of the bench's
            // events report a deviation, and the allocation showed in the per-event time.
            let measure = match c.which {
                Which::Rate => RATE,
                Which::Hour => HOUR_OF_DAY,
                Which::Measure(id) => measures.names.get(id).cloned().unwrap_or_default(),
                Which::Category(j) => obs
                    .categories
                    .get(j)
                    .map_or_else(MeasureName::default, |(d, v)| category_name(d, v)),
            };
            // Measures keep their mean on the transformed scale until reported.
            let expected = match c.which {
                Which::Measure(_) => crate::params::inverse(transform, c.expected),
                _ => c.expected,
            };
            let bits = c.bits();
            deviations.push(Deviation {
                measure,
                expected,
                observed: c.observed,
                tail_probability: tail_from_bits(bits),
                surprisal: bits,
            });
        }
        deviations.sort_by(|a, b| b.surprisal.total_cmp(&a.surprisal));
        AnomalyScore {
            surprisal,
            tail_probability,
            deviations,
        }
    }
}
