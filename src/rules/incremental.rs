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
    // Both lists are in rule position, then node id order: merged rule by rule.
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
            let mut results = Vec::with_capacity(fresh.len().max(carried.len()));
            let mut fresh = fresh.iter().peekable();
            let mut carried = carried
                .iter()
                .filter(|result| !evaluated_again(&result.node_id))
                .peekable();
            loop {
                let take_fresh = match (fresh.peek(), carried.peek()) {
                    (None, None) => break,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (Some(new), Some(old)) => new.node_id < old.node_id,
                };
                let next = if take_fresh {
                    fresh.next()
                } else {
                    carried.next()
                };
                results.extend(next.cloned());
            }
            results
        })
        .collect();
    let targets: usize = kinds_by_type
        .keys()
        .map(|node_type| graph.count_of_type(*node_type))
        .sum();
    IncrementalEvaluation {
        evaluation: Evaluation::counted(merged.into_iter().flatten().collect()),
        evaluated_nodes,
        carried_over_nodes: targets - evaluated_nodes,
    }
}

/// Where each rule's results are in `results` (each rule's are contiguous).
fn runs_by_rule(results: &[RuleResult]) -> HashMap<&str, std::ops::Range<usize>> {
    let mut runs: HashMap<&str, std::ops::Range<usize>> = HashMap::new();
    for (position, result) in results.iter().enumerate() {
        runs.entry(result.rule_id.as_str())
            .and_modify(|range| range.end = position + 1)
            .or_insert(position..position + 1);
    }
    runs
}
