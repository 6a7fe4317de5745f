//! Differential test of the compiled rule conditions: every shipped rule runs through the
//! compiled path (`rules::evaluate`) and through the cel interpreter alone
//! (`rules::evaluate_interpreted`) on every worked example (as written, over typed defaults, and
//! without exposure analysis) and on generated estates (as generated and with properties broken
//! on purpose), and both must give the same results: status and reason for every rule and node.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use infracast::discovery::generate::generate_estate;
use infracast::graph::TenantGraph;
use infracast::model::{Edge, EdgeKind, NodeId, NodeType};
use infracast::pathtrace::{self, ExposureReport, Protocol};
use infracast::rules::{
    self, Evaluation, ExposureAnswer, InternetExposure, NoExposureAnalysis, RuleSet, RuleStatus,
};
use serde_json::{Value, json};

use crate::rule_cases::{ExposedPorts, node};

/// The path tracer's answer, as the engine wires it for rules.
pub(crate) struct TracedExposure(pub(crate) ExposureReport);

impl InternetExposure for TracedExposure {
    fn is_exposed(&self, node_id: &NodeId, port: u16, protocol: &str) -> ExposureAnswer {
        let Ok(protocol) = Protocol::parse(protocol) else {
            return ExposureAnswer::Unknown;
        };
        match self.0.exposed_on(node_id, Some(port), protocol) {
            Some(_) => ExposureAnswer::Exposed { proof: Value::Null },
            None => ExposureAnswer::NotExposed,
        }
    }
}

/// The typed default properties of a node type, as discovery fills them (absent fields null).
fn default_properties(node_type: NodeType) -> Value {
    use infracast::model::properties::*;
    match node_type {
        NodeType::Instance => serde_json::to_value(InstanceProperties::default()),
        NodeType::SecurityGroup => serde_json::to_value(SecurityGroupProperties::default()),
        NodeType::NetworkAcl => serde_json::to_value(NetworkAclProperties::default()),
        NodeType::Subnet => serde_json::to_value(SubnetProperties::default()),
        NodeType::Vpc => serde_json::to_value(VpcProperties::default()),
        NodeType::RouteTable => serde_json::to_value(RouteTableProperties::default()),
        NodeType::Volume => serde_json::to_value(VolumeProperties::default()),
        NodeType::Snapshot => serde_json::to_value(SnapshotProperties::default()),
        NodeType::ElasticIp => serde_json::to_value(ElasticIpProperties::default()),
        NodeType::InternetGateway => serde_json::to_value(InternetGatewayProperties::default()),
        NodeType::VpcPeeringConnection => {
            serde_json::to_value(VpcPeeringConnectionProperties::default())
        }
        NodeType::RegionSettings => serde_json::to_value(RegionSettingsProperties::default()),
        // iam
        NodeType::IamAccount => serde_json::to_value(IamAccountProperties::default()),
        NodeType::IamUser => serde_json::to_value(IamUserProperties::default()),
        NodeType::IamRole => serde_json::to_value(IamRoleProperties::default()),
        NodeType::IamPolicy => serde_json::to_value(IamPolicyProperties::default()),
        NodeType::IamServerCertificate => {
            serde_json::to_value(IamServerCertificateProperties::default())
        }
        _ => Ok(json!({})),
    }
    .unwrap()
}

/// The example's properties over the type's defaults (list items stay as written).
fn over_defaults(node_type: NodeType, example: &Value) -> Value {
    let mut merged = default_properties(node_type);
    if let (Some(target), Some(source)) = (merged.as_object_mut(), example.as_object()) {
        for (key, value) in source {
            target.insert(key.clone(), value.clone());
        }
    }
    merged
}

fn default_neighbour_type(kind: EdgeKind) -> NodeType {
    match kind {
        EdgeKind::InSubnet => NodeType::Subnet,
        EdgeKind::MemberOf | EdgeKind::References => NodeType::SecurityGroup,
        EdgeKind::AttachedTo => NodeType::Volume,
        _ => NodeType::Vpc,
    }
}

/// Both paths on one graph; returns the (identical) evaluation.
fn assert_same_verdicts(
    rule_set: &RuleSet,
    graph: &TenantGraph,
    exposure: Arc<dyn InternetExposure>,
    what: &str,
) -> Evaluation {
    let compiled = rules::evaluate(rule_set, graph, exposure.clone());
    let interpreted = rules::evaluate_interpreted(rule_set, graph, exposure);
    assert_eq!(
        compiled.results.len(),
        interpreted.results.len(),
        "{what}: result counts differ"
    );
    for (compiled_result, interpreted_result) in compiled.results.iter().zip(&interpreted.results) {
        assert_eq!(
            compiled_result, interpreted_result,
            "{what}: compiled and interpreted results differ"
        );
    }
    assert_eq!(compiled, interpreted, "{what}: evaluations differ");
    compiled
}

#[test]
fn every_shipped_rule_compiles_to_native_operations() {
    let rule_set = RuleSet::builtin().expect("the shipped pack loads");
    assert!(rule_set.rules().len() >= 40);
    assert_eq!(
        rule_set.interpreted_rules(),
        Vec::<(&str, &str)>::new(),
        "shipped rules left on the interpreter"
    );
}

#[test]
fn a_rule_outside_the_compiled_subset_runs_on_the_interpreter_with_the_same_verdicts() {
    let source = r#"
[[rule]]
id = "test.exists_one"
version = 1
title = "exactly one open rule"
severity = "low"
resource = "aws.ec2.security_group"
description = "uses exists_one, which is not compiled"
remediation = { text = "none" }
condition = "resource.properties.ingress.exists_one(r, r.protocol == '-1')"
reason = "{id} has exactly one all-traffic rule"
"#;
    let rule_set = RuleSet::from_sources([("test.toml".to_string(), source.to_string())])
        .expect("the rule loads");
    let interpreted = rule_set.interpreted_rules();
    assert_eq!(interpreted.len(), 1);
    assert_eq!(interpreted[0].0, "test.exists_one");
    assert!(
        interpreted[0].1.contains("comprehension"),
        "{:?}",
        interpreted[0]
    );
    let one = json!({"ingress": [{"protocol": "-1"}, {"protocol": "tcp"}]});
    let two = json!({"ingress": [{"protocol": "-1"}, {"protocol": "-1"}]});
    let graph = TenantGraph::build(
        vec![
            node(NodeType::SecurityGroup, "sg-one", one),
            node(NodeType::SecurityGroup, "sg-two", two),
        ],
        Vec::new(),
    );
    let evaluation = assert_same_verdicts(
        &rule_set,
        &graph,
        Arc::new(NoExposureAnalysis),
        "exists_one",
    );
    let statuses: Vec<(String, RuleStatus)> = evaluation
        .results
        .iter()
        .map(|result| (result.node_id.resource_id().to_string(), result.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("sg-one".to_string(), RuleStatus::Fail),
            ("sg-two".to_string(), RuleStatus::Pass)
        ]
    );
}

#[test]
fn compiled_and_interpreted_agree_on_every_example() {
    let rule_set = RuleSet::builtin().expect("the shipped pack loads");
    let mut compared = 0;
    let mut statuses = BTreeMap::new();
    for rule in rule_set.rules() {
        for (index, example) in rule.examples.iter().enumerate() {
            // As written (fields the example leaves out are missing: errors), and over defaults.
            for (variant, properties) in [
                ("as written", example.properties.clone()),
                (
                    "over defaults",
                    over_defaults(rule.resource, &example.properties),
                ),
            ] {
                let subject = node(rule.resource, "subject", properties);
                let mut nodes = vec![subject.clone()];
                let mut edges = Vec::new();
                for (kind_name, neighbours) in &example.related {
                    let kind = EdgeKind::parse(kind_name).unwrap();
                    for (position, neighbour) in neighbours.iter().enumerate() {
                        let node_type = neighbour
                            .get("type")
                            .and_then(Value::as_str)
                            .map_or(default_neighbour_type(kind), |name| {
                                NodeType::parse(name).unwrap()
                            });
                        let other = node(
                            node_type,
                            &format!("neighbour-{kind_name}-{position}"),
                            neighbour.get("properties").cloned().unwrap_or_default(),
                        );
                        edges.push(Edge::new(kind, subject.id.clone(), other.id.clone()));
                        nodes.push(other);
                    }
                }
                let graph = TenantGraph::build(nodes, edges);
                let exposed = ExposedPorts(
                    example
                        .exposed
                        .iter()
                        .map(|(port, protocol)| (subject.id.to_string(), *port, protocol.clone()))
                        .collect(),
                );
                for (exposure_name, exposure) in [
                    (
                        "example exposure",
                        Arc::new(exposed) as Arc<dyn InternetExposure>,
                    ),
                    ("no exposure analysis", Arc::new(NoExposureAnalysis)),
                ] {
                    let what = format!("{} example {index} {variant}, {exposure_name}", rule.id);
                    let evaluation = assert_same_verdicts(&rule_set, &graph, exposure, &what);
                    for result in &evaluation.results {
                        *statuses.entry(format!("{:?}", result.status)).or_insert(0) += 1;
                    }
                    compared += evaluation.results.len();
                }
            }
        }
    }
    // The comparison covered every outcome, errors included (missing fields, no analysis).
    assert!(compared > 1000, "only {compared} results compared");
    for status in ["Pass", "Fail", "Error"] {
        assert!(
            statuses.get(status).copied().unwrap_or(0) >= 20,
            "too few {status} results: {statuses:?}"
        );
    }
}

/// A small deterministic generator (no dependency on the crate's random source).
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Breaks a property on purpose: removed, null, a string, a negative or an out-of-order number,
/// a list where a scalar was, an empty object. Applied at the top level or inside list items.
pub(crate) fn break_properties(properties: &mut Value, random: &mut Lcg) {
    let Some(fields) = properties.as_object_mut() else {
        return;
    };
    if fields.is_empty() {
        return;
    }
    let keys: Vec<String> = fields.keys().cloned().collect();
    let key = &keys[random.next() as usize % keys.len()];
    let replacement = match random.next() % 8 {
        0 => None,
        1 => Some(Value::Null),
        2 => Some(json!("not the right type")),
        3 => Some(json!(-1)),
        4 => Some(json!(70000)),
        5 => Some(json!([1, "two", null])),
        6 => Some(json!({})),
        _ => {
            // Inside a list item: the same breakage one level down.
            if let Some(Value::Array(items)) = fields.get_mut(key)
                && !items.is_empty()
            {
                let position = random.next() as usize % items.len();
                break_properties(&mut items[position], random);
            }
            return;
        }
    };
    match replacement {
        None => {
            fields.remove(key);
        }
        Some(value) => {
            fields.insert(key.clone(), value);
        }
    }
}

#[test]
fn compiled_and_interpreted_agree_on_a_generated_estate() {
    let rule_set = RuleSet::builtin().expect("the shipped pack loads");
    let inventory = generate_estate(3_000, 7);
    let graph = TenantGraph::build(inventory.nodes.clone(), inventory.edges.clone());
    let exposure = Arc::new(TracedExposure(pathtrace::analyse_internet_exposure(&graph)));
    let evaluation = assert_same_verdicts(&rule_set, &graph, exposure, "generated estate");
    assert!(
        evaluation.results.len() > 10_000,
        "{}",
        evaluation.results.len()
    );
    assert!(evaluation.failed > 1_000 && evaluation.passed > 1_000);
    let judged: BTreeSet<&str> = evaluation
        .results
        .iter()
        .map(|result| &*result.rule_id)
        .collect();
    let unjudged: Vec<&str> = rule_set
        .rules()
        .iter()
        .map(|rule| rule.id.as_str())
        .filter(|id| !judged.contains(id))
        .collect();
    // The generator makes no peering connection and no Config recorder (only the region's
    // recorder settings): every other rule judged something.
    assert_eq!(
        unjudged,
        [
            "aws.config.recorder_not_recording",
            "aws.vpc.peering_not_active"
        ],
        "only {} rules judged",
        judged.len()
    );

    // Without exposure analysis, the exposure rules error on every instance, on both paths.
    let evaluation = assert_same_verdicts(
        &rule_set,
        &graph,
        Arc::new(NoExposureAnalysis),
        "generated estate without exposure analysis",
    );
    assert!(evaluation.errors > 1_000, "{} errors", evaluation.errors);
}

#[test]
fn compiled_and_interpreted_agree_on_a_generated_estate_with_broken_properties() {
    let rule_set = RuleSet::builtin().expect("the shipped pack loads");
    let mut inventory = generate_estate(2_000, 11);
    let mut random = Lcg(2026);
    for node in &mut inventory.nodes {
        // A third of the nodes get one to three breakages.
        if random.next().is_multiple_of(3) {
            for _ in 0..=random.next() % 3 {
                break_properties(&mut node.properties, &mut random);
            }
        }
    }
    let graph = TenantGraph::build(inventory.nodes, inventory.edges);
    let exposure = Arc::new(TracedExposure(pathtrace::analyse_internet_exposure(&graph)));
    let evaluation = assert_same_verdicts(&rule_set, &graph, exposure, "broken estate");
    assert!(evaluation.errors > 200, "{} errors", evaluation.errors);
    assert!(evaluation.failed > 500 && evaluation.passed > 500);
}
