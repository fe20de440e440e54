//! Vigil readers: streaming AIT-ADS, GUIDE, OCSF, ECS and JSON Lines alert readers.

pub mod nsl_kdd;
