//! A minimal, runtime-agnostic executor kit on `std` alone: [`block_on`], [`join_all`] and
//! [`Sleep`].
//!
//! Vigil's async enrichers return plain `std` futures so that any runtime can drive them. The
//! CLI and the tests need only to run one future to completion, join a handful, and put a
//! deadline on one; pulling in a runtime (or the `futures` crate) for that would tie every user
//! to it. These three pieces are small enough to audit at a glance:
//!
//! - [`block_on`] parks the calling thread until the future's waker unparks it;
//! - [`join_all`] polls a list of boxed futures and yields their outputs in input order;
//! - [`Sleep`] is woken by one shared timer thread (started lazily), so it works under any
//!   executor, including [`block_on`].

mod block_on;
mod join;
mod sleep;

pub use block_on::block_on;
pub use join::{JoinAll, join_all};
pub use sleep::Sleep;
