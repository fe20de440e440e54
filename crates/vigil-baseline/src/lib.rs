//! Vigil baselining: per-entity streaming behaviour profiles and anomaly detection in bounded memory.
