//! The calling thread's CPU time, for benchmarks: on a machine shared with other work, wall
//! time counts other processes' turns too, so Vigil's benches report both.
//!
//! Linux exposes a thread's time on CPU in `/proc/thread-self/schedstat` (nanoseconds; the
//! kernel advances it at scheduler ticks, so time spans of at least tens of milliseconds).
//! Elsewhere the CPU clock is absent and [`Stopwatch::cpu_secs`] falls back to wall time.

use std::time::Instant;

/// CPU time of the calling thread in nanoseconds, or `None` where the OS does not tell.
pub fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Wall and thread-CPU time since it was started.
///
/// ```
/// let watch = vigil_core::cpu::Stopwatch::start();
/// let x: u64 = (0..1000u64).sum();
/// assert_eq!(x, 499_500);
/// assert!(watch.cpu_secs() >= 0.0 && watch.wall_secs() >= 0.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    cpu0: Option<u64>,
    wall0: Instant,
}

impl Stopwatch {
    /// Starts both clocks.
    pub fn start() -> Self {
        Self {
            cpu0: thread_cpu_ns(),
            wall0: Instant::now(),
        }
    }

    /// Wall seconds since the start.
    pub fn wall_secs(&self) -> f64 {
        self.wall0.elapsed().as_secs_f64()
    }

    /// This thread's CPU seconds since the start, `None` without a CPU clock.
    pub fn cpu_secs_checked(&self) -> Option<f64> {
        let (a, b) = (self.cpu0?, thread_cpu_ns()?);
        Some(b.saturating_sub(a) as f64 * 1e-9)
    }

    /// This thread's CPU seconds since the start, or wall seconds without a CPU clock.
    pub fn cpu_secs(&self) -> f64 {
        self.cpu_secs_checked().unwrap_or_else(|| self.wall_secs())
    }
}

/// Runs `f` once: its output, CPU seconds (wall where there is no CPU clock) and wall seconds.
///
/// ```
/// let (sum, cpu, wall) = vigil_core::cpu::timed(|| (0..10u32).sum::<u32>());
/// assert_eq!(sum, 45);
/// assert!(cpu >= 0.0 && wall >= 0.0);
/// ```
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let watch = Stopwatch::start();
    let out = f();
    let wall = watch.wall_secs();
    let cpu = watch.cpu_secs_checked().unwrap_or(wall);
    (out, cpu, wall)
}
