//! Parallel, deterministic evaluation of a rule set over a graph snapshot. Each node a rule
//! targets is converted to a CEL value once (not once per rule); rayon spreads nodes over threads,
//! each with its own CEL context; results come back sorted by rule id then node id.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::{Context, ExecutionError, FunctionContext, Value};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::load::RuleSet;
use crate::graph::TenantGraph;
use crate::model::{EdgeKind, Node, NodeId, Severity};

/// What the exposure analysis says about a node and port.
#[derive(Debug, Clone, PartialEq)]
pub enum ExposureAnswer {
    Exposed {
        proof: serde_json::Value,
    },
    NotExposed,
    /// No analysis is available: a rule asking fails loudly (ERROR), never passes.
    Unknown,
}

/// Answers `exposed_to_internet(port, protocol)` for rules.
pub trait InternetExposure: Send + Sync {
    fn is_exposed(&self, node_id: &NodeId, port: u16, protocol: &str) -> ExposureAnswer;
}

/// Used when no exposure analysis exists.
pub struct NoExposureAnalysis;

impl InternetExposure for NoExposureAnalysis {
    fn is_exposed(&self, _node_id: &NodeId, _port: u16, _protocol: &str) -> ExposureAnswer {
        ExposureAnswer::Unknown
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleStatus {
    Pass,
    Fail,
    Error,
}

/// One rule judged on one node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    pub rule_id: String,
    pub rule_version: i64,
    pub node_id: NodeId,
    pub severity: Severity,
    pub status: RuleStatus,
    /// Why it failed (the rule's sentence) or why it could not be decided.
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub results: Vec<RuleResult>,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

impl Evaluation {
    /// Ids of rules that errored on some node (they must resolve nothing).
    pub fn errored_rules(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .results
            .iter()
            .filter(|result| result.status == RuleStatus::Error)
            .map(|result| result.rule_id.clone())
            .collect();
        ids.dedup();
        ids
    }
}

fn neighbour_json(node: &Node) -> serde_json::Value {
    json!({"id": node.id.as_str(), "type": node.node_type.as_str(), "name": node.name, "region": node.region, "account": node.account, "tags": node.tags, "properties": node.properties})
}

/// The CEL view of a node; `__related` holds neighbours by edge kind when a rule needs them.
fn resource_value(graph: &TenantGraph, node: &Node, related_kinds: &[EdgeKind]) -> Value {
    let mut resource = neighbour_json(node);
    if !related_kinds.is_empty() {
        let mut related = serde_json::Map::new();
        for kind in related_kinds {
            let neighbours: Vec<serde_json::Value> = graph
                .related(&node.id, *kind)
                .iter()
                .map(|neighbour| neighbour_json(neighbour.node))
                .collect();
            related.insert(
                kind.as_str().to_string(),
                serde_json::Value::Array(neighbours),
            );
        }
        resource["__related"] = serde_json::Value::Object(related);
    }
    cel::to_value(&resource).unwrap_or(Value::Null)
}

fn resource_field(ftx: &FunctionContext, field: &str) -> Result<Value, ExecutionError> {
    let resource = ftx
        .ptx
        .get_variable("resource")
        .ok_or_else(|| ftx.error("no resource in scope"))?;
    let resource = Value::try_from(&*resource).map_err(|_| ftx.error("resource is not a value"))?;
    match resource {
        Value::Map(map) => Ok(map
            .map
            .get(&cel::objects::Key::String(Arc::new(field.to_string())))
            .cloned()
            .unwrap_or(Value::Null)),
        _ => Err(ftx.error("resource is not a map")),
    }
}

fn root_context(exposure: Arc<dyn InternetExposure>) -> Context<'static, 'static> {
    let mut context = Context::default();
    let _ = context.add_function(
        "related",
        |ftx: &FunctionContext, kind: Arc<String>| -> Result<Value, ExecutionError> {
            if EdgeKind::parse(&kind).is_err() {
                return Err(ftx.error(format!("related(): unknown edge kind `{kind}`")));
            }
            match resource_field(ftx, "__related")? {
                Value::Map(map) => Ok(map
                    .map
                    .get(&cel::objects::Key::String(kind))
                    .cloned()
                    .unwrap_or(Value::List(Arc::new(Vec::new())))),
                _ => Ok(Value::List(Arc::new(Vec::new()))),
            }
        },
    );
    let _ = context.add_function(
        "exposed_to_internet",
        move |ftx: &FunctionContext,
              port: i64,
              protocol: Arc<String>|
              -> Result<bool, ExecutionError> {
            let Value::String(id) = resource_field(ftx, "id")? else {
                return Err(ftx.error("resource has no id"));
            };
            let node_id = NodeId::parse(&id).map_err(|error| ftx.error(error.to_string()))?;
            let port = u16::try_from(port)
                .map_err(|_| ftx.error("exposed_to_internet(): port must be 0-65535"))?;
            match exposure.is_exposed(&node_id, port, &protocol) {
                ExposureAnswer::Exposed { .. } => Ok(true),
                ExposureAnswer::NotExposed => Ok(false),
                ExposureAnswer::Unknown => {
                    Err(ftx
                        .error("exposed_to_internet(): no internet-exposure analysis is available"))
                }
            }
        },
    );
    context
}

/// Evaluates every rule on every node of its resource type.
pub fn evaluate(
    rules: &RuleSet,
    graph: &TenantGraph,
    exposure: Arc<dyn InternetExposure>,
) -> Evaluation {
    let mut rules_by_type: BTreeMap<crate::model::NodeType, Vec<&super::Rule>> = BTreeMap::new();
    for rule in rules.rules() {
        rules_by_type.entry(rule.resource).or_default().push(rule);
    }
    let nodes: Vec<(&Node, &Vec<&super::Rule>)> = rules_by_type
        .iter()
        .flat_map(|(node_type, rules)| {
            graph
                .nodes_of_type(*node_type)
                .map(move |node| (node, rules))
        })
        .collect();
    let mut results: Vec<RuleResult> = nodes
        .par_iter()
        .map_init(
            || root_context(exposure.clone()),
            |root, (node, rules)| {
                let mut related_kinds: Vec<EdgeKind> = rules
                    .iter()
                    .flat_map(|rule| rule.related_kinds.iter().copied())
                    .collect();
                related_kinds.sort();
                related_kinds.dedup();
                let mut scope = root.new_inner_scope();
                scope.add_variable_from_value(
                    "resource",
                    resource_value(graph, node, &related_kinds),
                );
                rules
                    .iter()
                    .map(|rule| {
                        let (status, reason) = match rule.program.execute(&scope) {
                            Ok(Value::Bool(true)) => (RuleStatus::Fail, rule.reason_for(node)),
                            Ok(Value::Bool(false)) => (RuleStatus::Pass, String::new()),
                            Ok(other) => (
                                RuleStatus::Error,
                                format!("condition returned {other:?}, not a boolean"),
                            ),
                            Err(error) => (RuleStatus::Error, format!("condition failed: {error}")),
                        };
                        RuleResult {
                            rule_id: rule.id.clone(),
                            rule_version: rule.version,
                            node_id: node.id.clone(),
                            severity: rule.severity,
                            status,
                            reason,
                        }
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten()
        .collect();
    results.sort_by(|left, right| {
        (&left.rule_id, &left.node_id).cmp(&(&right.rule_id, &right.node_id))
    });
    let count = |status: RuleStatus| {
        results
            .iter()
            .filter(|result| result.status == status)
            .count()
    };
    Evaluation {
        passed: count(RuleStatus::Pass),
        failed: count(RuleStatus::Fail),
        errors: count(RuleStatus::Error),
        results,
    }
}
