//! Probability calibration: isotonic and Platt, with ECE and Brier.
