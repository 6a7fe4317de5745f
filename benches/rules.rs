//! Rule evaluation benchmark: the full shipped pack over a generated estate (default 100k
//! instances), with the path tracer's exposure analysis behind `exposed_to_internet`.
//!
//! Run: `cargo bench --bench rules` (env `INSTANCES`; `RULES_PATH=interpreted` runs every
//! condition through the cel interpreter instead of the compiled form, the old way).

use std::sync::Arc;
use std::time::Instant;

use infracast::discovery::generate::generate_estate;
use infracast::graph::TenantGraph;
use infracast::pathtrace;
use infracast::rules::{self, RuleSet};

mod support;

fn main() {
    let instances: usize = std::env::var("INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let inventory = generate_estate(instances, 42);
    let graph = TenantGraph::build(inventory.nodes, inventory.edges);
    let rule_set = RuleSet::builtin().expect("rules");
    let started = Instant::now();
    let exposure = Arc::new(support::Exposure(pathtrace::analyse_internet_exposure(
        &graph,
    )));
    let exposure_seconds = started.elapsed().as_secs_f64();
    let interpreted = std::env::var("RULES_PATH").is_ok_and(|path| path == "interpreted");
    // CPU seconds of this process as well as wall time: on a shared machine the wall time says
    // more about the neighbours than about the evaluation.
    let cpu_before = support::cpu_seconds(std::process::id());
    let started = Instant::now();
    let evaluation = if interpreted {
        rules::evaluate_interpreted(&rule_set, &graph, exposure)
    } else {
        rules::evaluate(&rule_set, &graph, exposure)
    };
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = support::cpu_seconds(std::process::id()) - cpu_before;
    println!(
        "{} ({} rules on the interpreter): {} rules over {instances} instances ({} nodes): {} evaluations in {seconds:.2} s ({cpu_seconds:.2} CPU s) = {:.0} evaluations/s on {} threads ({} fail, {} errors); exposure analysis first took {exposure_seconds:.2} s",
        if interpreted {
            "interpreted"
        } else {
            "compiled"
        },
        if interpreted {
            rule_set.rules().len()
        } else {
            rule_set.interpreted_rules().len()
        },
        rule_set.rules().len(),
        graph.node_count(),
        evaluation.results.len(),
        evaluation.results.len() as f64 / seconds,
        rayon::current_num_threads(),
        evaluation.failed,
        evaluation.errors
    );
}
