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
use crate::model::{NodeId, NodeType};

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
    // The nodes evaluated again, by type and in id order: the targets of the evaluation, and
    // where each rule's carried results are cut.
    let again_by_type = evaluated_again_by_type(graph, previous, &dirty);
    let (fresh, evaluated_nodes) = results_along(
        rules,
        graph,
        exposure,
        ConditionPath::Compiled,
        &|node_type| {
            again_by_type
                .get(&node_type)
                .into_iter()
                .flatten()
                .filter_map(|id| graph.node(id))
                .collect()
        },
    );
    // Both lists are in rule position, then node id order. Each rule's carried results are cut
    // where the nodes of its type evaluated again sit, and the pieces and the fresh results
    // copied in order into one list of the final size: a walk comparing every carried result's
    // id, into a list per rule, cost three times the copying itself.
    let fresh_by_rule = runs_by_rule(&fresh);
    let previous_by_rule = runs_by_rule(&previous.evaluation.results);
    let pieces_by_rule: Vec<Vec<Piece<'_>>> = rules
        .rules()
        .par_iter()
        .map(|rule| {
            let fresh = fresh_by_rule
                .get(rule.id.as_str())
                .map_or(&[][..], |range| &fresh[range.clone()]);
            let carried = previous_by_rule
                .get(rule.id.as_str())
                .map_or(&[][..], |range| &previous.evaluation.results[range.clone()]);
            let again = again_by_type
                .get(&rule.resource)
                .map_or(&[][..], Vec::as_slice);
            pieces_of_rule(carried, fresh, again)
        })
        .collect();
    let total: usize = pieces_by_rule
        .iter()
        .flatten()
        .map(|piece| piece.len())
        .sum();
    let mut all = Vec::with_capacity(total);
    for piece in pieces_by_rule.iter().flatten() {
        match piece {
            Piece::Carried(results) => all.extend_from_slice(results),
            Piece::Fresh(result) => all.push((*result).clone()),
        }
    }
    let targets: usize = kinds_by_type
        .keys()
        .map(|node_type| graph.count_of_type(*node_type))
        .sum();
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
    let (results, evaluated_nodes) = results_along(
        rules,
        graph,
        exposure,
        ConditionPath::Compiled,
        &|node_type| graph.nodes_of_type(node_type).collect(),
    );
    IncrementalEvaluation {
        evaluation: Evaluation::counted(results),
        evaluated_nodes,
        carried_over_nodes: 0,
    }
}

/// A run of one rule's results in the merged list: carried over, or evaluated again.
enum Piece<'results> {
    Carried(&'results [RuleResult]),
    Fresh(&'results RuleResult),
}

impl Piece<'_> {
    fn len(&self) -> usize {
        match self {
            Piece::Carried(results) => results.len(),
            Piece::Fresh(_) => 1,
        }
    }
}

/// One rule's merged results as pieces, in node id order: its `carried` results but those of the
/// nodes in `again` (its resource type's nodes evaluated again, in id order), and its `fresh`
/// results (of nodes in `again`) where they belong.
fn pieces_of_rule<'results>(
    carried: &'results [RuleResult],
    fresh: &'results [RuleResult],
    again: &[NodeId],
) -> Vec<Piece<'results>> {
    let mut pieces = Vec::with_capacity(2 * again.len() + 1);
    let mut fresh = fresh.iter().peekable();
    let mut cursor = 0;
    for id in again {
        let id = id.as_str();
        let before = cursor + first_not_before(&carried[cursor..], id);
        if before > cursor {
            pieces.push(Piece::Carried(&carried[cursor..before]));
        }
        cursor = before;
        if carried
            .get(cursor)
            .is_some_and(|old| old.node_id.as_str() == id)
        {
            cursor += 1;
        }
        while let Some(new) = fresh.next_if(|new| new.node_id.as_str() <= id) {
            pieces.push(Piece::Fresh(new));
        }
    }
    if cursor < carried.len() {
        pieces.push(Piece::Carried(&carried[cursor..]));
    }
    // Every fresh result is of a node in `again`; any left would be one whose type and id
    // disagree, and is kept rather than lost (the equality tests would see the order).
    pieces.extend(fresh.map(Piece::Fresh));
    pieces
}

/// The position of the first of `results` (in node id order) whose node is not before `id`. By
/// galloping from the start: the next node evaluated again is usually a few dozen results on,
/// and a binary search over the whole rest touched ids all over memory (a cache miss each).
fn first_not_before(results: &[RuleResult], id: &str) -> usize {
    let before = |result: &RuleResult| result.node_id.as_str() < id;
    let mut bound = 1;
    while bound <= results.len() && before(&results[bound - 1]) {
        bound *= 2;
    }
    // Everything before `bound / 2` is before `id`; the first that is not is below `bound`.
    let low = bound / 2;
    let high = bound.min(results.len());
    low + results[low..high].partition_point(before)
}

/// The nodes evaluated again (`dirty`, and those whose exposure changed) by their type in either
/// snapshot, each type's in id order.
fn evaluated_again_by_type(
    graph: &TenantGraph,
    previous: PreviousEvaluation<'_>,
    dirty: &HashSet<NodeId>,
) -> HashMap<NodeType, Vec<NodeId>> {
    let mut by_type: HashMap<NodeType, Vec<NodeId>> = HashMap::new();
    let exposure_changed = previous
        .exposure_changed
        .iter()
        .filter_map(|id| NodeId::parse(id).ok());
    for id in dirty.iter().cloned().chain(exposure_changed) {
        for side in [graph, previous.graph] {
            if let Some(node) = side.node(&id) {
                by_type.entry(node.node_type).or_default().push(id.clone());
            }
        }
    }
    for ids in by_type.values_mut() {
        ids.sort_unstable();
        ids.dedup();
    }
    by_type
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
