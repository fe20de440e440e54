//! Vigil triage: alert scoring with gradient-boosted trees, calibration, certified FP suppression and explanations.
