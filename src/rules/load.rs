//! Loading and validating rule files: unknown fields, bad severities or node types, duplicate ids
//! and CEL that does not compile are errors naming the file and the rule.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::compile::CompiledCondition;
use crate::model::{NodeType, Severity};

/// A rule file error: which file, which rule, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: rule `{rule_id}`: {message}")]
pub struct LoadError {
    pub path: String,
    pub rule_id: String,
    pub message: String,
}

/// How to fix a rule's violations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub text: String,
    #[serde(default)]
    pub cli: Option<String>,
    #[serde(default)]
    pub terraform: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// A worked example: a node (and what surrounds it) that the rule must judge as stated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// `violating` or `compliant`.
    pub expect: String,
    pub properties: serde_json::Value,
    #[serde(default)]
    pub name: Option<String>,
    /// Neighbours by edge kind: `{member_of = [{type = …, properties = {…}}]}`.
    #[serde(default)]
    pub related: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
    /// (port, protocol) pairs the node is exposed on.
    #[serde(default)]
    pub exposed: Vec<(u16, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    version: i64,
    title: String,
    severity: String,
    resource: String,
    #[serde(default)]
    categories: Vec<String>,
    description: String,
    #[serde(default)]
    risk: String,
    remediation: Remediation,
    #[serde(default)]
    references: Vec<String>,
    condition: String,
    reason: String,
    #[serde(default)]
    examples: Vec<Example>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

/// A validated rule with its compiled condition (CEL condition true = violation).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rule {
    pub id: String,
    pub version: i64,
    pub title: String,
    /// `info`, `low`, `medium`, `high` or `critical`.
    #[schema(value_type = String)]
    pub severity: Severity,
    /// The node type the rule evaluates.
    #[schema(value_type = String)]
    pub resource: NodeType,
    pub categories: Vec<String>,
    pub description: String,
    pub risk: String,
    pub remediation: Remediation,
    pub references: Vec<String>,
    pub condition: String,
    /// Sentence template; `{id}`, `{name}`, `{region}`, `{type}` are filled per resource.
    pub reason: String,
    #[schema(value_type = Vec<Object>)]
    pub examples: Vec<Example>,
    /// The rule file it came from.
    pub source: String,
    #[serde(skip)]
    pub(crate) program: Arc<cel::Program>,
    /// Edge kinds the condition asks `related()` for; only these are converted per node.
    #[serde(skip)]
    pub(crate) related_kinds: Vec<crate::model::EdgeKind>,
    /// The condition compiled to native operations, or why it stays on the interpreter.
    #[serde(skip)]
    pub(crate) compiled: Result<Arc<CompiledCondition>, String>,
    /// `id`, shared by every result of the rule.
    #[serde(skip)]
    pub(crate) shared_id: Arc<str>,
    /// `reason` when it has no placeholder: every failing result shares it instead of a copy.
    #[serde(skip)]
    pub(crate) fixed_reason: Option<Arc<str>>,
    /// The empty reason of the rule's passes: one per rule, not one for all, because evaluation
    /// and merging run rules on different threads and a shared count would bounce between them.
    #[serde(skip)]
    pub(crate) no_reason: Arc<str>,
}

/// The edge kinds named in `related('kind')` calls of a condition.
fn related_kinds(condition: &str) -> Vec<crate::model::EdgeKind> {
    let mut kinds: Vec<crate::model::EdgeKind> = condition
        .match_indices("related(")
        .filter_map(|(position, call)| {
            let rest = condition[position + call.len()..].trim_start();
            let quote = rest
                .chars()
                .next()
                .filter(|quote| *quote == '\'' || *quote == '"')?;
            let name: String = rest[1..]
                .chars()
                .take_while(|character| *character != quote)
                .collect();
            crate::model::EdgeKind::parse(&name).ok()
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// What `reason_for` fills in.
const REASON_PLACEHOLDERS: [&str; 4] = ["{id}", "{name}", "{region}", "{type}"];

impl Rule {
    /// The reason sentence for one resource, shared when the template has no placeholder.
    pub(crate) fn shared_reason_for(&self, node: &crate::model::Node) -> Arc<str> {
        match &self.fixed_reason {
            Some(reason) => reason.clone(),
            None => Arc::from(self.reason_for(node)),
        }
    }

    /// The reason sentence for one resource.
    pub fn reason_for(&self, node: &crate::model::Node) -> String {
        // The same chain of replacements as always (a name containing `{region}` gets it filled
        // in), skipping those that cannot match: a failing rule on 100k nodes pays per copy.
        let mut reason = self.reason.clone();
        for (placeholder, value) in [
            ("{id}", node.id.resource_id()),
            ("{name}", node.name.as_str()),
            ("{region}", node.region.as_str()),
            ("{type}", node.node_type.as_str()),
        ] {
            if reason.contains(placeholder) {
                reason = reason.replace(placeholder, value);
            }
        }
        reason
    }
}

/// Every loaded rule, sorted by id.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// Every `rules/**/*.toml` as (path, text), generated by `build.rs`: a new rule file ships
/// without being listed here.
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

impl RuleSet {
    /// The pack shipped in the binary.
    pub fn builtin() -> Result<RuleSet, LoadError> {
        RuleSet::from_sources(
            BUILTIN
                .iter()
                .map(|(path, text)| (path.to_string(), text.to_string())),
        )
    }

    /// The rule files shipped in the binary, as (path, text): what `builtin` loads.
    pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
        BUILTIN
    }

    /// Parses and validates rule files given as (path, text).
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RuleSet, LoadError> {
        let mut rules = Vec::new();
        let mut seen = BTreeSet::new();
        for (path, text) in sources {
            let error = |rule_id: &str, message: String| LoadError {
                path: path.clone(),
                rule_id: rule_id.to_string(),
                message,
            };
            let file: RuleFile =
                toml::from_str(&text).map_err(|problem| error("?", problem.to_string()))?;
            for spec in file.rule {
                if !seen.insert(spec.id.clone()) {
                    return Err(error(&spec.id, "duplicate rule id".into()));
                }
                let severity = Severity::parse(&spec.severity)
                    .map_err(|problem| error(&spec.id, problem.to_string()))?;
                let resource = NodeType::parse(&spec.resource)
                    .map_err(|problem| error(&spec.id, problem.to_string()))?;
                let program = cel::Program::compile(&spec.condition).map_err(|problem| {
                    error(&spec.id, format!("condition does not compile: {problem}"))
                })?;
                for example in &spec.examples {
                    if example.expect != "violating" && example.expect != "compliant" {
                        return Err(error(
                            &spec.id,
                            format!(
                                "example expect `{}` must be violating or compliant",
                                example.expect
                            ),
                        ));
                    }
                }
                let related_kinds = related_kinds(&spec.condition);
                let compiled = CompiledCondition::compile(&program, &related_kinds)
                    .map(Arc::new)
                    .inspect_err(|construct| {
                        tracing::debug!(
                            rule = %spec.id,
                            construct = %construct,
                            "rule condition uses {construct}: it runs on the cel interpreter"
                        );
                    });
                let fixed_reason = REASON_PLACEHOLDERS
                    .iter()
                    .all(|placeholder| !spec.reason.contains(placeholder))
                    .then(|| Arc::from(spec.reason.as_str()));
                rules.push(Rule {
                    related_kinds,
                    compiled,
                    shared_id: Arc::from(spec.id.as_str()),
                    fixed_reason,
                    no_reason: Arc::from(""),
                    id: spec.id,
                    version: spec.version,
                    title: spec.title,
                    severity,
                    resource,
                    categories: spec.categories,
                    description: spec.description,
                    risk: spec.risk,
                    remediation: spec.remediation,
                    references: spec.references,
                    condition: spec.condition,
                    reason: spec.reason,
                    examples: spec.examples,
                    source: path.clone(),
                    program: Arc::new(program),
                });
            }
        }
        rules.sort_by(|left, right| left.id.cmp(&right.id));
        Ok(RuleSet { rules })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Rules whose condition did not compile to native operations and runs on the cel
    /// interpreter, with the construct that kept it there: (rule id, construct).
    pub fn interpreted_rules(&self) -> Vec<(&str, &str)> {
        self.rules
            .iter()
            .filter_map(|rule| match &rule.compiled {
                Ok(_) => None,
                Err(construct) => Some((rule.id.as_str(), construct.as_str())),
            })
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }
}
