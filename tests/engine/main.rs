//! Data-driven engine tests: one binary, one module per engine, fixtures under `tests/fixtures/`.

mod compliance_cases;
// rds, lambda, eks (managed endpoints)
mod managed_cases;
mod pathtrace_cases;
mod rule_cases;
mod rule_compiled_vs_interpreted;
mod rule_incremental;
