//! Every shipped rule judged on its own worked examples (violating and compliant), loading errors,
//! and the tidy check that no rule ships without both kinds of example.

use std::collections::BTreeSet;
use std::sync::Arc;

use infracast::graph::TenantGraph;
use infracast::model::properties::example_neighbour_type;
use infracast::model::{Edge, EdgeKind, Node, NodeId, NodeType};
use infracast::rules::{
    self, ExposureAnswer, InternetExposure, NoExposureAnalysis, RuleSet, RuleStatus,
};
use serde_json::Value;

/// Exposure as a test states it: these (node id, port, protocol) triples are exposed.
pub(crate) struct ExposedPorts(pub(crate) BTreeSet<(String, u16, String)>);

impl InternetExposure for ExposedPorts {
    fn is_exposed(&self, node_id: &NodeId, port: u16, protocol: &str) -> ExposureAnswer {
        if self
            .0
            .contains(&(node_id.to_string(), port, protocol.to_string()))
        {
            ExposureAnswer::Exposed { proof: Value::Null }
        } else {
            ExposureAnswer::NotExposed
        }
    }
}

pub(crate) fn node(node_type: NodeType, raw: &str, properties: Value) -> Node {
    Node {
        account: "1".into(),
        ..Node::aws("us-east-1", node_type, raw, properties)
    }
}

/// Example properties over the type's registered defaults (`NodeProperties::defaults`, as
/// discovery would fill them, absent optional fields null), so examples only list what matters;
/// list items get their own shape's defaults too (`NodeProperties::list_item_defaults`).
fn with_defaults(node_type: NodeType, example: &Value) -> Value {
    let mut merged = node_type.default_properties();
    let target = merged
        .as_object_mut()
        .unwrap_or_else(|| panic!("{node_type}: registered defaults are not an object"));
    let source = example
        .as_object()
        .unwrap_or_else(|| panic!("{node_type}: example properties are not a table: {example}"));
    for (key, value) in source {
        let value = match (node_type.list_item_defaults(key), value.as_array()) {
            (Some(defaults), Some(items)) => Value::Array(
                items
                    .iter()
                    .map(|item| {
                        let mut base = defaults.clone();
                        if let (Some(base_map), Some(item_map)) =
                            (base.as_object_mut(), item.as_object())
                        {
                            for (item_key, item_value) in item_map {
                                base_map.insert(item_key.clone(), item_value.clone());
                            }
                        }
                        base
                    })
                    .collect(),
            ),
            _ => value.clone(),
        };
        target.insert(key.clone(), value);
    }
    merged
}

#[test]
fn every_rule_judges_its_examples_as_stated() {
    let rule_set = RuleSet::builtin().expect("the shipped pack loads");
    assert!(
        rule_set.rules().len() >= 40,
        "{} rules",
        rule_set.rules().len()
    );
    let mut checked = 0;
    for rule in rule_set.rules() {
        for (index, example) in rule.examples.iter().enumerate() {
            let subject = node(
                rule.resource,
                "subject",
                with_defaults(rule.resource, &example.properties),
            );
            let mut nodes = vec![subject.clone()];
            let mut edges = Vec::new();
            for (kind_name, neighbours) in &example.related {
                let kind = EdgeKind::parse(kind_name)
                    .unwrap_or_else(|error| panic!("{}: {error}", rule.id));
                for (position, neighbour) in neighbours.iter().enumerate() {
                    let node_type = neighbour
                        .get("type")
                        .and_then(Value::as_str)
                        .map_or(example_neighbour_type(kind), |name| {
                            NodeType::parse(name).unwrap()
                        });
                    let other = node(
                        node_type,
                        &format!("neighbour-{kind_name}-{position}"),
                        with_defaults(
                            node_type,
                            neighbour
                                .get("properties")
                                .unwrap_or(&serde_json::json!({})),
                        ),
                    );
                    edges.push(Edge::new(kind, subject.id.clone(), other.id.clone()));
                    nodes.push(other);
                }
            }
            let exposed = ExposedPorts(
                example
                    .exposed
                    .iter()
                    .map(|(port, protocol)| (subject.id.to_string(), *port, protocol.clone()))
                    .collect(),
            );
            let graph = TenantGraph::build(nodes, edges);
            let evaluation = rules::evaluate(&rule_set, &graph, Arc::new(exposed));
            let result = evaluation
                .results
                .iter()
                .find(|result| *result.rule_id == *rule.id && result.node_id == subject.id)
                .unwrap_or_else(|| panic!("{} produced no result", rule.id));
            let expected = if example.expect == "violating" {
                RuleStatus::Fail
            } else {
                RuleStatus::Pass
            };
            assert_eq!(
                result.status, expected,
                "{} example {index} ({}): {}",
                rule.id, example.expect, result.reason
            );
            if expected == RuleStatus::Fail {
                assert!(
                    result.reason.contains("subject") || result.reason.contains("us-east-1"),
                    "{}: reason must name the resource: {}",
                    rule.id,
                    result.reason
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 80, "only {checked} examples");
}

#[test]
fn tidy_every_rule_has_a_violating_and_a_compliant_example() {
    let rule_set = RuleSet::builtin().unwrap();
    let missing: Vec<String> = rule_set
        .rules()
        .iter()
        .filter(|rule| {
            !rule
                .examples
                .iter()
                .any(|example| example.expect == "violating")
                || !rule
                    .examples
                    .iter()
                    .any(|example| example.expect == "compliant")
        })
        .map(|rule| rule.id.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without both kinds of example: {missing:?}"
    );
}

#[test]
fn exposure_rules_fail_loudly_without_an_analysis() {
    let rule_set = RuleSet::builtin().unwrap();
    let graph = TenantGraph::build(
        vec![node(
            NodeType::Instance,
            "i-1",
            serde_json::json!({"state": "running"}),
        )],
        Vec::new(),
    );
    let evaluation = rules::evaluate(&rule_set, &graph, Arc::new(NoExposureAnalysis));
    let ssh = evaluation
        .results
        .iter()
        .find(|result| &*result.rule_id == "aws.ec2.instance_ssh_exposed_to_internet")
        .unwrap();
    assert_eq!(ssh.status, RuleStatus::Error);
    assert!(
        ssh.reason.contains("no internet-exposure analysis"),
        "{}",
        ssh.reason
    );
    assert!(
        evaluation
            .errored_rules()
            .contains(&"aws.ec2.instance_ssh_exposed_to_internet".to_string())
    );
}

fn load(text: &str) -> rules::LoadError {
    RuleSet::from_sources([("rules/test.toml".to_string(), text.to_string())]).unwrap_err()
}

const VALID: &str = r#"
[[rule]]
id = "t.one"
version = 1
title = "t"
severity = "low"
resource = "aws.ec2.vpc"
description = "d"
remediation = { text = "r" }
condition = "resource.properties.is_default"
reason = "vpc {id}"
"#;

#[test]
fn loading_errors_name_the_file_the_rule_and_the_problem() {
    assert_eq!(
        RuleSet::from_sources([("rules/test.toml".to_string(), VALID.to_string())])
            .unwrap()
            .rules()
            .len(),
        1
    );
    let bad_cel = load(&VALID.replace("resource.properties.is_default", "resource.properties.(("));
    assert_eq!(
        (bad_cel.path.as_str(), bad_cel.rule_id.as_str()),
        ("rules/test.toml", "t.one")
    );
    assert!(bad_cel.message.contains("does not compile"), "{bad_cel}");
    let bad_type = load(&VALID.replace("aws.ec2.vpc", "aws.nosuch.thing"));
    assert!(bad_type.message.contains("aws.nosuch.thing"), "{bad_type}");
    let bad_severity = load(&VALID.replace("\"low\"", "\"urgent\""));
    assert!(bad_severity.message.contains("urgent"), "{bad_severity}");
    let duplicate = load(&format!("{VALID}\n{VALID}"));
    assert!(duplicate.message.contains("duplicate"), "{duplicate}");
    let unknown_field = load(&VALID.replace("version = 1", "version = 1\ncolour = \"red\""));
    assert!(
        unknown_field.to_string().contains("colour"),
        "{unknown_field}"
    );
}
