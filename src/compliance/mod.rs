//! Compliance: framework revisions (`frameworks/<id>-<revision>.toml`) list controls and the rule
//! ids that implement them; scores come from rule results, with the formula and counts that
//! produced them. Pure: no IO.
//!
//! Control status: MANUAL (no automated rule), NOT_APPLICABLE (rules, but no resource of their
//! kind), FAIL (a resource fails and is not accepted, or a rule errored: no evidence is never a
//! pass), PASS otherwise. Control score = passing resources / evaluated resources (an accepted
//! resource is evaluated but not passing). Framework score = PASS / (PASS + FAIL) controls, each
//! control weighted equally; MANUAL and NOT_APPLICABLE are left out.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::model::NodeId;
use crate::rules::{Evaluation, RuleSet, RuleStatus};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct LoadError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    #[serde(default)]
    pub section: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub revision: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "control")]
    pub controls: Vec<Control>,
}

const BUILTIN: &[(&str, &str)] = &[
    (
        "frameworks/cis-aws-foundations-3.0.0.toml",
        include_str!("../../frameworks/cis-aws-foundations-3.0.0.toml"),
    ),
    (
        "frameworks/nist-800-53-rev5.toml",
        include_str!("../../frameworks/nist-800-53-rev5.toml"),
    ),
    (
        "frameworks/pci-dss-4.0.toml",
        include_str!("../../frameworks/pci-dss-4.0.toml"),
    ),
    (
        "frameworks/soc2-2017.toml",
        include_str!("../../frameworks/soc2-2017.toml"),
    ),
];

/// Loads framework files, checking every control names rules that exist.
pub fn load(
    sources: impl IntoIterator<Item = (String, String)>,
    rules: &RuleSet,
) -> Result<Vec<Framework>, LoadError> {
    let mut frameworks = Vec::new();
    for (path, text) in sources {
        let framework: Framework = toml::from_str(&text).map_err(|error| LoadError {
            path: path.clone(),
            message: error.to_string(),
        })?;
        for control in &framework.controls {
            for rule_id in &control.rules {
                if rules.get(rule_id).is_none() {
                    return Err(LoadError {
                        path: path.clone(),
                        message: format!("control {} names unknown rule `{rule_id}`", control.id),
                    });
                }
            }
        }
        frameworks.push(framework);
    }
    frameworks.sort_by(|left, right| (&left.id, &left.revision).cmp(&(&right.id, &right.revision)));
    Ok(frameworks)
}

/// The frameworks shipped in the binary.
pub fn builtin(rules: &RuleSet) -> Result<Vec<Framework>, LoadError> {
    load(
        BUILTIN
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string())),
        rules,
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ControlStatus {
    Pass,
    Fail,
    Manual,
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FailingResource {
    pub node_id: String,
    pub rule_id: String,
    pub reason: String,
}

/// A control's status with the counts and formula behind its score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ControlScore {
    pub id: String,
    pub section: String,
    pub title: String,
    pub status: ControlStatus,
    pub rules: Vec<String>,
    pub rules_passing: usize,
    pub rules_failing: usize,
    pub rules_errored: usize,
    pub resources_evaluated: usize,
    pub resources_passing: usize,
    pub resources_failing: usize,
    pub resources_accepted: usize,
    /// passing / evaluated, or None when nothing was evaluated.
    pub score: Option<f64>,
    pub formula: String,
    pub failing_resources: Vec<FailingResource>,
}

/// A framework revision with every control.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FrameworkScore {
    pub id: String,
    pub name: String,
    pub revision: String,
    pub score: Option<f64>,
    pub formula: String,
    pub controls_passing: usize,
    pub controls_failing: usize,
    pub controls_manual: usize,
    pub controls_not_applicable: usize,
    pub controls: Vec<ControlScore>,
}

fn score_control(
    control: &Control,
    evaluation: &Evaluation,
    accepted: &HashSet<(String, NodeId)>,
) -> ControlScore {
    let rule_ids: BTreeSet<&str> = control.rules.iter().map(String::as_str).collect();
    let results: Vec<_> = evaluation
        .results
        .iter()
        .filter(|result| rule_ids.contains(result.rule_id.as_str()))
        .collect();
    let mut by_node: BTreeMap<&NodeId, (bool, bool, bool)> = BTreeMap::new(); // (failing, accepted, errored)
    let mut failing_resources = Vec::new();
    let mut rules_failing = BTreeSet::new();
    let mut rules_errored = BTreeSet::new();
    for result in &results {
        let entry = by_node
            .entry(&result.node_id)
            .or_insert((false, false, false));
        match result.status {
            RuleStatus::Pass => {}
            RuleStatus::Fail
                if accepted.contains(&(result.rule_id.clone(), result.node_id.clone())) =>
            {
                entry.1 = true
            }
            RuleStatus::Fail => {
                entry.0 = true;
                rules_failing.insert(result.rule_id.as_str());
                failing_resources.push(FailingResource {
                    node_id: result.node_id.to_string(),
                    rule_id: result.rule_id.clone(),
                    reason: result.reason.clone(),
                });
            }
            RuleStatus::Error => {
                entry.2 = true;
                rules_errored.insert(result.rule_id.as_str());
            }
        }
    }
    let evaluated: Vec<_> = by_node
        .values()
        .filter(|(_, _, errored)| !errored)
        .collect();
    let failing = evaluated.iter().filter(|(failing, _, _)| *failing).count();
    let accepted_count = evaluated
        .iter()
        .filter(|(failing, accepted, _)| !failing && *accepted)
        .count();
    let passing = evaluated.len() - failing - accepted_count;
    let status = if control.rules.is_empty() {
        ControlStatus::Manual
    } else if failing > 0 || !rules_errored.is_empty() {
        ControlStatus::Fail
    } else if evaluated.is_empty() {
        ControlStatus::NotApplicable
    } else {
        ControlStatus::Pass
    };
    let score = (!evaluated.is_empty()).then(|| passing as f64 / evaluated.len() as f64);
    let rules_with_results: BTreeSet<&str> = results
        .iter()
        .map(|result| result.rule_id.as_str())
        .collect();
    ControlScore {
        id: control.id.clone(),
        section: control.section.clone(),
        title: control.title.clone(),
        status,
        rules: control.rules.clone(),
        rules_passing: rules_with_results
            .iter()
            .filter(|rule| !rules_failing.contains(*rule) && !rules_errored.contains(*rule))
            .count(),
        rules_failing: rules_failing.len(),
        rules_errored: rules_errored.len(),
        resources_evaluated: evaluated.len(),
        resources_passing: passing,
        resources_failing: failing,
        resources_accepted: accepted_count,
        score,
        formula: format!(
            "resources passing / resources evaluated = {passing} / {} (accepted: {accepted_count}, not counted as passing)",
            evaluated.len()
        ),
        failing_resources,
    }
}

/// Scores one framework from an evaluation; `accepted` holds (rule id, node) of accepted findings.
pub fn score(
    framework: &Framework,
    evaluation: &Evaluation,
    accepted: &HashSet<(String, NodeId)>,
) -> FrameworkScore {
    let controls: Vec<ControlScore> = framework
        .controls
        .iter()
        .map(|control| score_control(control, evaluation, accepted))
        .collect();
    let count = |status: ControlStatus| {
        controls
            .iter()
            .filter(|control| control.status == status)
            .count()
    };
    let (passing, failing) = (count(ControlStatus::Pass), count(ControlStatus::Fail));
    FrameworkScore {
        id: framework.id.clone(),
        name: framework.name.clone(),
        revision: framework.revision.clone(),
        score: (passing + failing > 0).then(|| 100.0 * passing as f64 / (passing + failing) as f64),
        formula: format!(
            "100 × PASS controls / (PASS + FAIL controls) = 100 × {passing} / {}; MANUAL and NOT_APPLICABLE controls excluded; controls weighted equally",
            passing + failing
        ),
        controls_passing: passing,
        controls_failing: failing,
        controls_manual: count(ControlStatus::Manual),
        controls_not_applicable: count(ControlStatus::NotApplicable),
        controls,
    }
}
