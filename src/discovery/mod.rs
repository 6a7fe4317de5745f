//! discovery (under construction).
