//! Vigil feedback: verdict capture, retraining, drift detection, active learning and AI oversight.
