//! Vigil command-line interface: the vigil binary.
fn main() {}
