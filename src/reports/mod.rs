//! reports (under construction).
