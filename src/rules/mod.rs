//! Rules: `rules/**/*.toml` packs of CEL conditions over graph nodes (true = violation), loaded
//! and validated once, evaluated in parallel and deterministically over a graph snapshot.
//!
//! CEL sees `resource` (the node: `id`, `type`, `name`, `region`, `account`, `tags`,
//! `properties`) and two graph functions implemented here: `related(kind)` (neighbours over an
//! edge kind, as maps of the same shape) and `exposed_to_internet(port, protocol)` (answered by an
//! `InternetExposure`, in practice the path tracer). Pure: no IO.

mod evaluate;
mod load;

pub use evaluate::{
    Evaluation, ExposureAnswer, InternetExposure, NoExposureAnalysis, RuleResult, RuleStatus,
    evaluate,
};
pub use load::{LoadError, Remediation, Rule, RuleSet};
