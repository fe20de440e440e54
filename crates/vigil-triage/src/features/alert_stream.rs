//! Source-agnostic alert-stream features (detector rarity, per-entity novelty, bursts, time of day).
