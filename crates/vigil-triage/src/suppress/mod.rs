//! False-positive suppression with a certified miss-rate bound (conformal risk control).
