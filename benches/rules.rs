//! Rule evaluation benchmark: the full shipped pack over a generated estate (default 100k
//! instances), with the path tracer's exposure analysis behind `exposed_to_internet`.
//!
//! Then two rescans that each change 1% of the nodes (one property each), evaluated both ways: in
//! full, and incrementally from the previous evaluation (`rules::evaluate_since`), each with the
//! exposure analysis of the new graph that it needs. The second is the steady state of hourly
//! rescans (the previous snapshot's content hashes are at hand).
//!
//! Run: `cargo bench --bench rules` (env `INSTANCES`; `RULES_PATH=interpreted` runs every
//! condition through the cel interpreter instead of the compiled form, the old way).

use std::sync::Arc;
use std::time::Instant;

use infracast::discovery::generate::generate_estate;
use infracast::graph::TenantGraph;
use infracast::model::{Inventory, node_content_hash};
use infracast::pathtrace;
use infracast::rules::{self, RuleSet};

mod support;

fn main() {
    infracast::allocator::keep_freed_memory_between_stages();
    let instances: usize = std::env::var("INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let inventory = generate_estate(instances, 42);
    let (graph, _) = snapshot_of(&inventory);
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

    // Two rescans, each changing one property of every 100th node (a different hundredth each
    // time). The first starts from the full evaluation above; the second from the first's
    // incremental one, as every hourly rescan after the first does.
    let mut previous = (graph, exposure_report, evaluation);
    let mut inventory = inventory;
    for (rescan, offset) in [("first", 0), ("steady-state", 50)] {
        for node in inventory.nodes.iter_mut().skip(offset).step_by(100) {
            if let Some(properties) = node.properties.as_object_mut() {
                properties.insert("bench_revision".into(), serde_json::json!(rescan));
            }
        }
        let (new_graph, hashing_seconds) = snapshot_of(&inventory);
        let started = Instant::now();
        let new_exposure = Arc::new(support::Exposure(pathtrace::analyse_internet_exposure(
            &new_graph,
        )));
        let exposure_seconds = started.elapsed().as_secs_f64();
        // Both evaluations read the same exposure analysis; each is timed on its own.
        let started = Instant::now();
        let full = rules::evaluate(&rule_set, &new_graph, new_exposure.clone());
        let full_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let (previous_graph, previous_exposure, previous_evaluation) = &previous;
        let exposure_changed = new_exposure.0.changed_since(previous_exposure);
        let incremental = rules::evaluate_since(
            &rule_set,
            &new_graph,
            new_exposure.clone(),
            rules::PreviousEvaluation {
                graph: previous_graph,
                evaluation: previous_evaluation,
                exposure_changed: &exposure_changed,
            },
        );
        let incremental_seconds = started.elapsed().as_secs_f64();
        assert!(
            incremental.evaluation == full,
            "incremental and full differ"
        );
        println!(
            "{rescan} rescan changing 1% of the nodes: rules in full {full_seconds:.3} s, incrementally {incremental_seconds:.3} s = {:.1}% ({} nodes evaluated, {} carried over, {} exposures changed); with the exposure analysis both need ({exposure_seconds:.2} s): {:.2} s against {:.2} s; the reconcile's content hashes of the nodes, not counted, took {hashing_seconds:.2} s",
            100.0 * incremental_seconds / full_seconds,
            incremental.evaluated_nodes,
            incremental.carried_over_nodes,
            exposure_changed.len(),
            exposure_seconds + incremental_seconds,
            exposure_seconds + full_seconds,
        );
        drop(exposure_changed);
        let exposure_report = Arc::try_unwrap(new_exposure)
            .map(|exposure| exposure.0)
            .unwrap_or_else(|_| panic!("the evaluation kept the exposure"));
        previous = (new_graph, exposure_report, incremental.evaluation);
    }
}

/// The snapshot a job builds of `inventory`: with the node content hashes its reconcile computed
/// (and stored with the rows), which `touched_since` then compares instead of hashing again; and
/// how long computing them took (the reconcile's cost, part of writing only what changed).
fn snapshot_of(inventory: &Inventory) -> (TenantGraph, f64) {
    use rayon::prelude::*;
    let started = Instant::now();
    let hashes: Vec<i64> = inventory.nodes.par_iter().map(node_content_hash).collect();
    let hashing_seconds = started.elapsed().as_secs_f64();
    let nodes = inventory
        .nodes
        .iter()
        .cloned()
        .zip(hashes.into_iter().map(Some))
        .collect();
    (
        TenantGraph::build_with_content_hashes(nodes, inventory.edges.clone()),
        hashing_seconds,
    )
}
