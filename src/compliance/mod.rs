//! compliance (under construction).
