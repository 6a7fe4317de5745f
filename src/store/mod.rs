//! store (under construction).
