//! Rule evaluation benchmark: the full shipped pack over a generated estate (default 100k
//! instances), with the path tracer's exposure analysis behind `exposed_to_internet`.
//!
//! Then a rescan that changes 1% of the nodes (one property each), evaluated both ways: in full,
//! and incrementally from the first evaluation (`rules::evaluate_since`), each with the exposure
//! analysis of the new graph that it needs.
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
    let graph = TenantGraph::build(inventory.nodes.clone(), inventory.edges.clone());
    let rule_set = RuleSet::builtin().expect("rules");
    let started = Instant::now();
    let exposure_report = pathtrace::analyse_internet_exposure(&graph);
    let exposure = Arc::new(support::Exposure(exposure_report.clone()));
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

    if interpreted {
        return;
    }

    // The rescan: every 100th node changes one property.
    let mut rescanned = inventory;
    for node in rescanned.nodes.iter_mut().step_by(100) {
        if let Some(properties) = node.properties.as_object_mut() {
            properties.insert("bench_revision".into(), serde_json::json!(2));
        }
    }
    let new_graph = TenantGraph::build(rescanned.nodes, rescanned.edges);
    let started = Instant::now();
    let new_exposure = pathtrace::analyse_internet_exposure(&new_graph);
    let full = rules::evaluate(
        &rule_set,
        &new_graph,
        Arc::new(support::Exposure(new_exposure)),
    );
    let full_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let new_exposure = pathtrace::analyse_internet_exposure(&new_graph);
    let exposure_seconds = started.elapsed().as_secs_f64();
    let exposure_changed = new_exposure.changed_since(&exposure_report);
    let incremental = rules::evaluate_since(
        &rule_set,
        &new_graph,
        Arc::new(support::Exposure(new_exposure.clone())),
        rules::PreviousEvaluation {
            graph: &graph,
            evaluation: &evaluation,
            exposure_changed: &exposure_changed,
        },
    );
    let incremental_seconds = started.elapsed().as_secs_f64();
    assert!(
        incremental.evaluation == full,
        "incremental and full differ"
    );
    println!(
        "rescan changing 1% of the nodes: full evaluation (exposure + rules) {full_seconds:.2} s; incremental {incremental_seconds:.2} s ({exposure_seconds:.2} s of it the exposure analysis; {} nodes evaluated, {} carried over, {} exposures changed) = {:.1}x less",
        incremental.evaluated_nodes,
        incremental.carried_over_nodes,
        exposure_changed.len(),
        full_seconds / incremental_seconds
    );
}
