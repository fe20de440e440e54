//! The evaluation harness on AIT-ADS: load networks, train on some, replay the others under
//! FIFO, severity-first and Vigil, with the same analysts in the same run.

mod harness;
mod severity;

pub use harness::{
    DisciplineReport, NetworkReport, ReplayReport, ReplaySetup, load_network, train_and_replay,
};
pub use severity::severity;
