//! jobs (under construction).
