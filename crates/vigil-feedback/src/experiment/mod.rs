//! The feedback loop replayed on labelled alert streams.
