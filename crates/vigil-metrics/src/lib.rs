//! Vigil metrics: model metrics and SOC outcome metrics (MTTD, MTTR, precision, coverage).
