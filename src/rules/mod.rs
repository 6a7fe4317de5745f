//! Rules: `rules/**/*.toml` packs of CEL conditions over graph nodes (true = violation), loaded
//! and validated once, evaluated in parallel and deterministically over a graph snapshot.
//!
//! CEL sees `resource` (the node: `id`, `type`, `name`, `region`, `account`, `tags`,
//! `properties`) and two graph functions implemented here: `related(kind)` (neighbours over an
//! edge kind, as maps of the same shape) and `exposed_to_internet(port, protocol)` (answered by an
//! `InternetExposure`, in practice the path tracer). Conditions are compiled at load into native
//! operations over the node JSON (`compile`); a rule using CEL outside that subset runs on the
//! interpreter (`RuleSet::interpreted_rules`), and so does any compiled evaluation that errors, so
//! verdicts and reasons are the interpreter's. After a change, `evaluate_since` evaluates again
//! only the nodes whose results may differ and carries the rest over (`incremental`). Pure: no IO.

mod compile;
mod evaluate;
mod incremental;
mod load;

pub use evaluate::{
    Evaluation, ExposureAnswer, InternetExposure, NoExposureAnalysis, RuleResult, RuleStatus,
    evaluate, evaluate_interpreted,
};
pub use incremental::{
    IncrementalEvaluation, PreviousEvaluation, evaluate_counted, evaluate_since,
};
pub use load::{LoadError, Remediation, Rule, RuleSet};
