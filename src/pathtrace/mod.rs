//! pathtrace (under construction).
