//! Evaluation: run the rule pack over the tenant's current snapshot (with the path tracer's
//! exposure analysis behind `exposed_to_internet`) and move the tenant's findings. Network
//! findings carry their path proof; security-group findings say which members are really exposed.

use anyhow::Context;
use serde_json::json;
use uuid::Uuid;

use super::JobRuntime;
use crate::model::EdgeKind;
use crate::rules::RuleStatus;
use crate::store::{self, findings::Observation};

/// What an evaluation changed.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationSummary {
    pub results: usize,
    pub failing: usize,
    pub new: usize,
    pub resolved: usize,
    pub reopened: usize,
}

pub async fn evaluate_tenant(
    runtime: &JobRuntime,
    tenant_id: &str,
    job_id: Option<Uuid>,
) -> anyhow::Result<EvaluationSummary> {
    let snapshot = runtime
        .snapshots
        .current(&runtime.pool, tenant_id)
        .await
        .context("loading the graph snapshot")?;
    let rule_set = runtime.rules.clone();
    let (observations, errored, results) = tokio::task::spawn_blocking(move || {
        let evaluation = snapshot.evaluation(&rule_set);
        let exposure = snapshot.exposure();
        let observations: Vec<Observation> = evaluation
            .results
            .iter()
            .filter(|result| result.status == RuleStatus::Fail)
            .filter_map(|result| {
                let rule = rule_set.get(&result.rule_id)?;
                let node = snapshot.graph.node(&result.node_id)?;
                let mut evidence = json!({"rule_version": rule.version, "condition": rule.condition, "resource": {"id": node.id.as_str(), "name": node.name}});
                if let Some(entry) = exposure.entries().iter().find(|entry| entry.node_id == node.id.as_str()) {
                    evidence["path_proof"] = json!({"open": entry.open, "hops": entry.path});
                }
                if node.node_type == crate::model::NodeType::SecurityGroup && rule.categories.iter().any(|category| category == "internet-exposed") {
                    let members: Vec<String> = snapshot.graph.incoming(&node.id, Some(EdgeKind::MemberOf)).iter().map(|member| member.node.id.to_string()).collect();
                    let exposed: Vec<&String> = members.iter().filter(|member| exposure.entries().iter().any(|entry| &entry.node_id == *member)).collect();
                    evidence["members"] = json!(members.len());
                    evidence["exposed_members"] = json!(exposed);
                    evidence["exposure"] = json!(if exposed.is_empty() { "misconfigured, but no member is reachable from the internet" } else { "members are reachable from the internet (path proven)" });
                }
                Some(Observation {
                    rule_id: rule.id.clone(),
                    rule_version: rule.version as i32,
                    node_id: node.id.to_string(),
                    node_type: node.node_type.as_str().to_string(),
                    region: node.region.clone(),
                    severity: rule.severity.as_str().to_string(),
                    categories: rule.categories.clone(),
                    reason: result.reason.clone(),
                    evidence,
                })
            })
            .collect();
        (observations, evaluation.errored_rules(), evaluation.results.len())
    })
    .await
    .context("evaluation task failed")?;
    let generation = store::tenants::graph_generation(&runtime.pool, tenant_id).await?;
    let delta = store::findings::apply_evaluation(
        &runtime.pool,
        tenant_id,
        job_id,
        generation,
        &observations,
        &errored,
    )
    .await?;
    Ok(EvaluationSummary {
        results,
        failing: observations.len(),
        new: delta.new.len(),
        resolved: delta.resolved.len(),
        reopened: delta.reopened.len(),
    })
}
