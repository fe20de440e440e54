//! Vigil core: the alert model, shared traits and errors every layer composes through.
