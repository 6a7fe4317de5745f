//! Incremental evaluation: the rule pack's results on a new snapshot of a tenant, computed from
//! the previous snapshot's results by evaluating again only the nodes whose results may differ
//! and carrying the others' results over. The answer is, by construction and by test
//! (`tests/engine/rule_incremental.rs`), the full evaluation's: same results in the same order.
//!
//! A node's results read only its own fields, its neighbours over the edge kinds its type's rules
//! ask `related()` for (which ones, and their fields), and the exposure answers about itself. So
//! a node is evaluated again when it is new or changed, when an edge of one of those kinds at it
//! appeared or went, when a neighbour over one of them changed, or when its exposure did. Pure:
//! no IO, and it must not guess: anything it cannot rule out is evaluated again.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::evaluate::{ConditionPath, related_kinds_by_type, results_along};
use super::{Evaluation, InternetExposure, RuleResult, RuleSet};
use crate::graph::TenantGraph;
use crate::model::{Node, NodeId};

/// What the previous evaluation of the tenant read and found.
#[derive(Debug, Clone, Copy)]
pub struct PreviousEvaluation<'previous> {
    /// The snapshot it read.
    pub graph: &'previous TenantGraph,
    /// Its results, made by the same rule set as the evaluation that carries them over.
    pub evaluation: &'previous Evaluation,
    /// The resources whose exposure answers may differ now from those it read
    /// (`pathtrace::ExposureReport::changed_since`).
    pub exposure_changed: &'previous BTreeSet<&'previous str>,
}

/// An incremental evaluation and the work it did.
#[derive(Debug, Clone, PartialEq)]
pub struct IncrementalEvaluation {
    /// Equal to a full evaluation of the snapshot.
    pub evaluation: Evaluation,
    /// Nodes whose rules ran.
    pub evaluated_nodes: usize,
    /// Nodes whose results were carried over from the previous evaluation.
    pub carried_over_nodes: usize,
}

/// The rule pack's results on `graph`, evaluating only what may have changed since `previous`.
pub fn evaluate_since(
    rules: &RuleSet,
    graph: &TenantGraph,
    exposure: Arc<dyn InternetExposure>,
    previous: PreviousEvaluation<'_>,
) -> IncrementalEvaluation {
    let kinds_by_type = related_kinds_by_type(rules);
    let touched = graph.touched_since(previous.graph);
    let mut dirty: HashSet<NodeId> = HashSet::with_capacity(touched.len());
    for id in &touched {
        // Neighbours in both snapshots: a gone node's neighbours are found in the previous one
        // (their edge to it is gone as well, so they are touched anyway: this is belt and braces).
        for side in [graph, previous.graph] {
            let mut neighbours = side.outgoing(id, None);
            neighbours.extend(side.incoming(id, None));
            for neighbour in neighbours {
                let read_by_its_rules = kinds_by_type
                    .get(&neighbour.node.node_type)
                    .is_some_and(|kinds| kinds.contains(&neighbour.kind));
                if read_by_its_rules {
                    dirty.insert(neighbour.node.id.clone());
                }
            }
        }
    }
    dirty.extend(touched);
    let evaluated_again =
        |id: &NodeId| dirty.contains(id) || previous.exposure_changed.contains(id.as_str());
    let (fresh, evaluated_nodes) = results_along(
        rules,
        graph,
        exposure,
        ConditionPath::Compiled,
        &|node: &Node| evaluated_again(&node.id),
    );
    // Both lists are in rule position, then node id order: merged rule by rule, each rule's
    // carried results filtered by one walk alongside the nodes evaluated again (in id order),
    // not a hash lookup per result (a million of them).
    let mut evaluated_again_in_order: Vec<&str> = dirty
        .iter()
        .map(NodeId::as_str)
        .chain(previous.exposure_changed.iter().copied())
        .collect();
    evaluated_again_in_order.par_sort_unstable();
    evaluated_again_in_order.dedup();
    let fresh_by_rule = runs_by_rule(&fresh);
    let previous_by_rule = runs_by_rule(&previous.evaluation.results);
    let merged: Vec<Vec<RuleResult>> = rules
        .rules()
        .par_iter()
        .map(|rule| {
            let fresh = fresh_by_rule
                .get(rule.id.as_str())
                .map_or(&[][..], |range| &fresh[range.clone()]);
            let carried = previous_by_rule
                .get(rule.id.as_str())
                .map_or(&[][..], |range| &previous.evaluation.results[range.clone()]);
            let mut results = Vec::with_capacity(fresh.len() + carried.len());
            let mut fresh = fresh.iter().peekable();
            let mut again = evaluated_again_in_order.iter().peekable();
            for old in carried {
                let id = old.node_id.as_str();
                while again.next_if(|again| **again < id).is_some() {}
                if again.next_if(|again| **again == id).is_some() {
                    continue;
                }
                while let Some(new) = fresh.next_if(|new| new.node_id < old.node_id) {
                    results.push(new.clone());
                }
                results.push(old.clone());
            }
            results.extend(fresh.cloned());
            results
        })
        .collect();
    let targets: usize = kinds_by_type
        .keys()
        .map(|node_type| graph.count_of_type(*node_type))
        .sum();
    // One allocation of the final size: growing it by doubling copied 100 MB several times.
    let mut all = Vec::with_capacity(merged.iter().map(Vec::len).sum());
    for results in merged {
        all.extend(results);
    }
    let evaluation = Evaluation::counted(all);
    IncrementalEvaluation {
        evaluation,
        evaluated_nodes,
        carried_over_nodes: targets - evaluated_nodes,
    }
}

/// The rule pack's results on `graph`, every node evaluated: what `evaluate_since` does when there
/// is no previous evaluation to start from, counted the same way (nothing carried over).
pub fn evaluate_counted(
    rules: &RuleSet,
    graph: &TenantGraph,
    exposure: Arc<dyn InternetExposure>,
) -> IncrementalEvaluation {
    let (results, evaluated_nodes) =
        results_along(rules, graph, exposure, ConditionPath::Compiled, &|_| true);
    IncrementalEvaluation {
        evaluation: Evaluation::counted(results),
        evaluated_nodes,
        carried_over_nodes: 0,
    }
}

/// Where each rule's results are in `results` (each rule's are contiguous): one lookup per rule,
/// not per result.
fn runs_by_rule(results: &[RuleResult]) -> HashMap<&str, std::ops::Range<usize>> {
    let mut runs: HashMap<&str, std::ops::Range<usize>> = HashMap::new();
    let mut start = 0;
    for position in 1..=results.len() {
        let run_ends = results.get(position).is_none_or(|next| {
            let first = &results[start].rule_id;
            !Arc::ptr_eq(first, &next.rule_id) && first != &next.rule_id
        });
        if run_ends {
            runs.insert(&results[start].rule_id, start..position);
            start = position;
        }
    }
    runs
}
