//! Incremental evaluation against full evaluation: a generated estate goes through a sequence of
//! rescans with random changes (properties changed, broken or copied from a sibling of the same
//! type, renames, nodes added and removed, edges added, moved and removed), and after each one
//! `rules::evaluate_since`, starting from the previous scan's incremental results, must give
//! exactly what `rules::evaluate` gives on the new snapshot: every result, in the same order.

use std::collections::BTreeSet;
use std::sync::Arc;

use infracast::discovery::generate::generate_estate;
use infracast::graph::TenantGraph;
use infracast::model::{Edge, Inventory, NodeId, NodeType};
use infracast::pathtrace::{self, ExposureReport};
use infracast::rules::{self, Evaluation, PreviousEvaluation, RuleResult, RuleSet};
use serde_json::Value;

use crate::rule_compiled_vs_interpreted::{Lcg, TracedExposure, break_properties};

/// One scan of the estate as the engine holds it after evaluating.
struct Scan {
    graph: TenantGraph,
    exposure: ExposureReport,
    evaluation: Evaluation,
}

fn scan_of(inventory: &Inventory, evaluation: impl FnOnce(&TenantGraph) -> Evaluation) -> Scan {
    let graph = TenantGraph::build(inventory.nodes.clone(), inventory.edges.clone());
    let evaluation = evaluation(&graph);
    Scan {
        exposure: pathtrace::analyse_internet_exposure(&graph),
        graph,
        evaluation,
    }
}

fn traced(graph: &TenantGraph) -> Arc<TracedExposure> {
    Arc::new(TracedExposure(pathtrace::analyse_internet_exposure(graph)))
}

/// `graph` evaluated incrementally from `previous`: its exposure report, how many exposures
/// changed, and the evaluation.
fn since(
    rule_set: &RuleSet,
    graph: &TenantGraph,
    previous: &Scan,
) -> (ExposureReport, usize, rules::IncrementalEvaluation) {
    let exposure = pathtrace::analyse_internet_exposure(graph);
    let exposure_changed = exposure.changed_since(&previous.exposure);
    let incremental = rules::evaluate_since(
        rule_set,
        graph,
        Arc::new(TracedExposure(exposure.clone())),
        PreviousEvaluation {
            graph: &previous.graph,
            evaluation: &previous.evaluation,
            exposure_changed: &exposure_changed,
        },
    );
    let changed = exposure_changed.len();
    drop(exposure_changed);
    (exposure, changed, incremental)
}

/// Flips one top-level boolean property, if the node has any.
fn flip_a_boolean(properties: &mut Value, random: &mut Lcg) -> bool {
    let Some(fields) = properties.as_object_mut() else {
        return false;
    };
    let booleans: Vec<String> = fields
        .iter()
        .filter(|(_, value)| value.is_boolean())
        .map(|(key, _)| key.clone())
        .collect();
    if booleans.is_empty() {
        return false;
    }
    let key = &booleans[random.next() as usize % booleans.len()];
    let flipped = !fields[key].as_bool().unwrap_or(false);
    fields.insert(key.clone(), Value::Bool(flipped));
    true
}

/// A random node of `node_type` other than `not`, if there is one.
fn another_of_type<'inventory>(
    inventory: &'inventory Inventory,
    node_type: NodeType,
    not: &NodeId,
    random: &mut Lcg,
) -> Option<&'inventory NodeId> {
    let candidates: Vec<&NodeId> = inventory
        .nodes
        .iter()
        .filter(|node| node.node_type == node_type && &node.id != not)
        .map(|node| &node.id)
        .collect();
    (!candidates.is_empty()).then(|| candidates[random.next() as usize % candidates.len()])
}

/// Applies `changes` random changes to the inventory, as a rescan would find them.
fn rescan(inventory: &mut Inventory, changes: usize, random: &mut Lcg, scan: usize) {
    for change in 0..changes {
        let position = random.next() as usize % inventory.nodes.len();
        match random.next() % 9 {
            0 | 1 => {
                flip_a_boolean(&mut inventory.nodes[position].properties, random);
            }
            2 => break_properties(&mut inventory.nodes[position].properties, random),
            3 => {
                // A sibling's configuration: a closed group takes an open one's rules, a private
                // route table an internet gateway's route, an encrypted volume a plain one's.
                let node = &inventory.nodes[position];
                if let Some(sibling) =
                    another_of_type(inventory, node.node_type, &node.id, random).cloned()
                {
                    let properties = inventory
                        .nodes
                        .iter()
                        .find(|node| node.id == sibling)
                        .map(|node| node.properties.clone())
                        .unwrap_or_default();
                    inventory.nodes[position].properties = properties;
                }
            }
            4 => {
                let node = &mut inventory.nodes[position];
                node.name = format!("{}-renamed-{scan}", node.name);
                node.tags.insert("rescanned".to_string(), scan.to_string());
            }
            5 => {
                // Gone, with its edges (or, every other time, leaving them dangling).
                let gone = inventory.nodes.remove(position).id;
                if change % 2 == 0 {
                    inventory
                        .edges
                        .retain(|edge| edge.src != gone && edge.dst != gone);
                }
            }
            6 => {
                // A new node like an existing one, with the same outgoing edges.
                let mut added = inventory.nodes[position].clone();
                let raw = format!("{}-new-{scan}-{change}", added.id.resource_id());
                added.id = NodeId::aws(&added.region, added.node_type, &raw);
                let edges: Vec<Edge> = inventory
                    .edges
                    .iter()
                    .filter(|edge| edge.src == inventory.nodes[position].id)
                    .map(|edge| Edge::new(edge.kind, added.id.clone(), edge.dst.clone()))
                    .collect();
                inventory.nodes.push(added);
                inventory.edges.extend(edges);
            }
            7 => {
                // An edge moved to another node of the same type: an instance changes groups or
                // subnets, a subnet changes route tables.
                if inventory.edges.is_empty() {
                    continue;
                }
                let edge = random.next() as usize % inventory.edges.len();
                let (kind, src, dst) = {
                    let edge = &inventory.edges[edge];
                    (edge.kind, edge.src.clone(), edge.dst.clone())
                };
                if let Some(other) =
                    another_of_type(inventory, dst.node_type(), &dst, random).cloned()
                {
                    inventory.edges[edge] = Edge::new(kind, src, other);
                }
            }
            _ => {
                // An edge gone, or (every other time) one more like an existing one.
                if inventory.edges.is_empty() {
                    continue;
                }
                let edge = random.next() as usize % inventory.edges.len();
                if change % 2 == 0 {
                    inventory.edges.remove(edge);
                } else {
                    let copy = inventory.edges[edge].clone();
                    let node = &inventory.nodes[position];
                    if node.node_type == copy.src.node_type() {
                        inventory
                            .edges
                            .push(Edge::new(copy.kind, node.id.clone(), copy.dst));
                    }
                }
            }
        }
    }
}

/// The first result where two evaluations differ, for the failure message.
fn first_difference<'a>(
    incremental: &'a [RuleResult],
    full: &'a [RuleResult],
) -> Option<(Option<&'a RuleResult>, Option<&'a RuleResult>)> {
    (0..incremental.len().max(full.len()))
        .map(|position| (incremental.get(position), full.get(position)))
        .find(|(incremental, full)| incremental != full)
}

#[test]
fn an_incremental_evaluation_equals_a_full_one_over_a_sequence_of_random_rescans() {
    let rule_set = RuleSet::builtin().expect("the shipped pack loads");
    let mut inventory = generate_estate(1_500, 23);
    let mut random = Lcg(1403);
    let first = scan_of(&inventory, |graph| {
        rules::evaluate(&rule_set, graph, traced(graph))
    });
    let mut previous = first;
    let mut verdicts_moved = 0;
    let mut exposures_moved = 0;
    // About 1% of the nodes per rescan, then a larger one.
    for (scan, changes) in [(1, 60), (2, 60), (3, 60), (4, 60), (5, 400)] {
        rescan(&mut inventory, changes, &mut random, scan);
        let graph = TenantGraph::build(inventory.nodes.clone(), inventory.edges.clone());
        let full = rules::evaluate(&rule_set, &graph, traced(&graph));
        let (exposure, exposures_changed, incremental) = since(&rule_set, &graph, &previous);
        assert!(
            incremental.evaluation == full,
            "rescan {scan}: incremental ({} results, {} failed) and full ({} results, {} failed) differ first at {:#?}",
            incremental.evaluation.results.len(),
            incremental.evaluation.failed,
            full.results.len(),
            full.failed,
            first_difference(&incremental.evaluation.results, &full.results)
        );
        // It did less than a full evaluation (far less after a 1% change), and not nothing.
        let judged = incremental.evaluated_nodes + incremental.carried_over_nodes;
        assert!(
            incremental.evaluated_nodes > 0 && incremental.evaluated_nodes < judged,
            "rescan {scan}: evaluated {} of {judged} nodes",
            incremental.evaluated_nodes
        );
        if changes < 100 {
            assert!(
                incremental.evaluated_nodes * 2 < judged,
                "rescan {scan}: evaluated {} of {judged} nodes",
                incremental.evaluated_nodes
            );
        }
        // The changes moved verdicts and exposures (the comparison is not between two copies
        // of the first scan's results).
        let before: BTreeSet<(&str, &str)> = failing(&previous.evaluation);
        let after: BTreeSet<(&str, &str)> = failing(&full);
        verdicts_moved += before.symmetric_difference(&after).count();
        exposures_moved += exposures_changed;
        previous = Scan {
            graph,
            exposure,
            evaluation: incremental.evaluation,
        };
    }
    assert!(verdicts_moved > 50, "{verdicts_moved} verdicts moved");
    assert!(exposures_moved > 5, "{exposures_moved} exposures moved");
}

fn failing(evaluation: &Evaluation) -> BTreeSet<(&str, &str)> {
    evaluation
        .results
        .iter()
        .filter(|result| result.status == rules::RuleStatus::Fail)
        .map(|result| (&*result.rule_id, result.node_id.as_str()))
        .collect()
}

#[test]
fn an_evaluation_since_an_unchanged_snapshot_evaluates_nothing_and_carries_everything() {
    let rule_set = RuleSet::builtin().expect("the shipped pack loads");
    let inventory = generate_estate(300, 5);
    let previous = scan_of(&inventory, |graph| {
        rules::evaluate(&rule_set, graph, traced(graph))
    });
    let graph = TenantGraph::build(inventory.nodes.clone(), inventory.edges.clone());
    let (_, exposures_changed, incremental) = since(&rule_set, &graph, &previous);
    assert_eq!(exposures_changed, 0);
    assert_eq!(incremental.evaluated_nodes, 0);
    // Every instance at least (each is judged by several rules).
    assert!(
        incremental.carried_over_nodes > 300,
        "{}",
        incremental.carried_over_nodes
    );
    assert!(incremental.evaluation == previous.evaluation);
    assert!(previous.evaluation.failed > 100);
}
