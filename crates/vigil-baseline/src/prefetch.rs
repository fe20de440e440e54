//! A non-blocking hint to bring a cache line in ahead of use.
//!
//! A plain load that misses holds up every instruction after it once the reorder buffer fills
//! (about 30 ns of work on this class of core), so loading a batch's profiles ahead of use
//! could overlap their misses with each other but not with the scoring between them: about
//! 40 ns per event at 100k entities went to waiting. A prefetch retires at once and the line
//! arrives while scoring goes on. `safe_arch` wraps the instruction behind a reference, which
//! is always a valid address (the crate keeps `unsafe` denied); elsewhere this is a no-op.

/// Starts bringing the cache line holding `x` into all cache levels, without waiting.
#[inline(always)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse"
    ))]
    safe_arch::prefetch_t0(x);
    #[cfg(not(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse"
    )))]
    let _ = x;
}
