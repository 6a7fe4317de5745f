//! Parallel, deterministic evaluation of a rule set over a graph snapshot. Compiled conditions
//! (`compile`) read node JSON directly; a rule that did not compile, and a compiled evaluation
//! that ends in an error, goes through the cel interpreter, which reads CEL values of the node
//! and its `related()` neighbours (converted once per evaluation and shared on the interpreted
//! path, per node when needed on the compiled one). rayon spreads nodes over threads, each with
//! its own CEL context; results come back sorted by rule id then node id.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, FunctionContext, Value};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::compile::Subject;
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
    /// Shared by all of the rule's results (an incremental evaluation carries a million over).
    pub rule_id: Arc<str>,
    pub rule_version: i64,
    pub node_id: NodeId,
    pub severity: Severity,
    pub status: RuleStatus,
    /// Why it failed (the rule's sentence) or why it could not be decided; empty on a pass.
    pub reason: Arc<str>,
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
            .map(|result| result.rule_id.to_string())
            .collect();
        ids.dedup();
        ids
    }
}

fn neighbour_json(node: &Node) -> serde_json::Value {
    json!({"id": node.id.as_str(), "type": node.node_type.as_str(), "name": node.name, "region": node.region, "account": node.account, "tags": node.tags, "properties": node.properties})
}

/// CEL values of the nodes an evaluation reads (the nodes rules target and their neighbours over
/// the edge kinds rules ask `related()` for), each converted once and shared: CEL values are
/// reference-counted, so handing a neighbour to a thousand resources costs a thousand clones of
/// a pointer, not a thousand conversions.
struct NodeValues<'graph> {
    by_id: HashMap<&'graph NodeId, Value>,
}

impl<'graph> NodeValues<'graph> {
    fn convert(graph: &'graph TenantGraph, targets: &[(&'graph Node, Vec<EdgeKind>)]) -> Self {
        let mut wanted: HashMap<&'graph NodeId, &'graph Node> = HashMap::new();
        for (node, kinds) in targets {
            wanted.insert(&node.id, node);
            for kind in kinds {
                for neighbour in graph.related(&node.id, *kind) {
                    wanted.insert(&neighbour.node.id, neighbour.node);
                }
            }
        }
        let nodes: Vec<&'graph Node> = wanted.into_values().collect();
        let by_id = nodes
            .par_iter()
            .map(|node| {
                let value = cel::to_value(neighbour_json(node)).unwrap_or(Value::Null);
                (&node.id, value)
            })
            .collect();
        NodeValues { by_id }
    }

    fn get(&self, id: &NodeId) -> Value {
        self.by_id.get(id).cloned().unwrap_or(Value::Null)
    }

    /// The CEL view of a node; `__related` holds neighbours by edge kind when a rule needs them.
    fn resource(&self, graph: &TenantGraph, node: &Node, related_kinds: &[EdgeKind]) -> Value {
        let base = self.get(&node.id);
        if related_kinds.is_empty() {
            return base;
        }
        let Value::Map(map) = base else {
            return base;
        };
        let mut related = HashMap::new();
        for kind in related_kinds {
            let neighbours: Vec<Value> = graph
                .related(&node.id, *kind)
                .iter()
                .map(|neighbour| self.get(&neighbour.node.id))
                .collect();
            related.insert(
                Key::String(Arc::new(kind.as_str().to_string())),
                Value::List(Arc::new(neighbours)),
            );
        }
        let mut fields = (*map.map).clone();
        fields.insert(
            Key::String(Arc::new("__related".to_string())),
            Value::Map(Map {
                map: Arc::new(related),
            }),
        );
        Value::Map(Map {
            map: Arc::new(fields),
        })
    }
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

/// Which way conditions run: compiled where a rule compiled (the engine's way), or every rule
/// through the cel interpreter (the reference the compiled form is tested against).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConditionPath {
    Compiled,
    Interpreted,
}

/// Evaluates every rule on every node of its resource type: compiled conditions natively, the
/// rest (and any compiled evaluation that ends in an error or in a shape the compiled form does
/// not model) through the cel interpreter, so verdicts and reasons are the interpreter's.
pub fn evaluate(
    rules: &RuleSet,
    graph: &TenantGraph,
    exposure: Arc<dyn InternetExposure>,
) -> Evaluation {
    evaluate_along(rules, graph, exposure, ConditionPath::Compiled)
}

/// Evaluates every rule through the cel interpreter only: the reference for the differential
/// test of the compiled conditions (and their benchmark), not for the engine.
pub fn evaluate_interpreted(
    rules: &RuleSet,
    graph: &TenantGraph,
    exposure: Arc<dyn InternetExposure>,
) -> Evaluation {
    evaluate_along(rules, graph, exposure, ConditionPath::Interpreted)
}

/// One rule judged by the interpreter on a node's CEL view.
fn interpret(
    rule: &super::Rule,
    node: &Node,
    root: &Context<'static, 'static>,
    resource: &Value,
) -> (RuleStatus, Arc<str>) {
    let mut scope = root.new_inner_scope();
    scope.add_variable_from_value("resource", resource.clone());
    match rule.program.execute(&scope) {
        Ok(Value::Bool(true)) => (RuleStatus::Fail, rule.shared_reason_for(node)),
        Ok(Value::Bool(false)) => (RuleStatus::Pass, rule.no_reason.clone()),
        Ok(other) => (
            RuleStatus::Error,
            format!("condition returned {other:?}, not a boolean").into(),
        ),
        Err(error) => (
            RuleStatus::Error,
            format!("condition failed: {error}").into(),
        ),
    }
}

fn evaluate_along(
    rules: &RuleSet,
    graph: &TenantGraph,
    exposure: Arc<dyn InternetExposure>,
    path: ConditionPath,
) -> Evaluation {
    let (results, _) = results_along(rules, graph, exposure, path, &|node_type| {
        graph.nodes_of_type(node_type).collect()
    });
    Evaluation::counted(results)
}

impl Evaluation {
    /// An evaluation of these results (in rule, then node order), counted.
    pub(super) fn counted(results: Vec<RuleResult>) -> Evaluation {
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
}

/// The edge kinds any rule of each resource type asks `related()` for: the neighbours a node's
/// results depend on (the interpreter's view of a node carries exactly these).
pub(super) fn related_kinds_by_type(
    rules: &RuleSet,
) -> BTreeMap<crate::model::NodeType, Vec<EdgeKind>> {
    let mut kinds_by_type: BTreeMap<crate::model::NodeType, Vec<EdgeKind>> = BTreeMap::new();
    for rule in rules.rules() {
        kinds_by_type
            .entry(rule.resource)
            .or_default()
            .extend(rule.related_kinds.iter().copied());
    }
    for kinds in kinds_by_type.values_mut() {
        kinds.sort();
        kinds.dedup();
    }
    kinds_by_type
}

/// Every rule's results on the nodes of its resource type that `targets_of_type` lists (all of
/// them, or those an incremental evaluation evaluates again), in rule position then node id
/// order, with the number of nodes evaluated.
pub(super) fn results_along<'graph>(
    rules: &RuleSet,
    graph: &'graph TenantGraph,
    exposure: Arc<dyn InternetExposure>,
    path: ConditionPath,
    targets_of_type: &(dyn Fn(crate::model::NodeType) -> Vec<&'graph Node> + Sync),
) -> (Vec<RuleResult>, usize) {
    // Rules by resource type, each with its position in the set (which is sorted by id).
    let mut rules_by_type: BTreeMap<crate::model::NodeType, Vec<(usize, &super::Rule)>> =
        BTreeMap::new();
    for (position, rule) in rules.rules().iter().enumerate() {
        rules_by_type
            .entry(rule.resource)
            .or_default()
            .push((position, rule));
    }
    // The edge kinds any rule of a type asks `related()` for; only those are converted.
    let kinds_by_type = related_kinds_by_type(rules);
    let mut targets: Vec<(&Node, Vec<EdgeKind>)> = kinds_by_type
        .iter()
        .flat_map(|(node_type, kinds)| {
            targets_of_type(*node_type)
                .into_iter()
                .map(move |node| (node, kinds.clone()))
        })
        .collect();
    // Nodes in id order, so that each rule's results come out in node id order and the final
    // order (rule id, node id) is a stable sort by rule position: no string comparisons.
    targets.par_sort_unstable_by(|left, right| left.0.id.cmp(&right.0.id));
    // The interpreter reads CEL values: converted once for all nodes on the interpreted path,
    // and per node, only when needed, on the compiled one (its fallbacks are rare).
    let shared_values = match path {
        ConditionPath::Interpreted => Some(NodeValues::convert(graph, &targets)),
        ConditionPath::Compiled => None,
    };
    let mut results: Vec<(usize, RuleResult)> = targets
        .par_iter()
        .map_init(
            // The interpreter's context is built only when a thread needs it.
            || None::<Context<'static, 'static>>,
            |root, (node, related_kinds)| {
                let rules = &rules_by_type[&node.node_type];
                let subject = Subject {
                    node,
                    graph,
                    exposure: &*exposure,
                };
                let mut resource: Option<Value> = None;
                rules
                    .iter()
                    .map(|(position, rule)| {
                        let verdict = match (&rule.compiled, path) {
                            (Ok(compiled), ConditionPath::Compiled) => {
                                compiled.evaluate(&subject).ok()
                            }
                            _ => None,
                        };
                        let (status, reason) =
                            match verdict {
                                Some(true) => (RuleStatus::Fail, rule.shared_reason_for(node)),
                                Some(false) => (RuleStatus::Pass, rule.no_reason.clone()),
                                None => {
                                    let resource =
                                        resource.get_or_insert_with(|| match &shared_values {
                                            Some(values) => {
                                                values.resource(graph, node, related_kinds)
                                            }
                                            None => NodeValues::convert(
                                                graph,
                                                &[(*node, related_kinds.clone())],
                                            )
                                            .resource(graph, node, related_kinds),
                                        });
                                    let root =
                                        root.get_or_insert_with(|| root_context(exposure.clone()));
                                    interpret(rule, node, root, resource)
                                }
                            };
                        let result = RuleResult {
                            rule_id: rule.shared_id.clone(),
                            rule_version: rule.version,
                            node_id: node.id.clone(),
                            severity: rule.severity,
                            status,
                            reason,
                        };
                        (*position, result)
                    })
                    .collect::<Vec<_>>()
            },
        )
        .flatten()
        .collect();
    results.par_sort_by_key(|(position, _)| *position);
    let results: Vec<RuleResult> = results.into_iter().map(|(_, result)| result).collect();
    (results, targets.len())
}
