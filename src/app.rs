//! app (under construction).
