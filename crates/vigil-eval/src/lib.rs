//! Vigil evaluation: SOC replay, evaluation harness and the embedded demo enterprise.
