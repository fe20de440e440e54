//! Runtime dispatch of the batch path to the x86-64-v3 instruction set (AVX2, FMA, BMI2),
//! with the baseline build as the fallback: one portable binary that uses the wider
//! instructions where the CPU has them.
//!
//! `pulp` holds the `unsafe` of calling a `#[target_feature]` function after detecting the
//! features at run time, so this crate stays free of `unsafe`. [`Wide::run`] is inlined into
//! that function, and so is everything it calls with `#[inline(always)]`: those are compiled
//! with the wider instruction set. The results are bit-identical to the plain build's: Rust
//! never contracts a multiply and an add into an FMA unless asked (`mul_add`, which this crate
//! does not call), and vector code is only used where it changes no rounding.

/// Work to run under [`wide`]. `run` must be `#[inline(always)]` (a closure would be compiled
/// as a function of its own, for the baseline target).
pub(crate) trait Wide {
    /// What the work returns.
    type Output;
    /// Does the work.
    fn run(self) -> Self::Output;
}

/// Runs `w` compiled for x86-64-v3 when the CPU supports it, else as built.
#[inline(always)]
pub(crate) fn wide<W: Wide>(w: W) -> W::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(v3) = pulp::x86::V3::try_new() {
        return v3.vectorize(V3Call(w));
    }
    w.run()
}

/// [`Wide`] as pulp's callable.
#[cfg(target_arch = "x86_64")]
struct V3Call<W>(W);

#[cfg(target_arch = "x86_64")]
impl<W: Wide> pulp::NullaryFnOnce for V3Call<W> {
    type Output = W::Output;

    #[inline(always)]
    fn call(self) -> W::Output {
        self.0.run()
    }
}
