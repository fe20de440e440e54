//! One module per subcommand.

pub mod bench;
pub mod demo;
pub mod enrich;
pub mod eval;
pub mod export_features;
pub mod inspect;
pub mod networks;
pub mod replay;
pub mod sources;
